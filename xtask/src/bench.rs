//! `cargo xtask bench`: builds the benchmark binaries in release and runs
//! them; their printed figures are what docs/PERFORMANCE.md records.

use std::process::Command;

use anyhow::{bail, Result};

use crate::repo_root;

/// Runs every benchmark binary in release mode.
pub fn bench() -> Result<()> {
    let root = repo_root();
    // All of testkit's binaries: crash-cycles needs crash-writer beside it.
    let status = Command::new("cargo")
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "doorstep-testkit",
            "--bins",
        ])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("building the benchmarks failed");
    }
    for (bin, args) in [
        ("doorstep-bench", vec![]),
        ("crash-cycles", vec!["--cycles", "1000"]),
    ] {
        println!("==> {bin} {}", args.join(" "));
        let status = Command::new(root.join("target/release").join(bin))
            .args(&args)
            .current_dir(&root)
            .status()?;
        if !status.success() {
            bail!("{bin} failed with {status}");
        }
    }
    Ok(())
}

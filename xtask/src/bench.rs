//! `cargo xtask bench`: builds the benchmark binaries in release and runs
//! them; their printed figures are what docs/PERFORMANCE.md records.

use std::process::Command;

use anyhow::{bail, Result};

use crate::repo_root;

/// Runs every benchmark binary in release mode.
pub fn bench() -> Result<()> {
    let root = repo_root();
    // All of testkit's binaries (crash-cycles needs crash-writer beside
    // it), and the server binary the sync benchmark starts.
    let status = Command::new("cargo")
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "doorstep-testkit",
            "-p",
            "doorstep-server",
            "--bins",
        ])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("building the benchmarks failed");
    }
    let server = root.join("target/release/doorstep-server");
    let server = server.display().to_string();
    for (bin, args) in [
        ("doorstep-bench", vec![]),
        ("crash-cycles", vec!["--cycles", "1000"]),
        ("sync-bench", vec!["--server-bin", server.as_str()]),
        (
            "fault-bench",
            vec!["--cuts", "1000", "--server-bin", server.as_str()],
        ),
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
    // The release app in a real window (its UI built and embedded first).
    println!("==> window-bench (the release app, 600 families)");
    for (program, args, dir) in [
        ("npm", vec!["run", "build"], root.join("ui")),
        (
            "cargo",
            vec!["build", "--quiet", "--release", "-p", "doorstep-desktop"],
            root.clone(),
        ),
        (
            "target/release/window-bench",
            vec!["target/release/doorstep-desktop"],
            root.clone(),
        ),
    ] {
        let program = if program.starts_with("target/") {
            root.join(program).display().to_string()
        } else {
            program.to_string()
        };
        let status = Command::new(&program)
            .args(&args)
            .current_dir(&dir)
            .status()?;
        if !status.success() {
            bail!("{program} failed with {status}");
        }
    }
    // The sync simulation, 10,000 seeds of the real stores and hub.
    println!("==> simulation, 10,000 seeds");
    let status = Command::new("cargo")
        .args([
            "test",
            "--release",
            "-p",
            "doorstep-testkit",
            "--test",
            "simulation",
            "--",
            "--nocapture",
        ])
        .env("DOORSTEP_SIM_SEEDS", "10000")
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("the simulation failed with {status}");
    }
    Ok(())
}

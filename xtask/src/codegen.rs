//! `cargo xtask codegen`: rewrites `ui/src/generated/` (the TypeScript IPC
//! types and command functions) from the Rust, through the desktop crate's
//! drift test in update mode. The test command fails when they drift.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Regenerates the UI's IPC bindings.
pub fn run(root: &Path) -> Result<()> {
    let status = Command::new("cargo")
        .args([
            "test",
            "-p",
            "doorstep-desktop",
            "--features",
            "codegen",
            "--test",
            "codegen",
            "generated_typescript_is_current",
        ])
        .env("DOORSTEP_UPDATE_IPC", "1")
        .current_dir(root)
        .status()
        .context("starting cargo")?;
    if !status.success() {
        bail!("generating ui/src/generated failed ({status})");
    }
    println!("codegen: ui/src/generated rewritten");
    Ok(())
}

//! `cargo xtask fhir-venv`: the independent FHIR R4 model the tests validate
//! the form definitions and exports with (`xtask/fhir/validate.py`, the
//! pinned packages in `xtask/fhir/requirements.txt`), installed into a
//! Python virtual environment at `target/fhir-venv`. It is made again only
//! when the requirements change.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Creates or refreshes `target/fhir-venv` from the requirements.
pub fn venv(root: &Path) -> Result<()> {
    let venv = root.join("target/fhir-venv");
    let requirements = root.join("xtask/fhir/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).context("reading the requirements")?;
    let stamp = venv.join("requirements.installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|had| had == wanted)
        && venv.join("bin/python").exists()
    {
        println!("fhir-venv: up to date ({})", venv.display());
        return Ok(());
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).context("removing the old environment")?;
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(&stamp, wanted).context("writing the stamp")?;
    println!("fhir-venv: installed ({})", venv.display());
    Ok(())
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} exited with {status}");
    }
    Ok(())
}

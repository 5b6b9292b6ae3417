//! `doorstep-desktop`: the desktop app's entry point. The data directory is
//! `DOORSTEP_DATA_DIR` or the platform default; `DOORSTEP_NOW` fixes the
//! clock (demos and tests).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use anyhow::anyhow;
use doorstep_core::Clock;

fn main() -> anyhow::Result<()> {
    let clock = Clock::from_env().map_err(|e| anyhow!("DOORSTEP_NOW {e}"))?;
    doorstep_desktop::run(doorstep_core::resolve_data_dir(None), clock)?;
    Ok(())
}

//! `doorstep-desktop`: the desktop app's entry point. The data directory is
//! `DOORSTEP_DATA_DIR` or the platform default; `DOORSTEP_NOW` (debug builds only) fixes the
//! clock (demos and tests); `DOORSTEP_SYNC_SECONDS` sets how often it syncs
//! in the background (default 60).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::time::Duration;

use anyhow::{anyhow, Context};
use doorstep_core::Clock;

fn main() -> anyhow::Result<()> {
    doorstep_core::device::forbid_core_dumps();
    let clock = Clock::from_env().map_err(|e| anyhow!("DOORSTEP_NOW {e}"))?;
    let sync_seconds = match std::env::var("DOORSTEP_SYNC_SECONDS") {
        Ok(v) => v
            .parse::<u64>()
            .ok()
            .filter(|s| *s >= 5)
            .context("DOORSTEP_SYNC_SECONDS must be a whole number of seconds, at least 5")?,
        Err(_) => 60,
    };
    doorstep_desktop::run(
        doorstep_core::resolve_data_dir(None),
        clock,
        Duration::from_secs(sync_seconds),
    )?;
    Ok(())
}

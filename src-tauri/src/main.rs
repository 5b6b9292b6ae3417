//! `doorstep-desktop`: the desktop app's entry point. The data directory is
//! `DOORSTEP_DATA_DIR` or the platform default; `DOORSTEP_NOW` (debug builds only) fixes the
//! clock (demos and tests); `DOORSTEP_SYNC_SECONDS` sets how often it syncs
//! in the background (default 60). On Linux, WebKit's accelerated
//! compositing is off unless `WEBKIT_DISABLE_COMPOSITING_MODE` says
//! otherwise: a forms app does not need it, and without it WebKit's web
//! process holds about 140 MB less (docs/PERFORMANCE.md, the window
//! benchmark).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::time::Duration;

use anyhow::{anyhow, Context};
use doorstep_core::Clock;

fn main() -> anyhow::Result<()> {
    // Read by WebKitGTK when its web process starts; set before any thread.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
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

//! Dev-only helpers for Doorstep's tests and benchmarks: throwaway devices
//! in temporary directories, a fixed clock, and the crash-safety harness
//! that kills a writer process at random moments, and the sync test rig:
//! the real hub in-process over a transport with faults, a throwaway
//! PostgreSQL cluster, the server as a child process, test TLS
//! certificates, a fault-injecting proxy and hostile requests; and for the desktop app, the
//! workspace binaries and a WebDriver client.

pub mod bins;
pub mod crash;
pub mod display;
pub mod hostile;
pub mod hub;
pub mod pg;
pub mod proxy;
pub mod server;
pub mod tls;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use doorstep_core::{device, Clock, InitOptions, Session};

/// A passphrase that passes the strength rule, for tests.
pub const PASSPHRASE: &str = "kettle orbit crayon 42";

/// A fixed instant for reproducible tests: 22 November 2026, 09:30 UTC.
pub fn fixed_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T09:30:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A device profile in a temporary directory, removed when dropped.
pub struct TempDevice {
    dir: tempfile::TempDir,
}

/// Set-up options with the fastest allowed key derivation (64 MiB, one
/// iteration) and no back-off, so tests and benchmarks stay quick.
pub fn quick_options() -> InitOptions {
    InitOptions {
        kdf_target: Duration::ZERO,
        backoff_base_ms: 0,
        ..InitOptions::default()
    }
}

impl TempDevice {
    /// Sets up a device with [`quick_options`].
    pub fn new() -> TempDevice {
        Self::with_options(quick_options())
    }

    /// Sets up a device with these options and [`PASSPHRASE`].
    pub fn with_options(opts: InitOptions) -> TempDevice {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data = dir.path().join("data");
        doorstep_core::init(&data, PASSPHRASE, &opts).expect("init");
        TempDevice { dir }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Unlocks with [`PASSPHRASE`] and the fixed clock.
    pub fn session(&self) -> Session {
        device::unlock(&self.data_dir(), PASSPHRASE, Clock::Fixed(fixed_now())).expect("unlock")
    }
}

impl Default for TempDevice {
    fn default() -> Self {
        Self::new()
    }
}

/// Enrols `session` with the server at `url` for `practitioner` (a name
/// or id), with a one-time code issued on `hub`, the server's database.
pub fn enrol_with_code(
    session: &mut Session,
    hub: &doorstep_hub::Hub,
    practitioner: &str,
    url: &str,
    device_name: &str,
) -> anyhow::Result<()> {
    let code = hub.issue_enrolment_code(practitioner, chrono::Duration::hours(1), Utc::now())?;
    session.enrol(&doorstep_core::sync::EnrolOptions {
        server: url.into(),
        code: code.code,
        ca_pem: None,
        device_name: device_name.into(),
        replace: false,
    })?;
    Ok(())
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

//! The app's state between commands: the device's data directory, the
//! unlocked session (if any) and when it was last used. The idle lock drops
//! the session, and with it the database key, after the configured minutes
//! without use; a timer enforces it even when no command arrives.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use doorstep_core::{device, sync::explain_erased, Clock, CoreError, Session};
use serde::Serialize;
use ts_rs::TS;

use crate::ipc::IpcError;

/// What the UI needs to pick its first screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppState {
    /// The device profile, readable while locked.
    pub profile: device::ProfileStatus,
    /// Whether a session is open.
    pub unlocked: bool,
    /// Minutes without use before the app locks itself.
    pub idle_lock_minutes: u32,
}

/// The shared state every command reaches through `tauri::State`.
#[derive(Clone)]
pub struct Desktop {
    shared: Arc<Shared>,
}

struct Shared {
    dir: PathBuf,
    clock: Clock,
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    session: Option<Session>,
    last_used: Option<Instant>,
}

/// The device as a command sees it, with the session slot locked.
pub struct Device<'a> {
    dir: &'a Path,
    clock: Clock,
    slot: MutexGuard<'a, Slot>,
}

impl Desktop {
    /// State for the data directory `dir`.
    pub fn new(dir: PathBuf, clock: Clock) -> Desktop {
        Desktop {
            shared: Arc::new(Shared {
                dir,
                clock,
                slot: Mutex::new(Slot::default()),
            }),
        }
    }

    /// Runs `f` on a blocking thread with the device (session slot locked),
    /// so the UI's event loop never waits on the disk or the network.
    pub async fn with_device<T, F>(&self, f: F) -> Result<T, IpcError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Device<'_>) -> Result<T, CoreError> + Send + 'static,
    {
        let this = self.clone();
        tauri::async_runtime::spawn_blocking(move || f(&mut this.device()))
            .await
            .map_err(|_| IpcError::internal())?
            .map_err(IpcError::from)
    }

    /// Like [`Desktop::with_device`], for commands that need the unlocked
    /// session; a locked or idle-expired device answers `locked`.
    pub async fn with_session<T, F>(&self, f: F) -> Result<T, IpcError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Session) -> Result<T, CoreError> + Send + 'static,
    {
        self.with_device(move |d| f(d.session()?)).await
    }

    /// The device with its slot locked (waits for a running command).
    pub fn device(&self) -> Device<'_> {
        Device {
            dir: &self.shared.dir,
            clock: self.shared.clock,
            slot: self.shared.slot.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Locks the device if it has been idle too long; true if it did.
    /// Skips (returns false) while a command holds the session.
    pub fn lock_if_idle(&self) -> bool {
        let Ok(slot) = self.shared.slot.try_lock() else {
            return false;
        };
        let mut d = Device {
            dir: &self.shared.dir,
            clock: self.shared.clock,
            slot,
        };
        d.expire_if_idle()
    }
}

impl Device<'_> {
    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir
    }

    /// The clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The unlocked session, or `Locked` (also after the idle time).
    pub fn session(&mut self) -> Result<&mut Session, CoreError> {
        if self.expire_if_idle() {
            return Err(CoreError::Locked);
        }
        self.slot.last_used = Some(Instant::now());
        self.slot.session.as_mut().ok_or(CoreError::Locked)
    }

    /// Whether a session is open (without counting as use).
    pub fn is_unlocked(&self) -> bool {
        self.slot.session.is_some()
    }

    /// Opens the session with the passphrase.
    pub fn unlock(&mut self, passphrase: &str) -> Result<(), CoreError> {
        let session = device::unlock(self.dir, passphrase, self.clock)
            .map_err(|e| explain_erased(self.dir, e))?;
        self.slot.session = Some(session);
        self.slot.last_used = Some(Instant::now());
        Ok(())
    }

    /// Drops the session and the key with it.
    pub fn lock(&mut self) {
        self.slot.session = None;
        self.slot.last_used = None;
    }

    /// The idle limit from the organisation's configuration.
    pub fn idle_limit(&self) -> Duration {
        let minutes = match &self.slot.session {
            Some(s) => s.config().desktop.idle_lock_minutes,
            None => device::load_config(self.dir)
                .map(|c| c.desktop.idle_lock_minutes)
                .unwrap_or(15),
        };
        Duration::from_secs(u64::from(minutes.max(1)) * 60)
    }

    /// What the UI shows first.
    pub fn state(&self) -> Result<AppState, CoreError> {
        Ok(AppState {
            profile: device::profile_status(self.dir)?,
            unlocked: self.is_unlocked(),
            idle_lock_minutes: (self.idle_limit().as_secs() / 60) as u32,
        })
    }

    fn expire_if_idle(&mut self) -> bool {
        let idle = self.idle_limit();
        match self.slot.last_used {
            Some(t) if self.slot.session.is_some() && t.elapsed() >= idle => {
                self.lock();
                true
            }
            _ => false,
        }
    }
}

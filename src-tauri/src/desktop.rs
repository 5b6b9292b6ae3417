//! The app's state between commands: the device's data directory, the
//! unlocked session (if any) and when it was last used. The idle lock drops
//! the session, and with it the database key, after the configured minutes
//! without use; a timer enforces it even when no command arrives, and folds
//! recent writes into the database file while the practitioner is quiet.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use doorstep_core::sync::{explain_erased, sync_lent, LendSession, ServerAddress};
use doorstep_core::{device, Clock, CoreError, Session, SyncProgress, SyncReport};
use serde::Serialize;

use crate::ipc::{events, AppState, IpcError, SyncEvent, SyncState};

/// How long without a command before the background pass folds recent
/// writes into the database file (a checkpoint), off the practitioner's path.
pub const QUIET: Duration = Duration::from_secs(5);

/// Sends an event to the UI (the Tauri app handle, or nothing in tests).
pub type Emit = Box<dyn Fn(&str, serde_json::Value) + Send + Sync>;

/// The shared state every command reaches through `tauri::State`.
#[derive(Clone)]
pub struct Desktop {
    shared: Arc<Shared>,
}

struct Shared {
    dir: PathBuf,
    clock: Clock,
    slot: Mutex<Slot>,
    emit: std::sync::OnceLock<Emit>,
    /// The enrolled server, remembered so the online check needs no lock.
    server: Mutex<Option<ServerAddress>>,
    /// Held for the whole of a sync: one at a time.
    syncing: Mutex<()>,
}

#[derive(Default)]
struct Slot {
    session: Option<Session>,
    /// When a command last used the session: the monotonic clock, and the
    /// wall clock too, because the monotonic one stops while a laptop sleeps.
    last_used: Option<(Instant, SystemTime)>,
}

/// The device as a command sees it, with the session slot locked.
pub struct Device<'a> {
    dir: &'a Path,
    clock: Clock,
    slot: MutexGuard<'a, Slot>,
    shared: &'a Shared,
}

impl Desktop {
    /// State for the data directory `dir`.
    pub fn new(dir: PathBuf, clock: Clock) -> Desktop {
        Desktop {
            shared: Arc::new(Shared {
                dir,
                clock,
                slot: Mutex::new(Slot::default()),
                emit: std::sync::OnceLock::new(),
                server: Mutex::new(None),
                syncing: Mutex::new(()),
            }),
        }
    }

    /// Where events go (set once, when the app starts).
    pub fn set_emitter(&self, emit: Emit) {
        let _ = self.shared.emit.set(emit);
    }

    fn emit(&self, name: &str, payload: impl Serialize) {
        self.shared.emit(name, payload);
    }

    /// The enrolled server, as last seen by a command.
    pub fn server(&self) -> Option<ServerAddress> {
        self.shared
            .server
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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

    /// Runs `f` on a blocking thread with the desktop itself, for work
    /// that takes the session slot only when it needs it (a sync).
    pub async fn in_background<T, F>(&self, f: F) -> Result<T, IpcError>
    where
        T: Send + 'static,
        F: FnOnce(&Desktop) -> Result<T, CoreError> + Send + 'static,
    {
        let this = self.clone();
        tauri::async_runtime::spawn_blocking(move || f(&this))
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
            shared: &self.shared,
        }
    }

    /// The device if no command is using it, else none.
    pub fn try_device(&self) -> Option<Device<'_>> {
        let slot = self.shared.slot.try_lock().ok()?;
        Some(Device {
            dir: &self.shared.dir,
            clock: self.shared.clock,
            slot,
            shared: &self.shared,
        })
    }

    /// One pass of the background work: lock when idle (telling the UI),
    /// then, if unlocked, enrolled and the server answers, sync. It never
    /// waits for a command that is running; it tries again next time.
    pub fn background_pass(&self, sync: bool) {
        if self.lock_if_idle() {
            if let Some(d) = self.try_device() {
                if let Ok(state) = d.state() {
                    self.emit(events::LOCKED, state);
                }
            }
            return;
        }
        if let Some(d) = self.try_device() {
            let _ = d.checkpoint_if_quiet();
        }
        if !sync {
            return;
        }
        let Some(server) = self.server() else {
            return;
        };
        // The network check runs without the lock, so typing never waits on it.
        if !server.reachable() {
            self.emit(
                events::SYNC,
                SyncEvent::new(self.shared.clock, SyncState::Offline, None, None, None),
            );
            return;
        }
        let unlocked = self.try_device().is_some_and(|d| d.is_unlocked());
        if !unlocked {
            return;
        }
        if let Ok(one) = self.shared.syncing.try_lock() {
            let _ = self.sync_holding(one);
        }
    }

    /// Syncs now, sending progress, the result or the failure to the UI as
    /// [`SyncEvent`]s. The session is held only to prepare each request
    /// and to apply each answer, never while a request is on the network,
    /// so every command answers at its usual speed while a server is slow
    /// (or never answers). A sync neither counts as use (the idle lock
    /// still comes) nor runs twice at once.
    pub fn sync(&self) -> Result<SyncReport, CoreError> {
        let one = self
            .shared
            .syncing
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        self.sync_holding(one)
    }

    /// [`Desktop::sync`], given the guard that says no other sync runs.
    fn sync_holding(&self, _one: MutexGuard<'_, ()>) -> Result<SyncReport, CoreError> {
        let shared = &*self.shared;
        let mut progress = |p: SyncProgress| {
            shared.emit(
                events::SYNC,
                SyncEvent::new(shared.clock, SyncState::Running, Some(p), None, None),
            )
        };
        let result = self.sync_in_steps(&mut progress);
        let event = match &result {
            Ok(r) => SyncEvent::new(shared.clock, SyncState::Done, None, Some(r.clone()), None),
            Err(e @ CoreError::Unreachable(_)) => SyncEvent::new(
                shared.clock,
                SyncState::Offline,
                None,
                None,
                Some(IpcError::from_ref(e)),
            ),
            Err(e) => SyncEvent::new(
                shared.clock,
                SyncState::Failed,
                None,
                None,
                Some(IpcError::from_ref(e)),
            ),
        };
        shared.emit(events::SYNC, event);
        if matches!(result, Err(CoreError::Revoked { .. })) {
            self.device().lock();
        }
        result
    }

    /// The sync loop, taking the session for each local step only.
    fn sync_in_steps(
        &self,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, CoreError> {
        let mut lender = Lender(self);
        let transport = lender.lend(|s| s.sync_transport())??;
        sync_lent(&mut lender, &transport, progress)
    }

    /// Locks the device if it has been idle too long; true if it did.
    /// Skips (returns false) while a command holds the session.
    pub fn lock_if_idle(&self) -> bool {
        match self.try_device() {
            Some(mut d) => d.expire_if_idle(),
            None => false,
        }
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
        self.slot.last_used = Some((Instant::now(), SystemTime::now()));
        self.session_unmarked()
    }

    /// The unlocked session without counting as use (background work), or
    /// `Locked` (also after the idle time).
    pub fn session_unmarked(&mut self) -> Result<&mut Session, CoreError> {
        if self.expire_if_idle() {
            return Err(CoreError::Locked);
        }
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
        self.open(session);
        Ok(())
    }

    /// Holds `session` as the open one (just unlocked or set up).
    pub fn open(&mut self, session: Session) {
        self.slot.session = Some(session);
        self.slot.last_used = Some((Instant::now(), SystemTime::now()));
        self.remember_server();
    }

    /// Notes the enrolled server for the background online check.
    pub fn remember_server(&mut self) {
        let address = match self.slot.session.as_mut() {
            Some(s) => s.server_address().ok().flatten(),
            None => return,
        };
        *self.shared.server.lock().unwrap_or_else(|p| p.into_inner()) = address;
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
            clock: self.clock().reading(),
        })
    }

    /// Folds recent writes into the database file when the practitioner
    /// has done nothing for [`QUIET`], so the next save does not pay for
    /// it. Returns the pages now in the database file, or None when not
    /// quiet or locked.
    pub fn checkpoint_if_quiet(&self) -> Option<u64> {
        let (mono, _) = self.slot.last_used?;
        if mono.elapsed() < QUIET {
            return None;
        }
        self.slot.session.as_ref()?.checkpoint().ok()
    }

    /// Locks when the idle time has passed; true if it did.
    pub fn expire_if_idle(&mut self) -> bool {
        let idle = self.idle_limit();
        let expired = |(mono, wall): (Instant, SystemTime)| {
            mono.elapsed() >= idle || wall.elapsed().is_ok_and(|w| w >= idle)
        };
        match self.slot.last_used {
            Some(t) if self.slot.session.is_some() && expired(t) => {
                self.lock();
                true
            }
            _ => false,
        }
    }
}

/// Lends the session for one step of a sync: the slot is locked for the
/// step and let go after it; a sync does not count as use.
struct Lender<'a>(&'a Desktop);

impl LendSession for Lender<'_> {
    fn lend<T>(&mut self, step: impl FnOnce(&mut Session) -> T) -> Result<T, CoreError> {
        let mut device = self.0.device();
        Ok(step(device.session_unmarked()?))
    }
}

impl Shared {
    fn emit(&self, name: &str, payload: impl Serialize) {
        if let (Some(emit), Ok(value)) = (self.emit.get(), serde_json::to_value(payload)) {
            emit(name, value);
        }
    }
}

impl SyncEvent {
    fn new(
        clock: Clock,
        state: SyncState,
        progress: Option<SyncProgress>,
        report: Option<SyncReport>,
        error: Option<IpcError>,
    ) -> SyncEvent {
        SyncEvent {
            state,
            progress,
            report,
            error,
            at: clock.now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use doorstep_core::device::InitOptions;
    use doorstep_core::ErrorCode;

    use super::*;

    const PASS: &str = "correct horse battery staple";

    fn set_up() -> (tempfile::TempDir, Desktop) {
        let dir = tempfile::tempdir().unwrap();
        device::init(
            dir.path(),
            PASS,
            &InitOptions {
                practitioner: "Test Visitor".into(),
                role: "health-visitor".into(),
                team: None,
                max_failures: 10,
                backoff_base_ms: 0,
                kdf_target: Duration::from_millis(10),
            },
        )
        .unwrap();
        let desktop = Desktop::new(dir.path().to_path_buf(), Clock::System);
        (dir, desktop)
    }

    fn idle_for(desktop: &Desktop, d: Duration) {
        let mut slot = desktop.shared.slot.lock().unwrap();
        slot.last_used = Some((Instant::now() - d, SystemTime::now() - d));
    }

    fn list_families(desktop: &Desktop) -> Result<usize, IpcError> {
        tauri::async_runtime::block_on(
            desktop.with_session(|s| Ok(s.list_families(&Default::default())?.families.len())),
        )
    }

    #[test]
    fn the_state_says_who_before_unlocking_and_nothing_works_until_unlocked() {
        let (_dir, desktop) = set_up();
        let state = desktop.device().state().unwrap();
        assert!(state.profile.exists);
        assert_eq!(state.profile.practitioner.as_deref(), Some("Test Visitor"));
        assert!(!state.unlocked);
        assert_eq!(state.idle_lock_minutes, 15);
        assert_eq!(list_families(&desktop).unwrap_err().code, ErrorCode::Locked);

        let wrong = desktop
            .device()
            .unlock("not the passphrase at all")
            .unwrap_err();
        assert_eq!(IpcError::from(wrong).code, ErrorCode::WrongPassphrase);
        desktop.device().unlock(PASS).unwrap();
        assert_eq!(list_families(&desktop).unwrap(), 0);
    }

    #[test]
    fn idle_time_drops_the_session_and_the_next_command_answers_locked() {
        let (_dir, desktop) = set_up();
        desktop.device().unlock(PASS).unwrap();
        idle_for(&desktop, Duration::from_secs(14 * 60));
        assert!(
            list_families(&desktop).is_ok(),
            "14 minutes idle is within the limit"
        );
        idle_for(&desktop, Duration::from_secs(15 * 60));
        let e = list_families(&desktop).unwrap_err();
        assert_eq!(e.code, ErrorCode::Locked);
        assert!(e.message.contains("unlock"), "{}", e.message);
        assert!(
            !desktop.device().is_unlocked(),
            "the session (and key) is gone"
        );
    }

    #[test]
    fn time_asleep_counts_as_idle() {
        // A suspended laptop's monotonic clock stands still; the wall clock
        // does not.
        let (_dir, desktop) = set_up();
        desktop.device().unlock(PASS).unwrap();
        desktop.shared.slot.lock().unwrap().last_used = Some((
            Instant::now(),
            SystemTime::now() - Duration::from_secs(20 * 60),
        ));
        assert_eq!(list_families(&desktop).unwrap_err().code, ErrorCode::Locked);
    }

    #[test]
    fn the_idle_limit_comes_from_the_configuration() {
        let (dir, desktop) = set_up();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"desktop": {"idle_lock_minutes": 2}}"#,
        )
        .unwrap();
        assert_eq!(desktop.device().state().unwrap().idle_lock_minutes, 2);
        desktop.device().unlock(PASS).unwrap();
        idle_for(&desktop, Duration::from_secs(2 * 60));
        assert_eq!(list_families(&desktop).unwrap_err().code, ErrorCode::Locked);
    }

    #[test]
    fn the_background_pass_locks_an_idle_device_and_tells_the_ui() {
        let (_dir, desktop) = set_up();
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        desktop.set_emitter(Box::new(move |name, payload| {
            seen.lock().unwrap().push((name.to_string(), payload));
        }));
        desktop.device().unlock(PASS).unwrap();
        desktop.background_pass(true);
        assert!(desktop.device().is_unlocked(), "not idle yet");
        assert!(
            events.lock().unwrap().is_empty(),
            "not enrolled: no sync event"
        );

        idle_for(&desktop, Duration::from_secs(16 * 60));
        desktop.background_pass(false);
        assert!(!desktop.device().is_unlocked());
        let events = events.lock().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0, events::LOCKED);
        assert_eq!(events[0].1["unlocked"], false);
    }

    #[test]
    fn background_sync_with_an_enrolled_device_never_counts_as_use() {
        use doorstep_testkit::bins::workspace_bin;
        use doorstep_testkit::server::ServerProcess;

        // The real server, with this laptop's practitioner.
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("hub.db").display().to_string();
        let server = ServerProcess::start(&workspace_bin("doorstep-server"), &db, None);
        let admin = |args: &[&str]| {
            let out = std::process::Command::new(workspace_bin("doorstep-server"))
                .args(["admin", "--database-url", &db, "--json"])
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default()
        };
        admin(&["team", "create", "North"]);
        admin(&[
            "practitioner",
            "create",
            "--name",
            "Test Visitor",
            "--role",
            "health-visitor",
            "--team",
            "North",
        ]);
        let code = admin(&["enrolment-code", "--practitioner", "Test Visitor"])["code"]
            .as_str()
            .unwrap()
            .to_string();

        let (_dir, desktop) = set_up();
        desktop.device().unlock(PASS).unwrap();
        let url = server.url();
        // As the enrol command does: enrol, then remember the server.
        tauri::async_runtime::block_on(desktop.with_device(move |d| {
            d.session()?.enrol(&doorstep_core::EnrolOptions {
                server: url,
                code,
                ca_pem: None,
                device_name: "Test laptop".into(),
                replace: false,
            })?;
            d.remember_server();
            Ok(())
        }))
        .map(|_| ())
        .unwrap_or_else(|e| panic!("enrol: {}", e.message));
        // 14 minutes idle; background passes sync (or try to) and must not
        // count as use, so at 16 minutes the laptop locks.
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        desktop.set_emitter(Box::new(move |name, payload| {
            seen.lock().unwrap().push((name.to_string(), payload));
        }));
        idle_for(&desktop, Duration::from_secs(14 * 60));
        let before = desktop.shared.slot.lock().unwrap().last_used;
        desktop.background_pass(true);
        let done = events
            .lock()
            .unwrap()
            .iter()
            .any(|(name, e)| name == events::SYNC && e["state"] == "done");
        assert!(
            done,
            "the background pass synced: {:?}",
            events.lock().unwrap()
        );
        assert_eq!(desktop.shared.slot.lock().unwrap().last_used, before);
        assert!(desktop.device().is_unlocked());
        idle_for(&desktop, Duration::from_secs(16 * 60));
        desktop.background_pass(true);
        assert!(!desktop.device().is_unlocked(), "the idle lock still comes");
    }

    #[test]
    fn a_quiet_session_folds_its_writes_into_the_database_file() {
        let (_dir, desktop) = set_up();
        desktop.device().unlock(PASS).unwrap();
        list_families(&desktop).unwrap(); // appends an audit row
        assert_eq!(desktop.device().checkpoint_if_quiet(), None, "just used");
        idle_for(&desktop, QUIET);
        assert!(desktop.device().checkpoint_if_quiet().unwrap() > 0);
        desktop.device().lock();
        assert_eq!(desktop.device().checkpoint_if_quiet(), None, "locked");
    }

    #[test]
    fn lock_drops_the_session_at_once() {
        let (_dir, desktop) = set_up();
        desktop.device().unlock(PASS).unwrap();
        desktop.device().lock();
        assert_eq!(list_families(&desktop).unwrap_err().code, ErrorCode::Locked);
    }

    #[test]
    fn sync_before_enrolment_says_how_to_enrol_and_tells_the_ui() {
        let (_dir, desktop) = set_up();
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        desktop.set_emitter(Box::new(move |name, payload| {
            seen.lock().unwrap().push((name.to_string(), payload));
        }));
        desktop.device().unlock(PASS).unwrap();
        let e = desktop.sync().unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotEnrolled);
        let events = events.lock().unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.0, events::SYNC);
        assert_eq!(last.1["state"], "failed");
        assert_eq!(last.1["error"]["code"], "not-enrolled");
    }
}

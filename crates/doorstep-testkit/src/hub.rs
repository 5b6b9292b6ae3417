//! The real hub in-process, for device tests and the sync simulation: a
//! [`LocalHub`] is a `doorstep_hub::Hub` on a temporary SQLite file, and a
//! [`HubTransport`] is a device's [`Transport`] that calls it directly
//! (what the HTTP server would, with the same error answers), with faults
//! to inject: a request lost on the way, an answer lost on the way back,
//! an unreachable server. The hub can crash (dropped and reopened from
//! its file), be backed up and be restored from an older copy.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::AutoCommit;
use chrono::{DateTime, Utc};
use doorstep_core::transport::{error_for, Transport, TransportError};
use doorstep_hub::{Hub, HubError};
use doorstep_sync::wire::{EnrolRequest, EnrolResponse};
use serde_json::Value;
use uuid::Uuid;

/// The team every [`LocalHub`] practitioner belongs to.
pub const TEAM: &str = "Foleshill";

/// A hub on a temporary SQLite file, shared by the transports made from
/// it. Cloning shares the same hub.
#[derive(Clone)]
pub struct LocalHub {
    inner: Arc<Shared>,
}

struct Shared {
    dir: tempfile::TempDir,
    hub: Mutex<Arc<Hub>>,
    now: Mutex<DateTime<Utc>>,
}

/// A copy of the hub's database file.
pub struct Backup {
    path: PathBuf,
}

impl LocalHub {
    /// A new, empty hub with one team, [`TEAM`].
    pub fn new() -> LocalHub {
        let hub = LocalHub::open(tempfile::tempdir().expect("temporary directory"));
        hub.hub().create_team(TEAM).expect("create the team");
        hub
    }

    /// The hub whose database is `hub.db` in `dir` (created when missing);
    /// the directory goes with the hub.
    pub fn open(dir: tempfile::TempDir) -> LocalHub {
        let hub = Hub::open(&sqlite_url(&dir.path().join("hub.db"))).expect("open the hub");
        LocalHub {
            inner: Arc::new(Shared {
                dir,
                hub: Mutex::new(Arc::new(hub)),
                // The server's clock runs a little ahead of the devices'
                // (fixed_now and the hour after it), so their changes are
                // never dated in its future.
                now: Mutex::new(crate::fixed_now() + chrono::Duration::hours(2)),
            }),
        }
    }

    /// The hub as it is now (a crash replaces it).
    pub fn hub(&self) -> Arc<Hub> {
        lock(&self.inner.hub).clone()
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.inner.dir.path().join("hub.db")
    }

    /// The server's clock.
    pub fn now(&self) -> DateTime<Utc> {
        *lock(&self.inner.now)
    }

    /// Sets the server's clock.
    pub fn set_now(&self, now: DateTime<Utc>) {
        *lock(&self.inner.now) = now;
    }

    /// A health visitor in [`TEAM`]; their id.
    pub fn health_visitor(&self, name: &str) -> Uuid {
        self.hub()
            .create_practitioner(name, "health-visitor", TEAM)
            .expect("create a practitioner")
            .id
    }

    /// A one-time enrolment code for a practitioner (name or id).
    pub fn code_for(&self, practitioner: &str) -> String {
        self.hub()
            .issue_enrolment_code(practitioner, chrono::Duration::hours(1), self.now())
            .expect("issue a code")
            .code
    }

    /// Moves a family to another practitioner (name or id).
    pub fn allocate(&self, family: Uuid, practitioner: &str) {
        self.hub()
            .allocate(family, practitioner, self.now())
            .expect("allocate");
    }

    /// Revokes a device.
    pub fn revoke(&self, device: Uuid) {
        self.hub()
            .revoke_device(device, self.now())
            .expect("revoke");
    }

    /// Asks for a device to be wiped (a stolen laptop).
    pub fn wipe(&self, device: Uuid) {
        self.hub().wipe_device(device, self.now()).expect("wipe");
    }

    /// A device's audit log as the server holds it.
    pub fn device_audit(&self, device: Uuid) -> doorstep_hub::DeviceAuditLog {
        self.hub().device_audit(device).expect("device audit")
    }

    /// The devices enrolled.
    pub fn devices(&self) -> usize {
        self.hub().list_devices().expect("list devices").len()
    }

    /// The families the server holds.
    pub fn family_ids(&self) -> Vec<Uuid> {
        self.hub()
            .transaction(|tx| {
                tx.query("SELECT id FROM families ORDER BY id", &[])?
                    .iter()
                    .map(|r| r.uuid(0))
                    .collect()
            })
            .expect("list families")
    }

    /// A family's document as the server holds it.
    pub fn document(&self, family: Uuid) -> Option<AutoCommit> {
        let snapshot = self
            .hub()
            .transaction(|tx| {
                tx.query_opt(
                    "SELECT snapshot FROM families WHERE id = $1",
                    &[family.into()],
                )?
                .map(|r| r.blob(0).map(<[u8]>::to_vec))
                .transpose()
            })
            .expect("read a family")?;
        Some(AutoCommit::load(&snapshot).expect("a stored document loads"))
    }

    /// A family's record as the server holds it, as JSON (the device's
    /// `Store::family` serialises the same record).
    pub fn family_json(&self, family: Uuid) -> Option<Value> {
        let doc = self.document(family)?;
        let record = doorstep_document::record::family(&doc).expect("a family record");
        Some(serde_json::to_value(record).expect("serialise"))
    }

    /// The server crashes and restarts: the hub is dropped and opened
    /// again from its file (whatever committed is there).
    pub fn crash(&self) {
        let mut hub = lock(&self.inner.hub);
        let reopened = Hub::open(&sqlite_url(&self.path())).expect("reopen the hub");
        *hub = Arc::new(reopened);
    }

    /// A copy of the database as it is now (see [`LocalHub::copy_to`]).
    pub fn backup(&self) -> Backup {
        let n = std::fs::read_dir(self.inner.dir.path())
            .map(|d| d.count())
            .unwrap_or(0);
        let path = self.inner.dir.path().join(format!("backup-{n}.db"));
        self.copy_to(&path);
        Backup { path }
    }

    /// Copies the database to `to`: the hub is closed, so the file holds
    /// every commit, copied, and opened again.
    pub fn copy_to(&self, to: &Path) {
        let mut hub = lock(&self.inner.hub);
        *hub = Arc::new(self.open_spare());
        std::fs::copy(self.path(), to).expect("copy the hub's database");
        *hub = Arc::new(Hub::open(&sqlite_url(&self.path())).expect("reopen the hub"));
    }

    /// A throwaway hub to hold while the real file is closed.
    fn open_spare(&self) -> Hub {
        Hub::open(&sqlite_url(&self.inner.dir.path().join("spare.db"))).expect("open a spare hub")
    }

    /// The server is restored from `backup` and, as the administrator
    /// must after a restore, gets a new epoch.
    pub fn restore(&self, backup: &Backup) {
        let mut hub = lock(&self.inner.hub);
        let path = self.path();
        // Nothing may hold the old file open while it is replaced.
        *hub = Arc::new(self.open_spare());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        std::fs::copy(&backup.path, &path).expect("restore the backup");
        let restored = Hub::open(&sqlite_url(&path)).expect("open the restored hub");
        restored.new_epoch().expect("a new epoch");
        *hub = Arc::new(restored);
    }

    /// A new epoch with nothing lost (what an administrator does after
    /// restoring a backup that was in fact current).
    pub fn new_epoch(&self) {
        self.hub().new_epoch().expect("a new epoch");
    }

    /// A transport for a device (its token is set at enrolment).
    pub fn transport(&self) -> HubTransport {
        HubTransport {
            hub: self.clone(),
            token: Mutex::new(None),
            faults: Mutex::new(Faults::default()),
        }
    }
}

impl Default for LocalHub {
    fn default() -> Self {
        Self::new()
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fault on one sync request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request never reaches the server.
    Drop,
    /// The server answers, but the answer never reaches the device.
    Lose,
}

#[derive(Default)]
struct Faults {
    calls: usize,
    at: Option<(usize, Fault)>,
    unreachable: bool,
    network: Option<Network>,
}

/// A small deterministic random source (xorshift64*), for simulations.
#[derive(Debug, Clone)]
pub struct Chance(u64);

impl Chance {
    /// A source for `seed` (any seed; small ones are spread).
    pub fn new(seed: u64) -> Chance {
        Chance(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n.max(1) as u64) as usize
    }

    /// True with probability `pct` percent.
    pub fn percent(&mut self, pct: u64) -> bool {
        self.bits() % 100 < pct
    }
}

/// A lossy network between one device and the hub: each request may be
/// dropped on the way, lose its answer on the way back, be duplicated
/// (the copy arrives later, out of order, and its answer is lost), or
/// meet a server crash (before or after its transaction commits).
#[derive(Debug, Clone)]
pub struct Network {
    /// The random source.
    pub chance: Chance,
    /// Percent of requests dropped before the server.
    pub drop: u64,
    /// Percent of answers lost after the server committed.
    pub lose: u64,
    /// Percent of requests duplicated (the copy arrives later).
    pub duplicate: u64,
    /// Percent of requests meeting a server crash.
    pub crash: u64,
    late: Vec<Vec<u8>>,
}

impl Network {
    /// A network with these percentages.
    pub fn new(chance: Chance, drop: u64, lose: u64, duplicate: u64, crash: u64) -> Network {
        Network {
            chance,
            drop,
            lose,
            duplicate,
            crash,
            late: Vec::new(),
        }
    }
}

/// What the network does to one request.
enum Fate {
    Deliver,
    Drop,
    Lose,
    CrashBefore,
    CrashAfter,
}

/// A device's connection to a [`LocalHub`].
pub struct HubTransport {
    hub: LocalHub,
    token: Mutex<Option<String>>,
    faults: Mutex<Faults>,
}

impl HubTransport {
    /// Sync requests made so far.
    pub fn calls(&self) -> usize {
        lock(&self.faults).calls
    }

    /// Injects `fault` at sync request number `call`, counting from 0 over
    /// the transport's life (`fail_at(calls(), …)` fails the next one).
    pub fn fail_at(&self, call: usize, fault: Fault) {
        lock(&self.faults).at = Some((call, fault));
    }

    /// Removes an injected fault.
    pub fn clear_fault(&self) {
        lock(&self.faults).at = None;
    }

    /// Puts a lossy network between the device and the hub (`None`: a
    /// perfect one). Late copies still in flight are dropped with it.
    pub fn set_network(&self, network: Option<Network>) {
        lock(&self.faults).network = network;
    }

    /// Makes the server unreachable, or reachable again.
    pub fn set_unreachable(&self, on: bool) {
        lock(&self.faults).unreachable = on;
    }

    /// The token the device got at enrolment.
    pub fn set_token(&self, token: Option<String>) {
        *lock(&self.token) = token;
    }

    /// Answers one encoded request as the server would.
    pub fn answer(&self, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let hub = self.hub.hub();
        let token = lock(&self.token).clone();
        let out = token
            .ok_or(HubError::Unauthorised)
            .and_then(|t| hub.authenticate_to_return(&t))
            .and_then(|identity| hub.sync(&identity, body, self.hub.now()));
        out.map_err(refusal)
    }
}

/// What the device sees of a hub error: the status and body the server
/// answers with, read as the HTTP client reads them.
fn refusal(e: HubError) -> TransportError {
    let (status, body) = e.answer();
    error_for(status, Some(&body))
}

fn unreachable() -> TransportError {
    TransportError::Unreachable("could not connect (simulated)".into())
}

impl Transport for HubTransport {
    fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse, TransportError> {
        if lock(&self.faults).unreachable {
            return Err(unreachable());
        }
        let enrolment = self
            .hub
            .hub()
            .enrol(&req.code, req.device_id, &req.device_name, self.hub.now())
            .map_err(refusal)?;
        let response = EnrolResponse::from(enrolment);
        self.set_token(Some(response.token.clone()));
        Ok(response)
    }

    fn sync(&self, body: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let (fate, late) = {
            let mut f = lock(&self.faults);
            if f.unreachable {
                return Err(unreachable());
            }
            let n = f.calls;
            f.calls += 1;
            let fault = f.at.filter(|(at, _)| *at == n).map(|(_, fault)| fault);
            match (fault, f.network.as_mut()) {
                (Some(Fault::Drop), _) => (Fate::Drop, Vec::new()),
                (Some(Fault::Lose), _) => (Fate::Lose, Vec::new()),
                (None, None) => (Fate::Deliver, Vec::new()),
                (None, Some(net)) => {
                    // Copies in flight arrive now, some of them, in any order.
                    let mut late = Vec::new();
                    let mut kept = Vec::new();
                    for copy in std::mem::take(&mut net.late) {
                        if net.chance.percent(50) {
                            late.push(copy);
                        } else {
                            kept.push(copy);
                        }
                    }
                    net.late = kept;
                    if late.len() > 1 {
                        let i = net.chance.below(late.len());
                        late.swap(0, i);
                    }
                    if net.chance.percent(net.duplicate) {
                        net.late.push(body.clone());
                    }
                    let roll = net.chance.below(100) as u64;
                    let fate = if roll < net.drop {
                        Fate::Drop
                    } else if roll < net.drop + net.lose {
                        Fate::Lose
                    } else if roll < net.drop + net.lose + net.crash {
                        if net.chance.percent(50) {
                            Fate::CrashBefore
                        } else {
                            Fate::CrashAfter
                        }
                    } else {
                        Fate::Deliver
                    };
                    (fate, late)
                }
            }
        };
        for copy in late {
            // A stale copy's answer goes nowhere.
            let _ = self.answer(&copy);
        }
        let lost = || TransportError::Unreachable("no answer within 30 seconds (simulated)".into());
        match fate {
            Fate::Deliver => self.answer(&body),
            Fate::Drop => Err(unreachable()),
            Fate::Lose => {
                let _ = self.answer(&body);
                Err(lost())
            }
            Fate::CrashBefore => {
                self.hub.crash();
                Err(lost())
            }
            Fate::CrashAfter => {
                let _ = self.answer(&body);
                self.hub.crash();
                Err(lost())
            }
        }
    }
}

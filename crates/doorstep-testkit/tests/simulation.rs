//! Deterministic simulation of the real sync code: real device stores
//! (encrypted, in temporary directories, through `doorstep_core::Session`)
//! and the real hub (an SQLite file, in process) over a simulated network
//! that drops requests, loses answers, duplicates requests and delivers
//! the copies late and out of order (doorstep_testkit::hub::Network).
//!
//! Each seed: two health visitors, Asha with two devices and Ben with one.
//! For a few rounds every device may edit (add a family, change a phone
//! number or a town on one it holds), restart (its session dropped and
//! unlocked again) and sync over the lossy network; the server may crash
//! (dropped and reopened from its file, before or after a request's
//! commit), reallocate a family between the two (eviction), or, in some
//! seeds, be restored from an older copy with a new epoch. Then the
//! network heals and every device syncs until nothing moves. Every seed
//! asserts:
//!
//! - convergence: every device holds exactly its practitioner's families,
//!   each with the server's heads;
//! - nothing lost: every head a device ever recorded is on the server;
//! - no duplicate record: the server holds exactly the families created;
//! - eviction only after acknowledgement: a family leaves a device only
//!   when the server holds every head the device had.
//!
//! Work a device does on a family after it moved away from its
//! practitioner is taken only in the device's first upload after the move;
//! later, it is refused and the family stays on the device with it. The
//! simulation asserts neither for such work (its clocks stand still, so
//! the rule on the work's time never applies).
//!
//! `DOORSTEP_SIM_SEEDS=N` runs N seeds (default 1,000, split over four
//! tests so they run in parallel); `DOORSTEP_SIM_SEED=S` replays one seed.
//! The release run for docs/PERFORMANCE.md: `DOORSTEP_SIM_SEEDS=10000 cargo
//! test --release -p doorstep-testkit --test simulation -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use automerge::ChangeHash;
use doorstep_core::domain::record::family::{HouseholdUpdate, NewFamily};
use doorstep_core::sync::EnrolOptions;
use doorstep_core::{device, Clock, CoreError, Session};
use doorstep_testkit::hub::{Backup, Chance, HubTransport, LocalHub, Network};
use doorstep_testkit::{fixed_now, quick_options, PASSPHRASE};
use uuid::Uuid;

const ASHA: &str = "Asha Patel";
const BEN: &str = "Ben Okafor";
const ROUNDS: usize = 6;
const HEAL_PASSES: usize = 6;

/// A temporary directory, in memory where the system has one (the
/// simulation writes and syncs thousands of small transactions).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("temporary directory")
}

/// The world every seed starts from, set up once and copied for each
/// seed: a hub with both health visitors and three devices (Asha's two,
/// Ben's one) enrolled on it. Setting up costs key generation, migrations
/// and enrolment; a copy costs only an unlock per device.
struct Template {
    dir: tempfile::TempDir,
    devices: [&'static str; 3],
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let dir = scratch();
        let hub_dir = scratch();
        let hub = LocalHub::open(hub_dir);
        hub.hub()
            .create_team(doorstep_testkit::hub::TEAM)
            .expect("team");
        hub.health_visitor(ASHA);
        hub.health_visitor(BEN);
        let devices = [ASHA, ASHA, BEN];
        for (n, name) in devices.iter().enumerate() {
            let path = dir.path().join(format!("device-{n}"));
            let mut opts = quick_options();
            opts.practitioner = (*name).into();
            doorstep_core::init(&path, PASSPHRASE, &opts).expect("init");
            let mut s =
                device::unlock(&path, PASSPHRASE, Clock::Fixed(fixed_now())).expect("unlock");
            s.enrol_with(
                &hub.transport(),
                &EnrolOptions {
                    server: "https://sync.trust.example".into(),
                    code: hub.code_for(name),
                    ca_pem: None,
                    device_name: format!("device {n}"),
                    replace: false,
                },
            )
            .expect("enrol");
        }
        hub.copy_to(&dir.path().join("hub.db"));
        Template { dir, devices }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for e in std::fs::read_dir(from).expect("read template") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

struct Device {
    data: PathBuf,
    practitioner: &'static str,
    session: Option<Session>,
    transport: HubTransport,
}

/// The device's session, unlocked again after a restart.
fn open<'a>(session: &'a mut Option<Session>, data: &Path) -> &'a mut Session {
    session.get_or_insert_with(|| {
        device::unlock(data, PASSPHRASE, Clock::Fixed(fixed_now())).expect("unlock")
    })
}

impl Device {
    fn s(&mut self) -> &mut Session {
        open(&mut self.session, &self.data)
    }

    /// The families on the device and their heads.
    fn holdings(&mut self) -> BTreeMap<Uuid, Vec<ChangeHash>> {
        let store = self.s().store();
        let mut out = BTreeMap::new();
        for id in store.family_ids().expect("family ids") {
            let mut doc = store
                .document_for_sync(id)
                .expect("load")
                .expect("on the device");
            out.insert(id, doc.get_heads());
        }
        out
    }
}

/// One seed's world.
struct World {
    seed: u64,
    chance: Chance,
    hub: LocalHub,
    devices: Vec<Device>,
    _dir: tempfile::TempDir,
    /// Every head a device recorded, by family.
    recorded: BTreeMap<Uuid, BTreeSet<ChangeHash>>,
    /// Devices that worked on a family after it moved away from their
    /// practitioner: once the device's work from before the move was
    /// taken, that work is refused and the family stays on the device
    /// (kept, shown as refused), so neither is asserted.
    after_move: BTreeSet<(usize, Uuid)>,
    created: BTreeSet<Uuid>,
    backup: Option<Backup>,
    edits: u64,
}

impl World {
    fn new(seed: u64) -> World {
        let t = template();
        let dir = scratch();
        let hub_dir = scratch();
        std::fs::copy(t.dir.path().join("hub.db"), hub_dir.path().join("hub.db"))
            .expect("copy the hub");
        let hub = LocalHub::open(hub_dir);
        let mut devices = Vec::new();
        for (n, name) in t.devices.iter().enumerate() {
            let data = dir.path().join(format!("device-{n}"));
            copy_dir(&t.dir.path().join(format!("device-{n}")), &data);
            let transport = hub.transport();
            let mut session =
                device::unlock(&data, PASSPHRASE, Clock::Fixed(fixed_now())).expect("unlock");
            let enrolment = session
                .store()
                .sync_server()
                .expect("read the enrolment")
                .expect("enrolled")
                .enrolment;
            transport.set_token(Some(enrolment.token));
            devices.push(Device {
                data,
                practitioner: name,
                session: Some(session),
                transport,
            });
        }
        World {
            seed,
            chance: Chance::new(seed),
            hub,
            devices,
            _dir: dir,
            recorded: BTreeMap::new(),
            after_move: BTreeSet::new(),
            created: BTreeSet::new(),
            backup: None,
            edits: 0,
        }
    }

    fn record_heads(&mut self, d: usize, family: Uuid) {
        let mut doc = self.devices[d]
            .s()
            .store()
            .document_for_sync(family)
            .expect("load")
            .expect("on the device");
        self.recorded
            .entry(family)
            .or_default()
            .extend(doc.get_heads());
    }

    fn edit(&mut self, d: usize) {
        let held: Vec<Uuid> = self.devices[d].holdings().into_keys().collect();
        let n = self.edits;
        self.edits += 1;
        if held.is_empty() || self.chance.percent(25) {
            let id = self.devices[d]
                .s()
                .add_family(&NewFamily {
                    address_line1: format!("{n} Foleshill Road"),
                    postcode: "CV1 4AA".into(),
                    phone: Some("07700900000".into()),
                    ..NewFamily::default()
                })
                .expect("add a family")
                .family_id;
            self.created.insert(id);
            self.record_heads(d, id);
            return;
        }
        let family = held[self.chance.below(held.len())];
        let update = if self.chance.percent(50) {
            HouseholdUpdate {
                phone: Some(format!("07700{:06}", 900_000 + n % 100_000)),
                ..HouseholdUpdate::default()
            }
        } else {
            HouseholdUpdate {
                town: Some(format!("Town {n}")),
                ..HouseholdUpdate::default()
            }
        };
        let practitioner = self.devices[d].practitioner;
        let moved = self
            .allocation()
            .get(&family)
            .is_some_and(|p| *p != practitioner);
        self.devices[d]
            .s()
            .update_household(&family.to_string(), &update)
            .expect("edit a household");
        if moved {
            self.after_move.insert((d, family));
        } else {
            self.record_heads(d, family);
        }
    }

    /// One sync of device `d`; a family that leaves it must be on the
    /// server with every head it had.
    fn sync(&mut self, d: usize) -> bool {
        let before = self.devices[d].holdings();
        let Device {
            data,
            session,
            transport,
            ..
        } = &mut self.devices[d];
        let outcome = open(session, data).sync_with(transport);
        let ok = match outcome {
            Ok(r) => r.complete,
            Err(CoreError::Unreachable(_)) => false,
            Err(e) => panic!("seed {}: device {d} sync failed: {e}", self.seed),
        };
        let after = self.devices[d].holdings();
        for (family, heads) in &before {
            if after.contains_key(family) {
                continue;
            }
            let mut server = self.hub.document(*family).unwrap_or_else(|| {
                panic!("seed {}: evicted {family} unknown to the server", self.seed)
            });
            for h in heads {
                assert!(
                    server.get_change_by_hash(h).is_some(),
                    "seed {}: device {d} evicted {family} before the server held its work",
                    self.seed
                );
            }
        }
        ok
    }

    fn network(&mut self) -> Network {
        let chance = Chance::new(self.chance.bits());
        Network::new(chance, 10, 10, 15, 3)
    }

    fn run(&mut self) {
        let restore_seed = self.chance.percent(25);
        let restore_round = 2 + self.chance.below(ROUNDS - 2);
        for round in 0..ROUNDS {
            for d in 0..self.devices.len() {
                for _ in 0..self.chance.below(3) {
                    self.edit(d);
                }
                if self.chance.percent(10) {
                    self.devices[d].session = None;
                }
                let net = self.network();
                self.devices[d].transport.set_network(Some(net));
                self.sync(d);
            }
            if self.chance.percent(15) {
                self.hub.crash();
            }
            if restore_seed {
                if round == 0 {
                    self.backup = Some(self.hub.backup());
                } else if round == restore_round {
                    if let Some(b) = self.backup.take() {
                        self.hub.restore(&b);
                    }
                }
            }
            // Reallocation: never between a backup and its restore, so the
            // restore cannot lose work a device has already let go of.
            let reallocating = !restore_seed || round > restore_round;
            if reallocating && self.chance.percent(40) {
                let families = self.hub.family_ids();
                if !families.is_empty() {
                    let f = families[self.chance.below(families.len())];
                    let to = if self.chance.percent(50) { ASHA } else { BEN };
                    self.hub.allocate(f, to);
                }
            }
        }
        // The network heals; everyone syncs until nothing moves.
        for d in &self.devices {
            d.transport.set_network(None);
        }
        for _ in 0..HEAL_PASSES {
            let mut all = true;
            for d in 0..self.devices.len() {
                all &= self.sync(d);
            }
            if all {
                break;
            }
        }
        for d in 0..self.devices.len() {
            self.sync(d);
        }
        self.check();
    }

    fn check(&mut self) {
        let seed = self.seed;
        let on_server: BTreeSet<Uuid> = self.hub.family_ids().into_iter().collect();
        if on_server != self.created {
            for (n, d) in self.devices.iter_mut().enumerate() {
                let st = d.s().sync_status().expect("status");
                eprintln!(
                    "device {n}: holds {:?}\npending {:?}\nawaiting {:?}\nrejections {:?}\nerror {:?}",
                    d.holdings().keys().collect::<Vec<_>>(),
                    st.pending.iter().map(|f| f.family_id).collect::<Vec<_>>(),
                    st.awaiting_eviction.iter().map(|f| f.family_id).collect::<Vec<_>>(),
                    st.rejections.iter().map(|r| (r.family_id, r.reason.clone())).collect::<Vec<_>>(),
                    st.last_error,
                );
            }
        }
        assert_eq!(
            on_server, self.created,
            "seed {seed}: families on the server"
        );
        for (family, heads) in &self.recorded {
            let mut doc = self.hub.document(*family).expect("on the server");
            for h in heads {
                assert!(
                    doc.get_change_by_hash(h).is_some(),
                    "seed {seed}: a recorded change to {family} is not on the server"
                );
            }
        }
        let allocation = self.allocation();
        for (n, d) in self.devices.iter_mut().enumerate() {
            let practitioner = d.practitioner;
            let holdings = d.holdings();
            let kept = |f: &Uuid| self.after_move.contains(&(n, *f));
            let mut expected: BTreeSet<Uuid> = allocation
                .iter()
                .filter(|(_, p)| **p == practitioner)
                .map(|(f, _)| *f)
                .collect();
            expected.extend(holdings.keys().copied().filter(kept));
            let held: BTreeSet<Uuid> = holdings.keys().copied().collect();
            assert_eq!(
                held, expected,
                "seed {seed}: device {n} holds the wrong families"
            );
            for (family, heads) in holdings {
                if kept(&family) {
                    continue;
                }
                let mut server = self.hub.document(family).expect("on the server");
                let mut mine = heads.clone();
                mine.sort();
                let mut theirs = server.get_heads();
                theirs.sort();
                assert_eq!(mine, theirs, "seed {seed}: device {n} differs on {family}");
            }
        }
    }

    /// Each family's practitioner, by name.
    fn allocation(&self) -> BTreeMap<Uuid, &'static str> {
        let hub = self.hub.hub();
        let names: BTreeMap<Uuid, String> = hub
            .list_practitioners()
            .expect("practitioners")
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        hub.transaction(|tx| {
            let mut out = BTreeMap::new();
            for r in tx.query("SELECT id, practitioner_id FROM families", &[])? {
                let name = names.get(&r.uuid(1)?).map(String::as_str);
                let name = if name == Some(ASHA) { ASHA } else { BEN };
                out.insert(r.uuid(0)?, name);
            }
            Ok(out)
        })
        .expect("allocation")
    }
}

fn seeds() -> u64 {
    std::env::var("DOORSTEP_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000)
}

/// Runs seeds `from..to` of the configured count's quarter `part`.
fn run_part(part: u64) {
    if let Some(seed) = std::env::var("DOORSTEP_SIM_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        if part == 0 {
            World::new(seed).run();
        }
        return;
    }
    let n = seeds();
    let (from, to) = (n * part / 4, n * (part + 1) / 4);
    let started = Instant::now();
    for seed in from..to {
        World::new(seed).run();
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "simulation: seeds {from}..{to} in {took:.1} s ({:.1} seeds/s)",
        (to - from) as f64 / took.max(1e-9)
    );
}

#[test]
fn seeds_first_quarter() {
    run_part(0);
}

#[test]
fn seeds_second_quarter() {
    run_part(1);
}

#[test]
fn seeds_third_quarter() {
    run_part(2);
}

#[test]
fn seeds_fourth_quarter() {
    run_part(3);
}

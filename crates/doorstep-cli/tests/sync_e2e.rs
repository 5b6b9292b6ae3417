//! End-to-end sync over real HTTP: the real `doorstep-server` binary (on
//! SQLite and on PostgreSQL) and devices driven through the real `doorstep`
//! binary. Covers convergence and conflicts in both sync orders,
//! reallocation with unsent edits, revocation and erase, a server restored
//! from an older backup, a fault-injecting proxy with SIGKILLed servers,
//! the authorisation matrix, limits, TLS, the notification import, two
//! server processes sharing one PostgreSQL database, and a server log free
//! of patient data.

mod common;

use std::collections::BTreeSet;

use common::trust::{server_bin, Backend, Trust, BACKENDS};
use common::*;
use doorstep_testkit::proxy::{Fault, FaultProxy};
use doorstep_testkit::server::ServerProcess;
use serde_json::Value;

const ASHA: &str = "Asha Patel";
const BEN: &str = "Ben Okafor";
const TEAM: &str = "Foleshill";

fn household(d: &Doorstep) -> String {
    d.add_family(&[
        "--address-line1",
        "12 Foleshill Road",
        "--town",
        "Coventry",
        "--postcode",
        "CV1 2AB",
        "--phone",
        "07700 900123",
    ])
}

/// A household `a` adds, then `a` and `b` sync (`b` gets it when it is in
/// its caseload).
fn shared_household(a: &Doorstep, b: &Doorstep) -> String {
    let fam = household(a);
    sync(a);
    sync(b);
    fam
}

/// `doorstep sync --json`, which must succeed.
fn sync(d: &Doorstep) -> Value {
    d.ok(&["sync"])
}

/// The conflicts a device lists, as JSON objects.
fn conflicts(d: &Doorstep) -> Vec<Value> {
    d.ok(&["conflicts"])
        .as_array()
        .cloned()
        .expect("a list of conflicts")
}

fn conflict_values(c: &Value) -> BTreeSet<String> {
    c["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["value"].to_string())
        .collect()
}

fn conflict_devices(c: &Value) -> BTreeSet<String> {
    c["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v["device"].as_str().map(str::to_owned))
        .collect()
}

fn device_id(d: &Doorstep) -> String {
    d.ok(&["sync", "status"])["device_id"]
        .as_str()
        .expect("sync status names the device")
        .to_string()
}

/// Offline edits: different fields, and the same field with different values.
fn edit_offline_on_both(a: &Doorstep, b: &Doorstep, fam: &str) {
    a.write(&["family", "update", fam, "--phone", "07700 900001"]);
    b.write(&["family", "update", fam, "--town", "Bedworth"]);
    a.write(&[
        "family",
        "update",
        fam,
        "--address-line1",
        "14 Foleshill Road",
    ]);
    b.write(&[
        "family",
        "update",
        fam,
        "--address-line1",
        "16 Foleshill Road",
    ]);
}

/// The two address values the devices wrote, as the conflict lists them.
fn both_addresses() -> BTreeSet<String> {
    BTreeSet::from([
        "\"14 Foleshill Road\"".to_string(),
        "\"16 Foleshill Road\"".to_string(),
    ])
}

fn two_devices_converge(backend: Backend, a_first: bool) {
    let trust = Trust::start(backend);
    trust.health_visitor(ASHA, TEAM);
    let a = trust.device(ASHA);
    let b = trust.device(ASHA);
    let fam = shared_household(&a, &b);
    assert_eq!(a.show(&fam), b.show(&fam), "B downloaded the family");

    edit_offline_on_both(&a, &b, &fam);
    let (first, second) = if a_first { (&a, &b) } else { (&b, &a) };
    sync(first);
    sync(second);
    sync(first);
    let (ra, rb) = (a.show(&fam), b.show(&fam));
    assert_eq!(ra, rb, "identical state on both devices");
    let text = ra.to_string();
    assert!(text.contains("07700900001") && text.contains("Bedworth"));

    // The same-field edit is a conflict on both, with both values, both
    // devices and the practitioner.
    let devices: BTreeSet<String> = [device_id(&a), device_id(&b)].into();
    for d in [&a, &b] {
        let cs = conflicts(d);
        assert_eq!(cs.len(), 1, "{cs:?}");
        let c = &cs[0];
        assert_eq!(conflict_values(c), both_addresses());
        assert_eq!(conflict_devices(c), devices);
        assert!(c.to_string().contains(ASHA), "names who wrote it: {c}");
    }

    // Resolving on one device clears it everywhere after sync.
    let c = &conflicts(&a)[0];
    let field = c["field"].as_str().expect("field").to_string();
    a.ok(&[
        "conflicts",
        "resolve",
        "--family",
        &fam,
        "--field",
        &field,
        "--value",
        "16 Foleshill Road",
    ]);
    sync(&a);
    sync(&b);
    assert!(conflicts(&a).is_empty() && conflicts(&b).is_empty());
    assert_eq!(a.show(&fam), b.show(&fam));
    assert!(b.show(&fam).to_string().contains("16 Foleshill Road"));
}

#[test]
fn two_devices_converge_and_list_the_same_conflict_in_both_orders() {
    for backend in BACKENDS {
        two_devices_converge(backend, true);
        two_devices_converge(backend, false);
    }
}

#[test]
fn reallocation_keeps_unsent_edits_and_evicts_after_the_ack() {
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        trust.health_visitor(BEN, TEAM);
        let a = trust.device(ASHA);
        let b = trust.device(BEN);
        let fam = shared_household(&a, &b);
        assert_ne!(b.run(&["family", "show", &fam]).code, 0, "not Ben's yet");

        // Asha edits offline; meanwhile the family moves to Ben.
        a.write(&["family", "update", &fam, "--phone", "07700 900777"]);
        trust.admin(&["allocate", "--family", &fam, "--practitioner", BEN]);
        sync(&b);
        assert!(b.show(&fam).is_object(), "Ben has the family");

        // Asha's device uploads the edit, then removes the family.
        sync(&a);
        sync(&a);
        let gone = a.run(&["family", "show", &fam]);
        assert_ne!(gone.code, 0, "evicted from Asha's device");
        let status = a.ok(&["sync", "status"]);
        assert!(
            !status.to_string().contains(&fam),
            "nothing pending for it: {status}"
        );
        sync(&b);
        assert!(
            b.show(&fam).to_string().contains("07700900777"),
            "Asha's offline edit reached Ben"
        );
    }
}

#[test]
fn a_revoked_device_sends_its_work_erases_its_data_and_its_token_never_works_again() {
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        let b = trust.device(ASHA);
        let fam = shared_household(&a, &b);
        // Unsent work when the laptop is revoked.
        a.write(&["family", "update", &fam, "--phone", "07700 900444"]);
        let id = device_id(&a);
        trust.admin(&["revoke", "--device", &id]);
        let r = a.run(&["sync"]);
        assert_eq!(r.code, 5, "erased exit code:\n{}", r.describe());
        assert!(
            format!("{}{}", r.stdout, r.stderr).contains("revoked"),
            "says why: {}",
            r.describe()
        );
        assert!(!a.file("doorstep.db").exists(), "database removed");
        let again = a.run(&["family", "list"]);
        assert_eq!(again.code, 5, "{}", again.describe());
        // It sent its work first.
        sync(&b);
        assert!(b.show(&fam).to_string().contains("07700900444"));
        // A stolen laptop: wiped at its next contact, sending nothing.
        let c = trust.device(ASHA);
        sync(&c);
        c.write(&["family", "update", &fam, "--phone", "07700 900666"]);
        trust.admin(&["wipe", "--device", &device_id(&c)]);
        let r = c.run(&["sync"]);
        assert_eq!(r.code, 5, "erased:\n{}", r.describe());
        assert!(!c.file("doorstep.db").exists());
        sync(&b);
        assert!(!b.show(&fam).to_string().contains("07700900666"));
    }
}

#[test]
fn a_server_restored_from_an_older_backup_gets_everything_back() {
    for backend in BACKENDS {
        let mut trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        let b = trust.device(ASHA);
        let fam = shared_household(&a, &b);
        let backup = trust.backup("before");
        // Work the backup will not have.
        a.write(&["family", "update", &fam, "--phone", "07700 900555"]);
        let later = household(&a);
        sync(&a);
        trust.restore(&backup);
        trust.admin(&["new-epoch"]);
        sync(&a);
        sync(&b);
        sync(&a);
        assert!(b.show(&fam).to_string().contains("07700900555"));
        assert_eq!(a.show(&later), b.show(&later));
    }
}

#[test]
fn a_restored_server_that_reuses_sequence_numbers_notices_by_itself() {
    for backend in BACKENDS {
        let mut trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        let b = trust.device(ASHA);
        let fam = shared_household(&a, &b);
        let backup = trust.backup("before");
        // Work the backup will not have, acknowledged to A.
        a.write(&["family", "update", &fam, "--phone", "07700 900555"]);
        let later = household(&a);
        sync(&a);
        // Restored, and nobody starts a new epoch.
        trust.restore(&backup);
        // B's work takes the same sequence numbers again, and more.
        for town in ["Bedworth", "Rugby", "Nuneaton"] {
            b.write(&["family", "update", &fam, "--town", town]);
            sync(&b);
        }
        // A's cursor names a number the server has, but not the change A
        // saw under it: the server starts a new epoch, and A and B compare
        // everything.
        sync(&a);
        sync(&b);
        sync(&a);
        let name = backend_name(backend);
        assert!(b.show(&fam).to_string().contains("07700900555"), "{name}");
        assert_eq!(a.show(&later), b.show(&later), "{name}");
        assert_eq!(a.show(&fam), b.show(&fam), "{name}");
        assert!(a.show(&fam).to_string().contains("Nuneaton"), "{name}");
    }
}

#[test]
fn cut_connections_and_killed_servers_lose_and_duplicate_nothing() {
    for backend in BACKENDS {
        let mut trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let proxy = FaultProxy::start(trust.server.addr());
        // Both devices talk to the server through the proxy.
        let a = Doorstep::init_with(&["--practitioner", ASHA]);
        let b = Doorstep::init_with(&["--practitioner", ASHA]);
        trust.enrol(&a, ASHA, &proxy.url());
        trust.enrol(&b, ASHA, &proxy.url());
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut families = Vec::new();
        // Facts that are never overwritten: each must end up on both
        // devices exactly once.
        let mut notes: Vec<(String, String)> = Vec::new();
        for round in 0..12 {
            let d = if round % 2 == 0 { &a } else { &b };
            if round % 3 == 0 {
                families.push(household(d));
            }
            let f = families[next(families.len() as u64) as usize].clone();
            if d.run(&["family", "show", &f]).code == 0 {
                let note = format!("fault test note {round}");
                d.write(&[
                    "flag",
                    "add",
                    "--family",
                    &f,
                    "--kind",
                    "safety-alert",
                    "--alert",
                    "dog-in-house",
                    "--start",
                    "2026-11-01",
                    "--note",
                    &note,
                ]);
                notes.push((f, note));
            }
            let offset = 1 + next(3000) as usize;
            proxy.plan([if next(2) == 0 {
                Fault::CutRequestAfter(offset)
            } else {
                Fault::CutResponseAfter(offset)
            }]);
            let r = if round % 4 == 3 {
                // SIGKILL the server while this sync is in flight, then
                // start it again on the same database.
                let delay = std::time::Duration::from_millis(next(120));
                std::thread::scope(|scope| {
                    let running = scope.spawn(|| d.run(&["sync"]));
                    std::thread::sleep(delay);
                    trust.server.restart();
                    running.join().expect("sync thread")
                })
            } else {
                d.run(&["sync"])
            };
            assert!(
                r.code == 0 || r.code == 9,
                "a cut sync fails cleanly:\n{}",
                r.describe()
            );
        }
        assert!(proxy.cuts() > 0, "faults were injected");
        assert!(notes.len() >= 6, "enough facts recorded: {notes:?}");
        for _ in 0..3 {
            sync(&a);
            sync(&b);
        }
        for f in &families {
            assert_eq!(a.show(f), b.show(f), "converged");
        }
        for (f, note) in &notes {
            let text = a.show(f).to_string();
            assert_eq!(
                text.matches(note.as_str()).count(),
                1,
                "{note} on {f}: lost or duplicated"
            );
        }
        let list = a.list(&[]);
        let ids: Vec<&str> = list["families"]
            .as_array()
            .expect("families")
            .iter()
            .filter_map(|f| f["id"].as_str())
            .collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "no family duplicated");
        assert_eq!(unique.len(), families.len());
    }
}

/// A device enrolled by hand over raw HTTP, to send exactly the requests a
/// test needs (forged, hostile or over the limit).
struct RawDevice {
    base: String,
    id: uuid::Uuid,
    token: String,
    http: reqwest::blocking::Client,
}

struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl RawDevice {
    fn enrol(trust: &Trust, practitioner: &str) -> RawDevice {
        let code = trust.code(practitioner);
        let base = trust.server.url();
        let http = reqwest::blocking::Client::new();
        let id = uuid::Uuid::new_v4();
        let resp = http
            .post(format!("{base}/v1/enrol"))
            .json(&serde_json::json!({"code": code, "device_id": id, "device_name": "raw"}))
            .send()
            .expect("enrol");
        assert_eq!(resp.status().as_u16(), 200);
        let v: Value = resp.json().expect("enrol JSON");
        RawDevice {
            base,
            id,
            token: v["token"].as_str().expect("token").to_string(),
            http,
        }
    }

    fn answer(resp: reqwest::blocking::Response) -> Answer {
        Answer {
            status: resp.status().as_u16(),
            body: resp.bytes().expect("body").to_vec(),
        }
    }

    fn get_family(&self, id: &str, token: Option<&str>) -> Answer {
        let mut req = self.http.get(format!("{}/v1/families/{id}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().expect("GET family"))
    }

    fn post_sync(&self, body: Vec<u8>, token: Option<&str>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .header("content-type", "application/x-doorstep-sync")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().expect("POST sync"))
    }

    /// Sends only the head of a sync request declaring `len` body bytes and
    /// returns the start of the server's answer.
    fn declare_oversized_sync(&self, len: usize) -> String {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        write!(
            s,
            "POST /v1/sync HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/x-doorstep-sync\r\nContent-Length: {len}\r\n\r\n",
            self.token
        )
        .expect("send head");
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).expect("read answer");
        String::from_utf8_lossy(&buf[..n]).to_string()
    }

    /// A request with one opening sync message about each of `docs`.
    fn request(&self, docs: &[uuid::Uuid]) -> Vec<u8> {
        let messages: Vec<_> = docs
            .iter()
            .map(|d| {
                let opening = doorstep_sync::session::DocSync::new()
                    .generate(&mut automerge::AutoCommit::new())
                    .expect("opening message");
                (*d, opening)
            })
            .collect();
        self.request_with(&messages)
    }

    /// A request with the given sync message bytes about each family.
    fn request_with(&self, messages: &[(uuid::Uuid, Vec<u8>)]) -> Vec<u8> {
        use doorstep_sync::protocol::{DocMessage, SyncRequest, PROTOCOL_VERSION};
        let messages = messages
            .iter()
            .map(|(d, m)| DocMessage {
                doc_id: *d,
                sync: m.clone(),
            })
            .collect();
        doorstep_sync::codec::encode_request(&SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: self.id,
            cursor: None,
            messages,
            uploads: vec![],
            audit: Vec::new(),
        })
    }
}

fn response(a: &Answer) -> doorstep_sync::protocol::SyncResponse {
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    doorstep_sync::codec::decode_response(&a.body, &Default::default()).expect("response")
}

#[test]
fn authorisation_matrix_every_endpoint() {
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        trust.health_visitor(BEN, TEAM);
        let a = trust.device(ASHA);
        let own = household(&a);
        sync(&a);
        let b = trust.device(BEN);
        let other = household(&b);
        sync(&b);
        let raw = RawDevice::enrol(&trust, ASHA);
        let token = Some(raw.token.as_str());
        let unknown = uuid::Uuid::new_v4().to_string();
        let own_id: uuid::Uuid = own.parse().expect("uuid");
        let other_id: uuid::Uuid = other.parse().expect("uuid");

        // GET /v1/families/{id}: own 200; everything else the same 404.
        assert_eq!(raw.get_family(&own, token).status, 200);
        let not_found = raw.get_family(&unknown, token);
        assert_eq!(not_found.status, 404);
        for id in [
            other.as_str(),
            "not-a-family-id",
            "00000000-0000-0000-0000-000000000000",
        ] {
            let r = raw.get_family(id, token);
            assert_eq!(
                (r.status, r.body.clone()),
                (404, not_found.body.clone()),
                "{id}"
            );
        }

        // POST /v1/sync: own answered; another's and unknown refused alike.
        let r = response(&raw.post_sync(raw.request(&[own_id]), token));
        assert!(r.messages.iter().any(|m| m.doc_id == own_id));
        assert!(r.rejected.is_empty());
        assert!(
            r.messages.iter().all(|m| m.doc_id != other_id),
            "nothing of Ben's caseload"
        );
        let unknown_id: uuid::Uuid = unknown.parse().expect("uuid");
        let refused = response(&raw.post_sync(raw.request(&[other_id, unknown_id]), token));
        assert!(refused.messages.iter().all(|m| m.doc_id != other_id));
        let reasons: Vec<(uuid::Uuid, String)> = refused
            .rejected
            .iter()
            .map(|r| (r.doc_id, r.reason.clone()))
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0].1, reasons[1].1, "same answer for both");
        // Forged: a request naming another device id, and an upload whose
        // content is not the family it claims to be.
        let mut forged =
            doorstep_sync::codec::decode_request(&raw.request(&[own_id]), &Default::default())
                .expect("decode");
        forged.device_id = uuid::Uuid::new_v4();
        let f = raw.post_sync(doorstep_sync::codec::encode_request(&forged), token);
        assert_eq!(f.status, 400, "{}", String::from_utf8_lossy(&f.body));
        forged.device_id = raw.id;
        forged.messages.clear();
        forged.uploads = vec![doorstep_sync::protocol::DocUpload {
            doc_id: other_id,
            doc: automerge::AutoCommit::new().save(),
        }];
        let f = raw.post_sync(doorstep_sync::codec::encode_request(&forged), token);
        assert_eq!(f.status, 400, "{}", String::from_utf8_lossy(&f.body));

        // No token / a made-up token: 401 everywhere, no erase.
        for t in [None, Some("not-a-token")] {
            assert_eq!(raw.get_family(&own, t).status, 401);
            let s = raw.post_sync(raw.request(&[own_id]), t);
            assert_eq!(s.status, 401);
            assert_ne!(s.json()["erase"], true);
        }
        // Revoked: its sync is answered (to take its unsent work), saying
        // so and offering nothing; 401 without erase everywhere else.
        trust.admin(&["revoke", "--device", &raw.id.to_string()]);
        for r in [raw.get_family(&own, token), raw.get_family(&unknown, token)] {
            assert_eq!(r.status, 401);
            assert_ne!(r.json()["erase"], true);
        }
        let answer = response(&raw.post_sync(raw.request(&[own_id]), token));
        assert!(answer.revoked);
        // Wiped: 401 with erase on every endpoint, own family included.
        trust.admin(&["wipe", "--device", &raw.id.to_string()]);
        for r in [
            raw.get_family(&own, token),
            raw.get_family(&unknown, token),
            raw.post_sync(raw.request(&[own_id]), token),
        ] {
            assert_eq!(r.status, 401);
            assert_eq!(r.json()["erase"], true);
        }
        // Ben's own device still works.
        sync(&b);
    }
}

#[test]
fn limits_and_hostile_input_never_hurt_other_devices() {
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        household(&a);
        sync(&a);
        let raw = RawDevice::enrol(&trust, ASHA);
        let token = Some(raw.token.as_str());
        // A body declared over the 16 MiB limit is refused before it is
        // read (raw HTTP, so the answer is read without sending the body).
        let head = raw.declare_oversized_sync(17 * 1024 * 1024);
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
        assert!(head.contains("too large"), "{head}");
        // A body under the limit holding a document over the 4 MiB
        // document limit: 413 too.
        let mut oversized =
            doorstep_sync::codec::decode_request(&raw.request(&[]), &Default::default())
                .expect("decode");
        oversized.uploads = vec![doorstep_sync::protocol::DocUpload {
            doc_id: uuid::Uuid::new_v4(),
            doc: vec![7u8; 5 * 1024 * 1024],
        }];
        let big = raw.post_sync(doorstep_sync::codec::encode_request(&oversized), token);
        assert_eq!(big.status, 413, "{}", String::from_utf8_lossy(&big.body));
        assert!(big.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("too large"));
        let valid = raw.request(&[uuid::Uuid::new_v4()]);
        for bad in [
            b"garbage".to_vec(),
            valid[..valid.len() - 3].to_vec(),
            [valid.clone(), vec![0]].concat(),
        ] {
            let r = raw.post_sync(bad, token);
            assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
            assert!(r.json()["error"]
                .as_str()
                .unwrap_or("")
                .starts_with("bad sync request"));
        }
        a.write(&["family", "update", &household(&a), "--town", "Bedworth"]);
        sync(&a);
    }
}

#[test]
fn twenty_inflation_bombs_at_once_are_refused_in_bounded_memory() {
    // About 1 MB on the wire, 1 GiB once inflated.
    let bomb = doorstep_testkit::hostile::inflation_bomb(1 << 30);
    assert!(bomb.len() < 1_100_000, "{}", bomb.len());
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        let family = household(&a);
        sync(&a);
        let raw = RawDevice::enrol(&trust, ASHA);
        let id: uuid::Uuid = family.parse().expect("family id");
        let body = raw.request_with(&[(id, bomb.clone())]);
        let answers: Vec<Answer> = std::thread::scope(|s| {
            let sends: Vec<_> = (0..20)
                .map(|_| s.spawn(|| raw.post_sync(body.clone(), Some(raw.token.as_str()))))
                .collect();
            // Another laptop syncs while they are worked on.
            a.write(&["family", "update", &family, "--town", "Rugby"]);
            sync(&a);
            sends.into_iter().map(|h| h.join().expect("send")).collect()
        });
        for r in &answers {
            assert_eq!(r.status, 413, "{}", String::from_utf8_lossy(&r.body));
            assert!(r.json()["error"]
                .as_str()
                .unwrap_or("")
                .contains("too large"));
        }
        let peak = trust.server.peak_resident_bytes();
        assert!(
            peak <= 256 * 1024 * 1024,
            "{}: peak resident {} MiB",
            backend_name(backend),
            peak >> 20
        );
        // The other laptop's work arrived: a second laptop receives it.
        let b = trust.device(ASHA);
        sync(&b);
        assert!(
            b.show(&family).to_string().contains("Rugby"),
            "{}",
            backend_name(backend)
        );
    }
}

#[test]
fn guessing_enrolment_codes_is_rate_limited_and_laptops_sync_on() {
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        let family = household(&a);
        sync(&a);
        let http = reqwest::blocking::Client::new();
        let statuses: Vec<(u16, Option<String>)> = (0..15)
            .map(|i| {
                let r = http
                    .post(format!("{}/v1/enrol", trust.server.url()))
                    .json(&serde_json::json!({
                        "code": format!("WRONG-CODE-{i:04}"),
                        "device_id": uuid::Uuid::new_v4(),
                        "device_name": "guesser",
                    }))
                    .send()
                    .expect("enrol");
                let wait = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap_or("").to_string());
                (r.status().as_u16(), wait)
            })
            .collect();
        // Ten a minute from one address (the laptop's enrolment was one).
        let refused = statuses.iter().take_while(|(s, _)| *s == 400).count();
        assert_eq!(refused, 9, "{}: {statuses:?}", backend_name(backend));
        for (status, wait) in &statuses[refused..] {
            assert_eq!(*status, 429, "{statuses:?}");
            assert!(wait.is_some(), "Retry-After on every 429");
        }
        a.write(&["family", "update", &family, "--town", "Nuneaton"]);
        sync(&a);
        // The refusals are in the server's audit, and its chain holds.
        let v = trust.admin(&["audit-verify"]);
        assert!(v["broken_at"].is_null(), "{v}");
        assert!(v["sealed"].as_u64().unwrap_or(0) >= 10, "{v}");
    }
}

#[test]
fn tls_with_the_trusts_ca_and_plain_http_only_on_loopback() {
    let trust = Trust::start_tls(Backend::Sqlite);
    trust.health_visitor(ASHA, TEAM);
    let a = trust.device(ASHA);
    let fam = household(&a);
    sync(&a);
    let b = trust.device(ASHA);
    sync(&b);
    assert_eq!(a.show(&fam), b.show(&fam));
    // Without the trust's CA the certificate is not accepted.
    let c = Doorstep::init_with(&["--practitioner", ASHA]);
    let code = trust.code(ASHA);
    let r = c.run(&["enrol", "--server", &trust.server.url(), "--code", &code]);
    assert_ne!(r.code, 0, "{}", r.describe());

    let bin = common::trust::server_bin();
    let db = trust.scratch().join("other.db");
    for (args, needle) in [
        (
            vec!["--listen", "0.0.0.0:0", "--insecure-dev-http"],
            "loopback",
        ),
        (vec!["--listen", "127.0.0.1:0"], "TLS"),
    ] {
        let out = std::process::Command::new(bin)
            .arg("serve")
            .arg("--database-url")
            .arg(&db)
            .args(&args)
            .output()
            .expect("run server");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn notifications_imported_on_the_server_arrive_at_the_next_sync() {
    for backend in BACKENDS {
        let trust = Trust::start(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        sync(&a);
        let csv = trust.scratch().join("notifications.csv");
        std::fs::write(
            &csv,
            "notification,parent_given_name,parent_family_name,address_line1,town,postcode,phone,child_given_name,child_family_name,sex,date_of_birth,nhs_number,gestation_weeks,birth_weight_g,expected_delivery,health_visitor\n\
             new-birth,Maya,Khan,1 Moat Street,Coventry,CV1 1AA,07700 900201,Zara,Khan,female,2026-11-12,9990001006,39,3400,,Asha Patel\n\
             antenatal,Ella,Jones,2 Moat Street,Coventry,CV1 1AB,,,,,,,,,2027-01-20,Asha Patel\n\
             new-birth,Lily,Brown,3 Moat Street,Coventry,NOT A POSTCODE,,Tom,Brown,male,2026-11-10,9990001014,40,3500,,Asha Patel\n\
             new-birth,Ada,Smith,4 Moat Street,Coventry,CV1 1AD,,Ivy,Smith,female,2026-11-11,9990001022,40,3300,,Nobody Known\n",
        )
        .expect("write CSV");
        let (code, report, stderr) =
            trust.admin_run(&["import-notifications", &csv.display().to_string()]);
        assert_eq!(code, 0, "{stderr}\n{report}");
        assert_eq!(
            report["imported"].as_array().map(Vec::len),
            Some(2),
            "{report}"
        );
        let rejected = report["rejected"].as_array().expect("rejected");
        let rows: Vec<u64> = rejected.iter().filter_map(|r| r["row"].as_u64()).collect();
        assert_eq!(rows, vec![3, 4], "{report}");
        assert!(rejected[0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("postcode"));
        sync(&a);
        let list = a.list(&[]);
        assert_eq!(list["families"].as_array().map(Vec::len), Some(2), "{list}");
    }
}

#[test]
fn two_server_processes_on_one_postgresql_database_serve_one_caseload() {
    let trust = Trust::start(Backend::Postgres);
    let second = ServerProcess::start(server_bin(), trust.server.database_url(), None);
    trust.health_visitor(ASHA, TEAM);
    // One laptop talks to each server process.
    let a = trust.device(ASHA);
    let b = Doorstep::init_with(&["--practitioner", ASHA]);
    trust.enrol(&b, ASHA, &second.url());
    let fam = shared_household(&a, &b);
    assert_eq!(
        a.show(&fam),
        b.show(&fam),
        "B got the family through the other process"
    );

    edit_offline_on_both(&a, &b, &fam);
    // Both processes answer at the same moment, for the same family.
    std::thread::scope(|s| {
        s.spawn(|| sync(&a));
        s.spawn(|| sync(&b));
    });
    sync(&a);
    sync(&b);
    sync(&a);
    let (ra, rb) = (a.show(&fam), b.show(&fam));
    assert_eq!(ra, rb, "identical state through two processes");
    let text = ra.to_string();
    assert!(
        text.contains("07700900001") && text.contains("Bedworth"),
        "{text}"
    );
    for d in [&a, &b] {
        let cs = conflicts(d);
        assert_eq!(cs.len(), 1, "{cs:?}");
        assert_eq!(conflict_values(&cs[0]), both_addresses());
    }
}

#[test]
fn the_server_log_names_no_patient() {
    for backend in BACKENDS {
        let trust = Trust::start_logging(backend);
        trust.health_visitor(ASHA, TEAM);
        let a = trust.device(ASHA);
        let csv = trust.scratch().join("notifications.csv");
        std::fs::write(
            &csv,
            "notification,parent_given_name,parent_family_name,address_line1,town,postcode,phone,child_given_name,child_family_name,sex,date_of_birth,nhs_number,gestation_weeks,birth_weight_g,expected_delivery,health_visitor\n\
             new-birth,Marisol,Quennell,7 Wisteria Court,Kenilworth,CV8 1QG,07700 900377,Xanthe,Quennell,female,2026-11-12,9990001006,39,3400,,Asha Patel\n",
        )
        .expect("write CSV");
        trust.admin(&["import-notifications", &csv.display().to_string()]);
        sync(&a);
        let fam = a.list(&["--search", "Quennell"])["families"][0]["id"]
            .as_str()
            .expect("the imported family")
            .to_string();
        a.write(&["family", "update", &fam, "--phone", "07700 900388"]);
        sync(&a);
        let b = trust.device(ASHA);
        sync(&b);
        // An unknown family asked for by id is refused and logged.
        let token_less = reqwest::blocking::get(format!(
            "{}/v1/families/00000000-0000-4000-8000-000000000001",
            trust.server.url()
        ))
        .expect("request");
        assert_eq!(token_less.status().as_u16(), 401);

        let log = trust.log();
        assert!(
            log.contains("endpoint") && log.contains("sync"),
            "{}: the log records requests:\n{log}",
            backend_name(backend)
        );
        for secret in [
            "Marisol",
            "Quennell",
            "Xanthe",
            "Wisteria",
            "Kenilworth",
            "CV8 1QG",
            "CV81QG",
            "900377",
            "900388",
            "9990001006",
            "999 000 1006",
        ] {
            assert!(
                !log.contains(secret),
                "{}: the server log contains patient data ({secret}):\n{log}",
                backend_name(backend)
            );
        }
    }
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

//! End-to-end tests of `doorstep enrol`, `sync`, `sync status` and
//! `conflicts` from the command line, over real HTTP against the real
//! `doorstep-server` binary on an SQLite file (common::trust). Checks exit
//! codes, `--json` and text output, the token kept out of plaintext files,
//! revocation and an unreachable server.

mod common;

use common::trust::{Backend, Trust};
use common::*;
use serde_json::{json, Value};

const ASHA: &str = "Asha Patel";
const BEN: &str = "Ben Okafor";
const TEAM: &str = "Foleshill";

/// A trust whose server runs with these health visitors.
fn trust_with(names: &[&str]) -> Trust {
    let t = Trust::start(Backend::Sqlite);
    for name in names {
        t.health_visitor(name, TEAM);
    }
    t
}

/// A device set up for `name`.
fn device(name: &str) -> (Doorstep, String) {
    let d = Doorstep::empty();
    let init = d.ok(&[
        "init",
        "--kdf-target-ms",
        "0",
        "--backoff-ms",
        "0",
        "--practitioner",
        name,
    ]);
    let id = id(&init["device_id"]);
    (d, id)
}

fn enrol(d: &Doorstep, trust: &Trust, practitioner: &str) -> Value {
    d.ok(&[
        "enrol",
        "--server",
        &trust.server.url(),
        "--code",
        &trust.code(practitioner),
        "--device-name",
        "test laptop",
    ])
}

/// The token a device holds (read through its own encrypted store).
fn token(d: &Doorstep) -> String {
    let st = d.ok(&["sync", "status"]);
    assert_eq!(st["enrolled"], true);
    let mut session =
        doorstep_core::device::unlock(d.dir(), PASS, doorstep_core::Clock::System).expect("unlock");
    let server = session
        .store()
        .sync_server()
        .expect("read")
        .expect("enrolled");
    server.enrolment.token
}

fn add_family(d: &Doorstep, street: &str) -> String {
    d.add_family(&["--address-line1", street, "--postcode", "CV1 2AB"])
}

fn set_phone(d: &Doorstep, family: &str, phone: &str) {
    d.ok(&["family", "update", family, "--phone", phone]);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn enrol_sync_and_resolve_a_conflict_from_the_command_line() {
    let trust = trust_with(&[ASHA]);
    let url = trust.server.url();
    let (a, a_id) = device(ASHA);
    // Asha's second device (until grants, a family has one practitioner).
    let (b, b_id) = device(ASHA);

    let text = a.text(&["enrol", "--server", &url, "--code", &trust.code(ASHA)]);
    assert_eq!(text.code, 0, "{}", text.describe());
    assert!(text.stdout.contains("Enrolled with") && text.stdout.contains("Asha Patel"));
    // Enrolling again is refused; a bad code names the field.
    let again = a.run(&["enrol", "--server", &url, "--code", "x"]);
    assert_eq!(again.code, 12, "{}", again.describe());
    assert_eq!(again.error()["code"], "already-enrolled");
    enrol(&b, &trust, ASHA);
    let bad = Doorstep::init();
    bad.run(&["enrol", "--server", &url, "--code", "wrong"])
        .assert_invalid_field("code");
    // The token is only inside the encrypted database.
    for d in [&a, &b] {
        let t = token(d);
        for f in files(d.dir()) {
            let bytes = std::fs::read(&f).expect("read");
            assert!(!contains(&bytes, t.as_bytes()), "token in {}", f.display());
        }
    }

    let f = add_family(&a, "1 High Street");
    let r = a.ok(&["sync"]);
    assert_eq!(r["uploaded"], 1, "{r}");
    let r = b.ok(&["sync"]);
    assert_eq!(r["downloaded"], 1, "{r}");
    set_phone(&a, &f, "07700 900001");
    set_phone(&b, &f, "07700 900002");
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    let text = a.text(&["sync"]);
    assert!(
        text.stdout.contains("Conflicts on this device: 1"),
        "{}",
        text.describe()
    );

    for d in [&a, &b] {
        let list = d.ok(&["conflicts"]);
        let c = &list.as_array().expect("list")[0];
        assert_eq!(c["number"], 1);
        assert_eq!(c["field"], "household/phone");
        let mut seen: Vec<(String, String, String)> = c["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| {
                (
                    v["value"].as_str().expect("text").to_string(),
                    v["practitioner"].as_str().expect("who").to_string(),
                    v["device"].as_str().expect("device").to_string(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![
                ("07700900001".into(), "Asha Patel".into(), a_id.clone()),
                ("07700900002".into(), "Asha Patel".into(), b_id.clone()),
            ]
        );
        let text = d.text(&["conflicts", "--family", &f]);
        assert!(
            text.stdout.contains("household/phone"),
            "{}",
            text.describe()
        );
        assert!(text.stdout.contains("Asha Patel") && text.stdout.contains(&b_id[..8]));
        assert!(
            text.stdout.contains("2026-11-22 09:30 GMT"),
            "{}",
            text.stdout
        );
    }

    // Not in conflict, and a value that is not a phone number: refused.
    b.run(&[
        "conflicts",
        "resolve",
        "--family",
        &f,
        "--field",
        "household/town",
        "--choose",
        "1",
    ])
    .assert_invalid_field("field");
    b.run(&[
        "conflicts",
        "resolve",
        "--family",
        &f,
        "--field",
        "household/phone",
        "--value",
        "soon",
    ])
    .assert_invalid_field("value");
    let done = b.ok(&[
        "conflicts",
        "resolve",
        "--family",
        &f,
        "--field",
        "household/phone",
        "--value",
        "07700 900003",
    ]);
    assert_eq!(done["remaining_conflicts"], 0);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    for d in [&a, &b] {
        assert_eq!(d.ok(&["conflicts"]), json!([]));
        assert_eq!(d.show(&f)["family"]["household"]["phone"], "07700900003");
    }
    let text = a.text(&["conflicts"]);
    assert_eq!(text.stdout.trim(), "No conflicts.");
}

#[test]
fn status_lists_pending_families_and_a_reallocation_keeps_offline_work() {
    let trust = trust_with(&[ASHA, BEN]);
    let (a, _) = device(ASHA);
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["enrolled"], false);
    enrol(&a, &trust, ASHA);
    let f = add_family(&a, "1 High Street");
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["server"], trust.server.url().as_str());
    assert_eq!(st["practitioner"]["name"], "Asha Patel");
    assert_eq!(st["pending"][0]["family_id"], f.as_str());
    assert_eq!(st["pending"][0]["name"], "1 High Street");
    assert_eq!(st["cursor"], Value::Null);
    let text = a.text(&["sync", "status"]);
    for want in [
        "Server: http://127.0.0.1",
        "Enrolled for: Asha Patel",
        "Pending (changes not yet on the server): 1",
    ] {
        assert!(text.stdout.contains(want), "{want}:\n{}", text.stdout);
    }
    a.ok(&["sync"]);
    // Reallocated while the device holds offline work: the message is
    // refused, the family evicted, the work sent whole and kept by the
    // server, and then the family leaves the device.
    trust.admin(&["allocate", "--family", &f, "--practitioner", BEN]);
    set_phone(&a, &f, "07700 900005");
    let r = a.ok(&["sync"]);
    assert_eq!(r["rejected"], 1, "{r}");
    assert_eq!(r["evicted"], 1, "{r}");
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["rejections"], json!([]), "{st}");
    assert_eq!(st["pending"], json!([]), "{st}");
    assert!(st["cursor"]["seq"].is_u64());
    assert!(a.list_ids(&[]).is_empty());
    let text = a.text(&["sync", "status"]);
    assert!(
        text.stdout
            .contains("Pending (changes not yet on the server): 0"),
        "{}",
        text.stdout
    );
    let (b, _) = device(BEN);
    enrol(&b, &trust, BEN);
    b.ok(&["sync"]);
    assert_eq!(b.show(&f)["family"]["household"]["phone"], "07700900005");
}

#[test]
fn a_revoked_device_is_erased_and_says_so() {
    let trust = trust_with(&[ASHA]);
    let (a, a_id) = device(ASHA);
    enrol(&a, &trust, ASHA);
    add_family(&a, "1 High Street");
    a.ok(&["sync"]);
    trust.admin(&["revoke", "--device", &a_id]);
    let r = a.text(&["sync"]);
    assert_eq!(r.code, 5, "{}", r.describe());
    assert!(
        r.stderr.contains("revoked") && r.stderr.contains("erased"),
        "{}",
        r.describe()
    );
    assert!(!a.file("key.json").exists() && !a.file("doorstep.db").exists());
    let later = a.run(&["family", "list"]);
    assert_eq!(later.code, 5, "{}", later.describe());
    assert_eq!(later.error()["code"], "revoked");
    assert!(later.error()["message"]
        .as_str()
        .expect("message")
        .contains("revoked"));
}

#[test]
fn an_unreachable_server_keeps_the_work_and_says_so() {
    let mut trust = trust_with(&[ASHA]);
    let (a, _) = device(ASHA);
    enrol(&a, &trust, ASHA);
    let f = add_family(&a, "1 High Street");
    trust.server.kill9();
    let r = a.text(&["sync"]);
    assert_eq!(r.code, 9, "{}", r.describe());
    assert!(
        r.stderr.contains("server not reachable") || r.stderr.contains("Server not reachable"),
        "{}",
        r.describe()
    );
    assert!(
        r.stderr.contains("saved on this laptop"),
        "{}",
        r.describe()
    );
    assert_eq!(a.list_ids(&[]), vec![f.clone()]);
    let st = a.ok(&["sync", "status"]);
    assert!(st["last_error"]
        .as_str()
        .expect("error")
        .contains("not reachable"));
    assert_eq!(st["pending"].as_array().expect("pending").len(), 1);
    trust.server.restart();
    a.ok(&["sync"]);
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["pending"], json!([]));
    assert_eq!(st["last_error"], Value::Null);
    // An address that is not this computer must be https.
    let (b, _) = device(ASHA);
    b.run(&[
        "enrol",
        "--server",
        "http://sync.example.org",
        "--code",
        "x",
    ])
    .assert_invalid_field("server");
}

/// Every file under `dir`.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

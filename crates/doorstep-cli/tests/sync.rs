//! End-to-end tests of `doorstep enrol`, `sync`, `sync status` and
//! `conflicts` over real HTTP: the in-memory hub of doorstep-core's tests
//! (tests/support/fake_hub.rs there) served on 127.0.0.1 by a minimal
//! HTTP/1.1 server in this file, mapping its errors to the statuses of
//! docs/SYNC.md. Checks exit codes, `--json` and text output, the token
//! kept out of plaintext files, revocation and an unreachable server.

#[path = "../../doorstep-core/tests/support/fake_hub.rs"]
mod fake_hub;

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use doorstep_core::transport::{EnrolRequest, TransportError};
use fake_hub::Hub;
use serde_json::{json, Value};

/// The hub served over HTTP on a loopback port.
struct Server {
    hub: Arc<Hub>,
    url: String,
    /// When set, connections are closed without an answer.
    down: Arc<AtomicBool>,
}

fn serve(hub: Arc<Hub>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let down = Arc::new(AtomicBool::new(false));
    let (h, d) = (hub.clone(), down.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if d.load(Ordering::SeqCst) {
                drop(stream);
                continue;
            }
            let h = h.clone();
            std::thread::spawn(move || {
                let _ = answer(&h, stream);
            });
        }
    });
    Server { hub, url, down }
}

fn answer(hub: &Hub, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut length = 0usize;
    let mut token = None;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(0),
                "authorization" => token = value.strip_prefix("Bearer ").map(str::to_string),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let result: Result<(&str, Vec<u8>), TransportError> = match (method.as_str(), path.as_str()) {
        ("POST", "/v1/enrol") => match serde_json::from_slice::<EnrolRequest>(&body) {
            Ok(req) => hub.enrol(&req).map(|r| {
                (
                    "application/json",
                    serde_json::to_vec(&r).expect("serialise"),
                )
            }),
            Err(_) => Err(TransportError::BadRequest("bad enrolment request".into())),
        },
        ("POST", "/v1/sync") => hub
            .sync(token.as_deref(), &body)
            .map(|b| ("application/x-doorstep-sync", b)),
        _ => Err(TransportError::Server(404)),
    };
    let (status, kind, bytes) = match result {
        Ok((kind, bytes)) => (200, kind, bytes),
        Err(e) => {
            let (status, body) = match e {
                TransportError::Unauthorised => (401, json!({"error": "unauthorised"})),
                TransportError::Revoked { erase } => {
                    (401, json!({"error": "revoked", "erase": erase}))
                }
                TransportError::TooLarge => (413, json!({"error": "request too large"})),
                TransportError::BadRequest(m) => (400, json!({ "error": m })),
                TransportError::Server(s) => (s, json!({"error": "not found"})),
                _ => (500, json!({"error": "storage unavailable"})),
            };
            (
                status,
                "application/json",
                serde_json::to_vec(&body).expect("serialise"),
            )
        }
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    )?;
    out.write_all(&bytes)?;
    out.flush()
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

fn enrol(d: &Doorstep, server: &Server, practitioner: &str) -> Value {
    d.ok(&[
        "enrol",
        "--server",
        &server.url,
        "--code",
        &server.hub.code_for(practitioner),
        "--device-name",
        "test laptop",
    ])
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
    let hub = Hub::new();
    hub.add_practitioner("asha", "Asha Patel");
    hub.add_practitioner("ben", "Ben Okafor");
    let server = serve(hub.clone());
    let (a, a_id) = device("Asha Patel");
    let (b, b_id) = device("Ben Okafor");

    let text = a.text(&[
        "enrol",
        "--server",
        &server.url,
        "--code",
        &hub.code_for("asha"),
    ]);
    assert_eq!(text.code, 0, "{}", text.describe());
    assert!(text.stdout.contains("Enrolled with") && text.stdout.contains("Asha Patel"));
    // Enrolling again is refused; a bad code names the field.
    let again = a.run(&["enrol", "--server", &server.url, "--code", "x"]);
    assert_eq!(again.code, 12, "{}", again.describe());
    assert_eq!(again.error()["code"], "already-enrolled");
    enrol(&b, &server, "ben");
    let bad = Doorstep::init();
    bad.run(&["enrol", "--server", &server.url, "--code", "wrong"])
        .assert_invalid_field("code");
    // The token is only inside the encrypted database.
    for dir in [a.dir(), b.dir()] {
        for f in files(dir) {
            let bytes = std::fs::read(&f).expect("read");
            for t in hub.tokens() {
                assert!(!contains(&bytes, t.as_bytes()), "token in {}", f.display());
            }
        }
    }

    let f = add_family(&a, "1 High Street");
    let r = a.ok(&["sync"]);
    assert_eq!(r["uploaded"], 1, "{r}");
    hub.share(uuid::Uuid::parse_str(&f).expect("uuid"), "ben");
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
                ("07700900002".into(), "Ben Okafor".into(), b_id.clone()),
            ]
        );
        let text = d.text(&["conflicts", "--family", &f]);
        assert!(
            text.stdout.contains("household/phone"),
            "{}",
            text.describe()
        );
        assert!(text.stdout.contains("Asha Patel") && text.stdout.contains("Ben Okafor"));
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
fn status_lists_pending_and_refused_families() {
    let hub = Hub::new();
    hub.add_practitioner("asha", "Asha Patel");
    let server = serve(hub.clone());
    let (a, _) = device("Asha Patel");
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["enrolled"], false);
    enrol(&a, &server, "asha");
    let f = add_family(&a, "1 High Street");
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["server"], server.url.as_str());
    assert_eq!(st["practitioner"]["name"], "Asha Patel");
    assert_eq!(st["pending"][0]["family_id"], f.as_str());
    assert_eq!(st["pending"][0]["name"], "1 High Street");
    assert_eq!(st["cursor"], Value::Null);
    a.ok(&["sync"]);
    hub.unallocate(uuid::Uuid::parse_str(&f).expect("uuid"));
    set_phone(&a, &f, "07700 900005");
    let r = a.ok(&["sync"]);
    assert_eq!(r["rejected"], 1, "{r}");
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["rejections"][0]["family_id"], f.as_str());
    assert_eq!(st["rejections"][0]["reason"], "not in your caseload");
    assert_eq!(st["pending"].as_array().expect("pending").len(), 1);
    assert!(st["cursor"]["seq"].is_u64());
    let text = a.text(&["sync", "status"]);
    for want in [
        "Server: http://127.0.0.1",
        "Enrolled for: Asha Patel",
        "Pending (changes not yet on the server): 1",
        "Refused by the server: 1",
        "not in your caseload",
    ] {
        assert!(text.stdout.contains(want), "{want}:\n{}", text.stdout);
    }
}

#[test]
fn a_revoked_device_is_erased_and_says_so() {
    let hub = Hub::new();
    hub.add_practitioner("asha", "Asha Patel");
    let server = serve(hub.clone());
    let (a, a_id) = device("Asha Patel");
    enrol(&a, &server, "asha");
    add_family(&a, "1 High Street");
    a.ok(&["sync"]);
    hub.revoke(uuid::Uuid::parse_str(&a_id).expect("uuid"));
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
    let hub = Hub::new();
    hub.add_practitioner("asha", "Asha Patel");
    let server = serve(hub.clone());
    let (a, _) = device("Asha Patel");
    enrol(&a, &server, "asha");
    let f = add_family(&a, "1 High Street");
    server.down.store(true, Ordering::SeqCst);
    let r = a.text(&["sync"]);
    assert_eq!(r.code, 9, "{}", r.describe());
    assert!(
        r.stderr.contains("server not reachable") || r.stderr.contains("Server not reachable"),
        "{}",
        r.describe()
    );
    assert!(
        r.stderr.contains("saved on this device"),
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
    server.down.store(false, Ordering::SeqCst);
    a.ok(&["sync"]);
    let st = a.ok(&["sync", "status"]);
    assert_eq!(st["pending"], json!([]));
    assert_eq!(st["last_error"], Value::Null);
    // An address that is not this computer must be https.
    let (b, _) = device("Asha Patel");
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

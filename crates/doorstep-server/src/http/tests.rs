//! Router tests in the style of axum's testing example: each request goes
//! through [`router`] with `tower::ServiceExt::oneshot`, over a real [`Hub`]
//! on a temporary SQLite file. Every endpoint and every error answer of
//! docs/SYNC.md "HTTP endpoints" is covered, and the request log is read
//! back to check what it names. All data is synthetic.

use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use doorstep_hub::{DeviceIdentity, Hub};
use doorstep_sync::codec::{decode_response, encode_request};
use doorstep_sync::protocol::{SyncRequest, PROTOCOL_VERSION};
use doorstep_sync::Limits;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;
use uuid::Uuid;

use super::rate::{RateLimits, Rates};
use super::{router, Bounds};
use doorstep_sync::wire::{
    MAX_ENROL_BYTES as ENROL_MAX_BODY, SYNC_CONTENT_TYPE as SYNC_MEDIA_TYPE,
};

/// The sync body limit of the router under test (small, to test 413).
const MAX_BODY: usize = 4096;

/// The router's bounds in these tests: a small body limit, two syncs at
/// once, short waits.
fn bounds() -> Bounds {
    Bounds {
        max_body: MAX_BODY,
        max_syncs: 2,
        sync_wait: std::time::Duration::from_millis(200),
        body_timeout: std::time::Duration::from_millis(1000),
    }
}

const ASHA: &str = "Asha Patel";
const BEN: &str = "Ben Okafor";

/// A notification for a family allocated to Asha (999 test-range NHS
/// number, made-up names).
const NOTIFICATION: &str = "notification,parent_given_name,parent_family_name,address_line1,town,postcode,phone,child_given_name,child_family_name,sex,date_of_birth,nhs_number,gestation_weeks,birth_weight_g,expected_delivery,health_visitor\n\
     new-birth,Odalys,Vantongeren,3 Quillet Row,Harrogate,HG1 2ZZ,,Perpetua,Vantongeren,female,2026-11-12,9990001006,39,3400,,Asha Patel\n";

/// The names in [`NOTIFICATION`], which no answer or log line may carry.
const PATIENT_WORDS: [&str; 5] = ["Odalys", "Vantongeren", "Quillet", "Perpetua", "9990001006"];

/// A hub on a temporary file with one team, Asha and Ben, and one family
/// in Asha's caseload; and the router over it.
struct Fixture {
    hub: Arc<Hub>,
    app: Router,
    family: Uuid,
    _dir: TempDir,
}

/// Rates no ordinary test reaches.
fn roomy_rates() -> Rates {
    let n = std::num::NonZeroU32::new(10_000).expect("non-zero");
    Rates {
        enrol_per_address: n,
        sync_per_address: n,
        sync_per_device: n,
    }
}

impl Fixture {
    fn new() -> Fixture {
        Self::with_rates(roomy_rates())
    }

    fn with_rates(rates: Rates) -> Fixture {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("hub.db");
        let hub = Arc::new(Hub::open(&path.display().to_string()).expect("open the hub"));
        hub.create_team("North Leeds").expect("team");
        hub.create_practitioner(ASHA, "health-visitor", "North Leeds")
            .expect("Asha");
        hub.create_practitioner(BEN, "health-visitor", "North Leeds")
            .expect("Ben");
        let now = DateTime::parse_from_rfc3339("2026-11-22T09:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        let report = hub
            .import_notifications(NOTIFICATION, now, today)
            .expect("import");
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let family = report.imported[0].family_id;
        let app = router(Arc::clone(&hub), bounds(), Arc::new(RateLimits::new(rates)));
        Fixture {
            hub,
            app,
            family,
            _dir: dir,
        }
    }

    /// A fresh one-time enrolment code for `practitioner`.
    fn code(&self, practitioner: &str) -> String {
        self.hub
            .issue_enrolment_code(practitioner, Duration::hours(1), Utc::now())
            .expect("enrolment code")
            .code
    }

    /// Enrols a new device of `practitioner` through the hub: its identity
    /// and token.
    fn device(&self, practitioner: &str) -> (DeviceIdentity, String) {
        let enrolment = self
            .hub
            .enrol(
                &self.code(practitioner),
                Uuid::new_v4(),
                "Test laptop",
                Utc::now(),
            )
            .expect("enrol");
        let identity = self
            .hub
            .authenticate(&enrolment.token)
            .expect("the new token works");
        (identity, enrolment.token)
    }

    /// Sends one request through the router.
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("response body");
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// A response, read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts the status and the exact JSON body.
    fn is(&self, status: u16, body: Value) {
        assert_eq!(self.status.as_u16(), status, "{}", self.json());
        assert_eq!(self.json(), body);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/json",
            "every JSON answer says so"
        );
    }
}

fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    request(Method::GET, uri, token, Body::empty())
}

fn request(method: Method, uri: &str, token: Option<&str>, body: Body) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(body).expect("request")
}

/// `POST /v1/sync` with `bytes` (no `Content-Length`, as `oneshot` sends).
fn sync_request(token: Option<&str>, bytes: Vec<u8>) -> Request<Body> {
    request(Method::POST, "/v1/sync", token, Body::from(bytes))
}

fn enrol_request(body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/v1/enrol")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .expect("request")
}

/// An empty first sync request from `device`.
fn first_sync(device: Uuid) -> Vec<u8> {
    encode_request(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        cursor: None,
        messages: Vec::new(),
        uploads: Vec::new(),
        audit: Vec::new(),
    })
}

fn unauthorised() -> Value {
    json!({"error": "unauthorised"})
}

fn revoked(erase: bool) -> Value {
    if erase {
        json!({"error": "revoked", "erase": true})
    } else {
        json!({"error": "revoked"})
    }
}

fn not_found() -> Value {
    json!({"error": "not found"})
}

fn too_large(limit: usize) -> Value {
    json!({"error": "request too large", "limit": limit})
}

/// A body sent in 1 KiB chunks with no declared length, like a chunked
/// upload: only counting what arrives can refuse it.
struct Chunked {
    chunks_left: usize,
}

impl HttpBody for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        if self.chunks_left == 0 {
            return Poll::Ready(None);
        }
        self.chunks_left -= 1;
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(vec![
            0u8;
            1024
        ])))))
    }
}

/// A body that sends one byte and then never another.
struct Stalled {
    sent: bool,
}

impl HttpBody for Stalled {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        if self.sent {
            return Poll::Pending;
        }
        self.sent = true;
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(b"x")))))
    }
}

// ----------------------------------------------------------------- bounds

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408() {
    let f = Fixture::new();
    let (_, token) = f.device(ASHA);
    let answer = f
        .send(request(
            Method::POST,
            "/v1/sync",
            Some(&token),
            Body::new(Stalled { sent: false }),
        ))
        .await;
    answer.is(408, json!({"error": "request body too slow"}));
}

#[tokio::test]
async fn syncs_beyond_the_limit_wait_then_get_503_with_retry_after() {
    let f = Fixture::new();
    let (_, token) = f.device(ASHA);
    // Two syncs take both turns while their bodies never finish arriving.
    let stalled = |token: &str| {
        tokio::spawn(f.app.clone().oneshot(request(
            Method::POST,
            "/v1/sync",
            Some(token),
            Body::new(Stalled { sent: false }),
        )))
    };
    let (a, b) = (stalled(&token), stalled(&token));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let busy = f
        .send(sync_request(Some(&token), first_sync(Uuid::new_v4())))
        .await;
    assert_eq!(busy.status.as_u16(), 503, "{}", busy.json());
    assert_eq!(
        busy.json(),
        json!({"error": "the server is busy; nothing was saved, try again"})
    );
    assert_eq!(busy.headers[header::RETRY_AFTER], "5");
    // The stalled ones time out; then the server takes syncs again.
    assert_eq!(a.await.unwrap().unwrap().status().as_u16(), 408);
    assert_eq!(b.await.unwrap().unwrap().status().as_u16(), 408);
    let (identity, token) = f.device(ASHA);
    let ok = f
        .send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await;
    assert_eq!(ok.status.as_u16(), 200);
}

#[tokio::test]
async fn enrolment_and_sync_past_their_rates_get_429_and_are_audited() {
    let n = |v| std::num::NonZeroU32::new(v).expect("non-zero");
    let f = Fixture::with_rates(Rates {
        enrol_per_address: n(3),
        sync_per_address: n(100),
        sync_per_device: n(2),
    });
    let wrong = json!({"code": "WRONG-CODE-0000", "device_id": Uuid::new_v4(), "device_name": "x"});
    for _ in 0..3 {
        let a = f.send(enrol_request(wrong.to_string())).await;
        assert_eq!(a.status.as_u16(), 400, "{}", a.json());
    }
    let limited = f.send(enrol_request(wrong.to_string())).await;
    assert_eq!(limited.status.as_u16(), 429, "{}", limited.json());
    assert_eq!(
        limited.json(),
        json!({"error": "too many requests; nothing was saved, try again later"})
    );
    let wait: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    // Even the right code waits now (the limit is the address's).
    let right = json!({"code": f.code(ASHA), "device_id": Uuid::new_v4(), "device_name": "x"});
    assert_eq!(
        f.send(enrol_request(right.to_string()))
            .await
            .status
            .as_u16(),
        429
    );
    // A device's syncs: two, then 429; another device is unaffected.
    let (identity, token) = f.device(ASHA);
    for _ in 0..2 {
        let ok = f
            .send(sync_request(Some(&token), first_sync(identity.device_id)))
            .await;
        assert_eq!(ok.status.as_u16(), 200);
    }
    let third = f
        .send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await;
    assert_eq!(third.status.as_u16(), 429);
    assert!(third.headers.contains_key(header::RETRY_AFTER));
    let (other, other_token) = f.device(ASHA);
    let ok = f
        .send(sync_request(
            Some(&other_token),
            first_sync(other.device_id),
        ))
        .await;
    assert_eq!(ok.status.as_u16(), 200);
    // Audited once per address or device: the enrolments' address (the
    // unspecified one here: no connection information in these tests)
    // and the first device.
    let rows = f
        .hub
        .transaction(|tx| {
            tx.query(
                "SELECT actor, detail FROM audit WHERE action = 'rate.limited' ORDER BY at",
                &[],
            )
        })
        .unwrap();
    let audited: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.text(0).unwrap(), r.text(1).unwrap()))
        .collect();
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert_eq!(audited[0].0, "0.0.0.0");
    assert!(audited[0].1.contains("enrolment"));
    assert_eq!(audited[1].0, identity.device_id.to_string());
    assert!(audited[1].1.contains("sync requests from this device"));
}

// ---------------------------------------------------------------- health

#[tokio::test]
async fn health_answers_without_a_token() {
    let f = Fixture::new();
    f.send(get("/v1/health", None))
        .await
        .is(200, json!({"status": "ok"}));
}

#[tokio::test]
async fn an_unknown_route_is_not_found() {
    let f = Fixture::new();
    f.send(get("/v1/nothing-here", None))
        .await
        .is(404, not_found());
    f.send(get("/", None)).await.is(404, not_found());
}

// ----------------------------------------------------------------- enrol

#[tokio::test]
async fn enrolment_answers_with_a_token_that_works() {
    let f = Fixture::new();
    let device = Uuid::new_v4();
    let body = json!({"code": f.code(ASHA), "device_id": device, "device_name": "Asha's laptop"});
    let answer = f.send(enrol_request(body.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK);
    let enrolment = answer.json();
    assert_eq!(enrolment["device_id"], json!(device));
    assert_eq!(enrolment["practitioner"]["name"], ASHA);
    assert_eq!(enrolment["practitioner"]["role"], "health-visitor");
    assert!(enrolment["practitioner"]["id"].is_string());
    assert_eq!(enrolment["team"]["name"], "North Leeds");
    assert!(enrolment["team"]["id"].is_string());
    assert_eq!(enrolment["epoch"], json!(f.hub.epoch().expect("epoch")));
    let token = enrolment["token"].as_str().expect("a token");
    let identity = f.hub.authenticate(token).expect("the token works");
    assert_eq!(identity.device_id, device);
}

#[tokio::test]
async fn enrolment_refuses_a_body_that_is_not_the_json_expected() {
    let f = Fixture::new();
    let expected = json!({
        "error": "enrolment request must be JSON with code, device_id and device_name"
    });
    for body in [
        "{".to_owned(),
        "not json".to_owned(),
        json!({"code": f.code(ASHA)}).to_string(),
        json!({"code": f.code(ASHA), "device_id": "not-an-id"}).to_string(),
    ] {
        f.send(enrol_request(body)).await.is(400, expected.clone());
    }
}

#[tokio::test]
async fn enrolment_refuses_unknown_and_used_codes_alike() {
    let f = Fixture::new();
    let refused = json!({"error": "enrolment code not accepted"});
    let unknown =
        json!({"code": "ABCD-EFGH-JKLM", "device_id": Uuid::new_v4(), "device_name": "x"});
    f.send(enrol_request(unknown.to_string()))
        .await
        .is(400, refused.clone());

    let code = f.code(ASHA);
    let first = json!({"code": code, "device_id": Uuid::new_v4(), "device_name": "x"});
    assert_eq!(
        f.send(enrol_request(first.to_string())).await.status,
        StatusCode::OK
    );
    let again = json!({"code": code, "device_id": Uuid::new_v4(), "device_name": "y"});
    f.send(enrol_request(again.to_string()))
        .await
        .is(400, refused);
}

#[tokio::test]
async fn enrolment_refuses_a_device_already_enrolled_naming_the_field() {
    let f = Fixture::new();
    let (identity, _) = f.device(ASHA);
    let body = json!({"code": f.code(ASHA), "device_id": identity.device_id, "device_name": "x"});
    f.send(enrol_request(body.to_string()))
        .await
        .is(400, json!({"error": "device_id: is already enrolled"}));
}

#[tokio::test]
async fn enrolment_refuses_a_body_over_its_limit() {
    let f = Fixture::new();
    let padding = "x".repeat(ENROL_MAX_BODY);
    let body = json!({"code": f.code(ASHA), "device_id": Uuid::new_v4(), "device_name": padding});
    f.send(enrol_request(body.to_string()))
        .await
        .is(413, too_large(ENROL_MAX_BODY));
}

// ------------------------------------------------------------------ sync

#[tokio::test]
async fn sync_without_a_token_is_unauthorised() {
    let f = Fixture::new();
    let (identity, token) = f.device(ASHA);
    f.send(sync_request(None, first_sync(identity.device_id)))
        .await
        .is(401, unauthorised());
    // A token in another scheme, or an empty one, is no token.
    for value in [
        format!("Basic {token}"),
        "Bearer ".to_owned(),
        token.clone(),
    ] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/sync")
            .header(header::AUTHORIZATION, value)
            .body(Body::from(first_sync(identity.device_id)))
            .expect("request");
        f.send(request).await.is(401, unauthorised());
    }
}

#[tokio::test]
async fn sync_with_an_unknown_or_malformed_token_is_unauthorised() {
    let f = Fixture::new();
    let (identity, _) = f.device(ASHA);
    for token in ["0".repeat(64), "not-a-token".to_owned()] {
        f.send(sync_request(Some(&token), first_sync(identity.device_id)))
            .await
            .is(401, unauthorised());
    }
}

#[tokio::test]
async fn a_revoked_device_may_only_send_its_work_and_a_wiped_one_nothing() {
    let f = Fixture::new();
    let (identity, token) = f.device(ASHA);
    f.hub
        .revoke_device(identity.device_id, Utc::now())
        .expect("revoke");
    // Its sync is answered, offering nothing and saying it is revoked.
    let answer = f
        .send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let response = decode_response(&answer.body, &Limits::default()).expect("response");
    assert!(response.revoked);
    assert!(response.messages.is_empty(), "offered nothing");
    // Nothing else is.
    f.send(get(&format!("/v1/families/{}", f.family), Some(&token)))
        .await
        .is(401, revoked(false));
    // Wiped: told to erase, on every endpoint.
    f.hub
        .wipe_device(identity.device_id, Utc::now())
        .expect("wipe");
    f.send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await
        .is(401, revoked(true));
    f.send(get(&format!("/v1/families/{}", f.family), Some(&token)))
        .await
        .is(401, revoked(true));
}

#[tokio::test]
async fn sync_refuses_a_body_declared_over_the_limit() {
    let f = Fixture::new();
    let (_, token) = f.device(ASHA);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/sync")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_LENGTH, MAX_BODY + 1)
        // Refused on the declaration alone, before any of it is read.
        .body(Body::from(vec![0u8; 16]))
        .expect("request");
    f.send(request).await.is(413, too_large(MAX_BODY));
}

#[tokio::test]
async fn sync_refuses_a_body_that_streams_past_the_limit() {
    let f = Fixture::new();
    let (_, token) = f.device(ASHA);
    // Known length, no Content-Length header.
    f.send(sync_request(Some(&token), vec![0u8; MAX_BODY + 1]))
        .await
        .is(413, too_large(MAX_BODY));
    // Unknown length: chunks until past the limit.
    let chunked = Body::new(Chunked {
        chunks_left: MAX_BODY / 1024 + 2,
    });
    f.send(request(Method::POST, "/v1/sync", Some(&token), chunked))
        .await
        .is(413, too_large(MAX_BODY));
}

#[tokio::test]
async fn sync_refuses_what_the_codec_rejects() {
    let f = Fixture::new();
    let (identity, token) = f.device(ASHA);
    let answer = f
        .send(sync_request(Some(&token), b"not a sync request".to_vec()))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let error = answer.json()["error"].as_str().expect("error").to_owned();
    assert!(error.starts_with("bad sync request: "), "{error}");

    // A well-formed request naming another device.
    f.send(sync_request(Some(&token), first_sync(Uuid::new_v4())))
        .await
        .is(
            400,
            json!({"error": "bad sync request: device_id is not the device the token belongs to"}),
        );

    // The device's own request still works afterwards.
    let ok = f
        .send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn a_first_sync_downloads_the_caseload() {
    let f = Fixture::new();
    let (identity, token) = f.device(ASHA);
    let answer = f
        .send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_TYPE], SYNC_MEDIA_TYPE);
    let response = decode_response(&answer.body, &Limits::default()).expect("decodes");
    let families: Vec<Uuid> = response.messages.iter().map(|m| m.doc_id).collect();
    assert_eq!(families, vec![f.family]);
    assert_eq!(response.cursor.epoch_id(), f.hub.epoch().expect("epoch"));
    assert!(!response.more);
    assert!(response.rejected.is_empty());
}

// ---------------------------------------------------------------- family

#[tokio::test]
async fn a_family_in_the_caseload_answers_its_heads() {
    let f = Fixture::new();
    let (_, token) = f.device(ASHA);
    let answer = f
        .send(get(&format!("/v1/families/{}", f.family), Some(&token)))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let summary = answer.json();
    assert_eq!(summary["family_id"], json!(f.family));
    assert!(!summary["heads"].as_array().expect("heads").is_empty());
    assert!(summary["seq"].as_u64().expect("seq") > 0);
    let text = String::from_utf8_lossy(&answer.body);
    for word in PATIENT_WORDS {
        assert!(!text.contains(word), "{word} in {text}");
    }
}

#[tokio::test]
async fn any_other_family_is_not_found_alike() {
    let f = Fixture::new();
    let (_, asha) = f.device(ASHA);
    let (_, ben) = f.device(BEN);
    // Another practitioner's family.
    f.send(get(&format!("/v1/families/{}", f.family), Some(&ben)))
        .await
        .is(404, not_found());
    // An unknown id, a malformed one, an id that is not valid UTF-8.
    for id in [Uuid::new_v4().to_string(), "not-an-id".into(), "%FF".into()] {
        f.send(get(&format!("/v1/families/{id}"), Some(&asha)))
            .await
            .is(404, not_found());
    }
}

#[tokio::test]
async fn the_family_endpoint_needs_a_token_before_anything_else() {
    let f = Fixture::new();
    f.send(get(&format!("/v1/families/{}", f.family), None))
        .await
        .is(401, unauthorised());
    f.send(get("/v1/families/not-an-id", Some(&"0".repeat(64))))
        .await
        .is(401, unauthorised());
}

#[tokio::test]
async fn a_storage_failure_is_answered_without_its_cause() {
    let f = Fixture::new();
    let (_, token) = f.device(ASHA);
    f.hub
        .transaction(|tx| tx.batch("ALTER TABLE families RENAME TO families_gone"))
        .expect("break the database");
    f.send(get(&format!("/v1/families/{}", f.family), Some(&token)))
        .await
        .is(500, json!({"error": "storage unavailable"}));
}

// ------------------------------------------------------------------- log

/// Everything logged while it is the thread's subscriber.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log")).into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_log_names_routes_statuses_and_devices_never_paths_or_bodies() {
    let f = Fixture::new();
    let (identity, token) = f.device(ASHA);
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let answer = f
        .send(sync_request(Some(&token), first_sync(identity.device_id)))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = f
        .send(get(
            &format!("/v1/families/{}?name=Odalys", f.family),
            Some(&token),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    f.send(get("/v1/families/x", None)).await;
    f.send(get("/v1/Vantongeren", None)).await;

    let text = log.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "one line per request:\n{text}");
    let device = format!("device={}", identity.device_id);
    assert!(lines[0].contains("method=POST"), "{text}");
    assert!(lines[0].contains("endpoint=/v1/sync"), "{text}");
    assert!(lines[0].contains(&device), "{text}");
    assert!(lines[0].contains("status=200"), "{text}");
    assert!(lines[0].contains("ms="), "{text}");
    assert!(lines[1].contains("method=GET"), "{text}");
    assert!(lines[1].contains("endpoint=/v1/families/{id}"), "{text}");
    assert!(lines[1].contains(&device), "{text}");
    assert!(lines[2].contains("status=401"), "{text}");
    assert!(!lines[2].contains("device="), "{text}");
    assert!(lines[3].contains("endpoint=(none)"), "{text}");
    assert!(lines[3].contains("status=404"), "{text}");
    assert!(
        !text.contains(&f.family.to_string()),
        "the raw path is not logged:\n{text}"
    );
    assert!(!text.contains(&token), "{text}");
    for word in PATIENT_WORDS {
        assert!(!text.contains(word), "{word} in the log:\n{text}");
    }
}

//! The HTTP contract both sides write and read (docs/SYNC.md, "HTTP
//! endpoints"): paths, the sync body's media type, the enrolment request
//! and answer, and the JSON error body with its fixed words. The device's
//! HTTP client and the server's router use these and nothing else, so
//! the two cannot drift apart.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The media type of an encoded sync request or response.
pub const SYNC_CONTENT_TYPE: &str = "application/x-doorstep-sync";

/// `GET`: whether the server is up (no authentication).
pub const HEALTH_PATH: &str = "/v1/health";
/// `POST`: trade a one-time code for a token ([`EnrolRequest`] →
/// [`EnrolResponse`]).
pub const ENROL_PATH: &str = "/v1/enrol";
/// `POST`: one round trip of the exchange (encoded `SyncRequest` →
/// encoded `SyncResponse`).
pub const SYNC_PATH: &str = "/v1/sync";
/// `GET /v1/families/{id}`: a family's heads, for a family in the caller's
/// caseload.
pub const FAMILY_PATH: &str = "/v1/families/{id}";

/// The largest enrolment request a server reads.
pub const MAX_ENROL_BYTES: usize = 64 * 1024;
/// The largest error body a device reads.
pub const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The body of `POST /v1/enrol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrolRequest {
    /// The one-time enrolment code the administrator gave.
    pub code: String,
    /// The device's id.
    pub device_id: Uuid,
    /// A name for the device, shown to administrators.
    #[serde(default)]
    pub device_name: String,
}

/// The practitioner a device is enrolled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrolledPractitioner {
    /// Their id on the server.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: String,
}

/// The practitioner's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrolledTeam {
    /// The team's id on the server.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The answer to `POST /v1/enrol`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device id the server enrolled (the device's own).
    pub device_id: Uuid,
    /// The bearer token for every later request.
    pub token: String,
    /// Who the device is enrolled for.
    pub practitioner: EnrolledPractitioner,
    /// Their team.
    pub team: EnrolledTeam,
    /// The server's epoch.
    pub epoch: String,
}

impl std::fmt::Debug for EnrolResponse {
    /// Everything but the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolResponse")
            .field("device_id", &self.device_id)
            .field("practitioner", &self.practitioner)
            .field("team", &self.team)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// The fixed words of [`ErrorBody::error`] a device acts on.
pub mod words {
    /// 401: the token is missing, malformed or unknown.
    pub const UNAUTHORISED: &str = "unauthorised";
    /// 401: the device was revoked (with `erase`).
    pub const REVOKED: &str = "revoked";
    /// 400: an unknown, expired or used enrolment code (one answer for all).
    pub const CODE_NOT_ACCEPTED: &str = "enrolment code not accepted";
    /// 400: the enrolment body is not the JSON [`super::EnrolRequest`].
    pub const BAD_ENROLMENT: &str =
        "enrolment request must be JSON with code, device_id and device_name";
    /// 413: a body or a document in it over the limit (with `limit`).
    pub const TOO_LARGE: &str = "request too large";
    /// 404: anything not found or not the caller's, alike.
    pub const NOT_FOUND: &str = "not found";
    /// 429: over a rate limit (with `Retry-After`); nothing was saved.
    pub const TOO_MANY_REQUESTS: &str = "too many requests; nothing was saved, try again later";
    /// 503: the database stayed busy; nothing was saved.
    pub const BUSY: &str = "the server is busy; nothing was saved, try again";
    /// 500: the database failed; nothing was acknowledged.
    pub const STORAGE_UNAVAILABLE: &str = "storage unavailable";
    /// The prefix of a 400 about a sync body.
    pub const BAD_SYNC_REQUEST: &str = "bad sync request";
}

/// The JSON body of every error answer: `{"error": …}`, with `erase` on a
/// revoked device's answer and `limit` on a too-large one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, in the words of [`words`] or a reason.
    pub error: String,
    /// The device must crypto-erase its data (revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erase: Option<bool>,
    /// The limit in bytes that was exceeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl ErrorBody {
    /// An error body with just these words.
    pub fn new(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            erase: None,
            limit: None,
        }
    }

    /// `401 {"error":"revoked"}`, with `"erase":true` when the device must
    /// erase its data now (an administrator asked for it to be wiped).
    pub fn revoked(erase: bool) -> Self {
        Self {
            erase: erase.then_some(true),
            ..Self::new(words::REVOKED)
        }
    }

    /// `413 {"error":"request too large","limit":N}`.
    pub fn too_large(limit: u64) -> Self {
        Self {
            limit: Some(limit),
            ..Self::new(words::TOO_LARGE)
        }
    }

    /// `400 {"error":"bad sync request: <reason>"}`.
    pub fn bad_sync_request(reason: &str) -> Self {
        Self::new(format!("{}: {reason}", words::BAD_SYNC_REQUEST))
    }

    /// Whether this is a revoked device's answer asking it to erase.
    pub fn asks_to_erase(&self) -> bool {
        self.error == words::REVOKED && self.erase == Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_the_documented_json() {
        let j = |b: &ErrorBody| serde_json::to_string(b).unwrap();
        assert_eq!(
            j(&ErrorBody::revoked(true)),
            r#"{"error":"revoked","erase":true}"#
        );
        assert_eq!(j(&ErrorBody::revoked(false)), r#"{"error":"revoked"}"#);
        assert_eq!(
            j(&ErrorBody::too_large(16)),
            r#"{"error":"request too large","limit":16}"#
        );
        assert_eq!(
            j(&ErrorBody::new(words::NOT_FOUND)),
            r#"{"error":"not found"}"#
        );
        let back: ErrorBody = serde_json::from_str(r#"{"error":"revoked","erase":true}"#).unwrap();
        assert!(back.asks_to_erase());
    }

    #[test]
    fn enrolment_answers_never_print_the_token() {
        let r = EnrolResponse {
            device_id: Uuid::nil(),
            token: "secret-token".into(),
            practitioner: EnrolledPractitioner {
                id: "p".into(),
                name: "n".into(),
                role: "health-visitor".into(),
            },
            team: EnrolledTeam {
                id: "t".into(),
                name: "Foleshill".into(),
            },
            epoch: "e".into(),
        };
        assert!(!format!("{r:?}").contains("secret-token"));
    }
}

//! [`ApiError`]: every error answer of the HTTP API, with its status and
//! JSON body exactly as docs/SYNC.md "HTTP endpoints" documents them.
//! Bodies never carry patient data: the hub's reasons name fields, ids and
//! limits only, and storage failures are logged, not shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doorstep_hub::HubError;
use serde_json::{json, Value};

/// An error answer. Handlers and extractors return it; [`IntoResponse`]
/// turns it into the status and `{"error": …}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401 `{"error":"unauthorised"}`: a missing, malformed or unknown token.
    Unauthorised,
    /// 401 `{"error":"revoked","erase":true}`: a revoked device's token; the
    /// device crypto-erases its data.
    Revoked,
    /// 413 `{"error":"request too large","limit":N}`: a body, or a document
    /// uploaded in one, over `limit` bytes.
    TooLarge {
        /// The limit exceeded, in bytes.
        limit: u64,
    },
    /// 400 `{"error":"bad sync request: <reason>"}`.
    BadSyncRequest(String),
    /// 400 `{"error":"enrolment code not accepted"}`: an unknown, expired
    /// or used code (one answer for all three).
    EnrolmentRefused,
    /// 400: an enrolment body that is not the JSON expected.
    MalformedEnrolment,
    /// 400 `{"error":"field: problem"}`: input the hub refused (a device id
    /// already enrolled, an empty device name).
    Invalid(String),
    /// 400: the body could not be read (the connection failed mid-body).
    UnreadableBody,
    /// 404 `{"error":"not found"}`: an unknown route, and any family
    /// outside the caller's caseload (unknown, another practitioner's, a
    /// malformed id: one answer for all).
    NotFound,
    /// 503: the database stayed busy; nothing was saved.
    Busy,
    /// 500 `{"error":"storage unavailable"}`: the database failed; nothing
    /// was acknowledged.
    StorageUnavailable,
}

impl ApiError {
    /// The HTTP status of this answer.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorised | ApiError::Revoked => StatusCode::UNAUTHORIZED,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadSyncRequest(_)
            | ApiError::EnrolmentRefused
            | ApiError::MalformedEnrolment
            | ApiError::Invalid(_)
            | ApiError::UnreadableBody => StatusCode::BAD_REQUEST,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::StorageUnavailable => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body of this answer.
    pub fn body(&self) -> Value {
        match self {
            ApiError::Unauthorised => json!({"error": "unauthorised"}),
            ApiError::Revoked => json!({"error": "revoked", "erase": true}),
            ApiError::TooLarge { limit } => json!({"error": "request too large", "limit": limit}),
            ApiError::BadSyncRequest(reason) => {
                json!({"error": format!("bad sync request: {reason}")})
            }
            ApiError::EnrolmentRefused => json!({"error": "enrolment code not accepted"}),
            ApiError::MalformedEnrolment => json!({
                "error": "enrolment request must be JSON with code, device_id and device_name"
            }),
            ApiError::Invalid(reason) => json!({"error": reason}),
            ApiError::UnreadableBody => json!({"error": "request body could not be read"}),
            ApiError::NotFound => json!({"error": "not found"}),
            ApiError::Busy => {
                json!({"error": "the server is busy; nothing was saved, try again"})
            }
            ApiError::StorageUnavailable => json!({"error": "storage unavailable"}),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

impl From<HubError> for ApiError {
    /// The answer for a hub error. A storage failure's cause is logged here
    /// (the hub's messages name no patient) and never sent.
    fn from(e: HubError) -> Self {
        match e {
            HubError::Unauthorised => ApiError::Unauthorised,
            HubError::Revoked => ApiError::Revoked,
            HubError::EnrolmentRefused => ApiError::EnrolmentRefused,
            HubError::BadRequest(reason) => ApiError::BadSyncRequest(reason),
            HubError::TooLarge { limit } => ApiError::TooLarge { limit },
            HubError::Busy => ApiError::Busy,
            HubError::Invalid(reason) => ApiError::Invalid(reason),
            HubError::NotFound(_) => ApiError::NotFound,
            e @ (HubError::Storage(_) | HubError::Corrupt(_)) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::StorageUnavailable
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hub error, its status and its body.
    #[test]
    fn hub_errors_answer_as_documented() {
        let cases = [
            (
                HubError::Unauthorised,
                401,
                json!({"error": "unauthorised"}),
            ),
            (
                HubError::Revoked,
                401,
                json!({"error": "revoked", "erase": true}),
            ),
            (
                HubError::EnrolmentRefused,
                400,
                json!({"error": "enrolment code not accepted"}),
            ),
            (
                HubError::BadRequest("truncated".into()),
                400,
                json!({"error": "bad sync request: truncated"}),
            ),
            (
                HubError::TooLarge { limit: 4096 },
                413,
                json!({"error": "request too large", "limit": 4096}),
            ),
            (
                HubError::Busy,
                503,
                json!({"error": "the server is busy; nothing was saved, try again"}),
            ),
            (
                HubError::Invalid("device_id: is already enrolled".into()),
                400,
                json!({"error": "device_id: is already enrolled"}),
            ),
            (
                HubError::NotFound("family"),
                404,
                json!({"error": "not found"}),
            ),
            (
                HubError::Storage("disk I/O error".into()),
                500,
                json!({"error": "storage unavailable"}),
            ),
            (
                HubError::Corrupt("column 1 is not text".into()),
                500,
                json!({"error": "storage unavailable"}),
            ),
        ];
        for (hub_error, status, body) in cases {
            let e = ApiError::from(hub_error.clone());
            assert_eq!(e.status().as_u16(), status, "{hub_error:?}");
            assert_eq!(e.body(), body, "{hub_error:?}");
            assert_eq!(e.into_response().status().as_u16(), status);
        }
    }
}

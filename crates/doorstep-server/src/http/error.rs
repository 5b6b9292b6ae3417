//! [`ApiError`]: every error answer of the HTTP API, with its status and
//! JSON body exactly as docs/SYNC.md "HTTP endpoints" documents them. The
//! words are `doorstep_sync::wire`'s and a hub error's answer is the hub's
//! own ([`HubError::answer`]), so the device reads what the server writes.
//! Bodies never carry patient data: the hub's reasons name fields, ids and
//! limits only, and storage failures are logged, not shown.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use doorstep_hub::HubError;
use doorstep_sync::wire::{words, ErrorBody};

/// An error answer. Handlers and extractors return it; [`IntoResponse`]
/// turns it into the status and `{"error": …}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// What the hub refused or failed at, answered as the hub says.
    Hub(HubError),
    /// 400: an enrolment body that is not the JSON expected.
    MalformedEnrolment,
    /// 400: the body could not be read (the connection failed mid-body).
    UnreadableBody,
    /// 408: the body did not arrive within the server's time.
    BodyTimeout,
    /// 429: over a rate limit; try again after this many seconds.
    RateLimited {
        /// Seconds to wait (the `Retry-After` header).
        retry_after_secs: u64,
    },
}

impl ApiError {
    /// 401 `{"error":"unauthorised"}`: a missing, malformed or unknown token.
    pub const UNAUTHORISED: ApiError = ApiError::Hub(HubError::Unauthorised);
    /// 404 `{"error":"not found"}`: an unknown route, and any family outside
    /// the caller's caseload (unknown, another practitioner's, a malformed
    /// id: one answer for all).
    pub const NOT_FOUND: ApiError = ApiError::Hub(HubError::NotFound("route"));

    /// 413 `{"error":"request too large","limit":N}`.
    pub fn too_large(limit: u64) -> ApiError {
        ApiError::Hub(HubError::TooLarge { limit })
    }

    /// The HTTP status and JSON body of this answer.
    pub fn answer(&self) -> (StatusCode, ErrorBody) {
        let (status, body) = match self {
            ApiError::Hub(e) => e.answer(),
            ApiError::MalformedEnrolment => (400, ErrorBody::new(words::BAD_ENROLMENT)),
            ApiError::UnreadableBody => (400, ErrorBody::new("request body could not be read")),
            ApiError::BodyTimeout => (408, ErrorBody::new("request body too slow")),
            ApiError::RateLimited { .. } => (429, ErrorBody::new(words::TOO_MANY_REQUESTS)),
        };
        (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        )
    }
}

/// Seconds a busy server asks a device to wait before trying again.
pub const RETRY_AFTER_SECS: u32 = 5;

impl IntoResponse for ApiError {
    /// The status and body; a 503 or 429 also says when to try again.
    fn into_response(self) -> Response {
        let (status, body) = self.answer();
        let retry_after = match self {
            ApiError::RateLimited { retry_after_secs } => Some(retry_after_secs),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(u64::from(RETRY_AFTER_SECS)),
            _ => None,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<HubError> for ApiError {
    /// The answer for a hub error. A storage failure's cause is logged here
    /// (the hub's messages name no patient) and never sent.
    fn from(e: HubError) -> Self {
        if matches!(e, HubError::Storage(_) | HubError::Corrupt(_)) {
            tracing::error!(error = %e, "storage failure");
        }
        ApiError::Hub(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Every hub error, its status and its body.
    #[test]
    fn hub_errors_answer_as_documented() {
        let cases = [
            (
                HubError::Unauthorised,
                401,
                json!({"error": "unauthorised"}),
            ),
            (HubError::Revoked, 401, json!({"error": "revoked"})),
            (
                HubError::Wiped,
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
            let (got_status, got_body) = e.answer();
            assert_eq!(got_status.as_u16(), status, "{hub_error:?}");
            let got: Value = serde_json::to_value(got_body).unwrap();
            assert_eq!(got, body, "{hub_error:?}");
            assert_eq!(e.into_response().status().as_u16(), status);
        }
    }
}

//! The hub's one error type. Messages never carry patient data: they name
//! fields, ids and counts, so the server may log them and show them.

use doorstep_sync::wire::{words, ErrorBody};
use thiserror::Error;

/// Why a hub operation failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HubError {
    /// Administrative input is not acceptable: `field: problem`.
    #[error("{0}")]
    Invalid(String),
    /// The named kind of thing (e.g. `family`, `practitioner`) does not
    /// exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An enrolment code is unknown, expired or used (one answer for all).
    #[error("enrolment code not accepted")]
    EnrolmentRefused,
    /// A token is missing, malformed or unknown.
    #[error("unauthorised")]
    Unauthorised,
    /// A token belongs to a revoked device: only its sync is answered, so
    /// it can send its unsent work before it erases itself.
    #[error("revoked")]
    Revoked,
    /// A token belongs to a device an administrator asked to wipe: it must
    /// erase its data now.
    #[error("revoked, to be wiped")]
    Wiped,
    /// A sync request the hub cannot accept (the codec's reason, a wrong
    /// protocol version, another device's id, a bad upload).
    #[error("bad sync request: {0}")]
    BadRequest(String),
    /// A sync request, or a document in it, is over a size limit.
    #[error("request too large (limit {limit} bytes)")]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
    /// The database stayed busy (lock contention, serialization failures)
    /// after several attempts; nothing was written. Worth retrying.
    #[error("the database is busy; try again")]
    Busy,
    /// The database failed; nothing was acknowledged.
    #[error("storage unavailable: {0}")]
    Storage(String),
    /// Stored data could not be read back (a document that does not load,
    /// a malformed id or time).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl HubError {
    /// The HTTP status and JSON body this error is answered with
    /// (docs/SYNC.md, "HTTP endpoints"). Storage failures and corrupt data
    /// answer alike, without detail.
    pub fn answer(&self) -> (u16, ErrorBody) {
        match self {
            HubError::Unauthorised => (401, ErrorBody::new(words::UNAUTHORISED)),
            HubError::Revoked => (401, ErrorBody::revoked(false)),
            HubError::Wiped => (401, ErrorBody::revoked(true)),
            HubError::EnrolmentRefused => (400, ErrorBody::new(words::CODE_NOT_ACCEPTED)),
            HubError::BadRequest(reason) => (400, ErrorBody::bad_sync_request(reason)),
            HubError::TooLarge { limit } => (413, ErrorBody::too_large(*limit)),
            HubError::Busy => (503, ErrorBody::new(words::BUSY)),
            HubError::Invalid(reason) => (400, ErrorBody::new(reason.clone())),
            HubError::NotFound(_) => (404, ErrorBody::new(words::NOT_FOUND)),
            HubError::Storage(_) | HubError::Corrupt(_) => {
                (500, ErrorBody::new(words::STORAGE_UNAVAILABLE))
            }
        }
    }
}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => HubError::Busy,
            _ => HubError::Storage(e.to_string()),
        }
    }
}

impl From<postgres::Error> for HubError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        match e.code() {
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE => HubError::Busy,
            Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => HubError::Busy,
            Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => HubError::Busy,
            _ => match e.as_db_error() {
                // The server's message without its DETAIL line, which can
                // repeat key values.
                Some(db) => HubError::Storage(format!("{}: {}", db.code().code(), db.message())),
                None => HubError::Storage(e.to_string()),
            },
        }
    }
}

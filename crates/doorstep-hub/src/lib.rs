//! The Doorstep central server's storage and rules, synchronous and without
//! HTTP: one SQL schema on SQLite (a file) or PostgreSQL, administration,
//! enrolment, token authorisation, and answering devices' sync requests
//! (docs/SYNC.md is the contract). The `doorstep-server` binary puts HTTP
//! in front of a [`Hub`]; it calls these methods from blocking threads.
//!
//! - [`db`]: the two backends behind one query interface, with pooling and
//!   transaction retries.
//! - [`schema`]: the embedded migrations.
//! - [`admin`]: teams, practitioners, enrolment codes, allocation,
//!   revocation, the epoch.
//! - [`import`]: birth and antenatal notifications from CSV.
//! - [`enrol`]: enrolment and token authentication.
//! - [`exchange`]: answering a `SyncRequest`.
//! - [`report`]: caseload figures per practitioner and team.
//! - `documents`: family documents, the change sequence and the audit log
//!   in the database (shared by the modules above).

pub mod admin;
pub mod audit_chain;
pub mod db;
mod documents;
pub mod enrol;
mod error;
pub mod exchange;
pub mod import;
mod pg_tls;
pub mod report;
pub mod schema;

use chrono::{DateTime, SecondsFormat, Utc};
pub use doorstep_sync::answering::NOT_IN_CASELOAD;
use doorstep_sync::Limits;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use admin::{
    Device, DeviceAuditLog, DeviceAuditRow, EnrolmentCode, Practitioner, Team, PRACTITIONER_ROLES,
};
pub use db::{Row, Tx, Value};
pub use enrol::{DeviceIdentity, Enrolment};
pub use error::HubError;
pub use exchange::FamilySummary;
pub use import::{ImportReport, ImportedRow, RejectedRow};
pub use report::{CaseloadReport, PractitionerCaseload, TeamCaseload};

/// The device id the server writes under: changes the server itself makes
/// to family documents (notification imports, allocation) carry actor ids
/// made from it by `doorstep_document::author::actor_for`, so every reader
/// can tell them from a laptop's. It is
/// `d0025e7e-5e7e-4e7e-8e7e-000000000001`.
pub const SERVER_DEVICE_ID: Uuid = Uuid::from_u128(0xd002_5e7e_5e7e_4e7e_8e7e_0000_0000_0001);

/// The hub: one database and the rules over it. `Send + Sync`; share it
/// in an `Arc`.
pub struct Hub {
    db: db::Db,
    limits: Limits,
    token_lifetime: chrono::Duration,
    departure_window: chrono::Duration,
    /// Signs the cursors handed out (`meta.cursor_key`).
    cursor_key: String,
}

/// How long a device token lasts without use (each use renews it).
pub const DEFAULT_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::days(90);

/// How long after a family moves a departed practitioner's laptop may
/// still send its work from before the move.
pub const DEFAULT_DEPARTURE_WINDOW: chrono::Duration = chrono::Duration::days(30);

impl Hub {
    /// Opens the database at `url` and brings its schema up to date.
    /// `postgres://…` and `postgresql://…` are PostgreSQL; `sqlite:PATH`,
    /// `sqlite://PATH` or a plain path is a SQLite file (created when
    /// missing).
    pub fn open(url: &str) -> Result<Hub, HubError> {
        let db = db::Db::open(url)?;
        schema::migrate(&db)?;
        let cursor_key = db.read(|tx| {
            tx.query_one("SELECT value FROM meta WHERE key = 'cursor_key'", &[])?
                .text(0)
        })?;
        Ok(Hub {
            cursor_key,
            db,
            limits: Limits::default(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            departure_window: DEFAULT_DEPARTURE_WINDOW,
        })
    }

    /// The same hub taking a departed practitioner's work from before a
    /// move for `window` after it (then it is refused like anyone's).
    pub fn with_departure_window(mut self, window: chrono::Duration) -> Hub {
        self.departure_window = window;
        self
    }

    /// The same hub with device tokens lasting `lifetime` without use: a
    /// token unused for longer is refused like an unknown one, so the
    /// laptop is enrolled again (it erases nothing).
    pub fn with_token_lifetime(mut self, lifetime: chrono::Duration) -> Hub {
        self.token_lifetime = lifetime;
        self
    }

    /// The same hub with other limits for sync requests and replies.
    pub fn with_limits(mut self, limits: Limits) -> Hub {
        self.limits = limits;
        self
    }

    /// The same hub with another cap on the messages in one sync response
    /// (default [`Limits::docs_per_body`]; at least 1).
    pub fn with_max_messages(mut self, max: usize) -> Hub {
        self.limits.docs_per_body = max.max(1);
        self
    }

    /// The limits applied to sync requests and replies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Which database engine the hub uses.
    pub fn engine(&self) -> db::Engine {
        self.db.engine()
    }

    /// Audits a request the HTTP layer refused before it reached the hub
    /// (a rate limit): `actor` is the device or address, `detail` says
    /// what was refused. Never a record's content.
    pub fn audit_refusal(
        &self,
        actor: &str,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), HubError> {
        self.db
            .transaction(|tx| documents::audit(tx, now, actor, action, None, detail))
    }

    /// Runs `f` in one database transaction (again if the database was
    /// busy). For administration tools and tests; the hub's rules live in
    /// the other methods.
    pub fn transaction<T>(
        &self,
        f: impl FnMut(&mut dyn Tx) -> Result<T, HubError>,
    ) -> Result<T, HubError> {
        self.db.transaction(f)
    }
}

/// An instant as stored: RFC 3339 UTC with milliseconds, so text order is
/// time order.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads an instant written by [`stamp`].
pub(crate) fn parse_stamp(s: &str) -> Result<DateTime<Utc>, HubError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| HubError::Corrupt("a stored time is not RFC 3339".into()))
}

/// SHA-256 of `text`, lower-case hex.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A new random epoch id (32 hex digits).
pub(crate) fn random_epoch() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Hub>();
    }

    #[test]
    fn the_server_device_id_is_the_documented_one() {
        assert_eq!(
            SERVER_DEVICE_ID.to_string(),
            "d0025e7e-5e7e-4e7e-8e7e-000000000001"
        );
    }

    #[test]
    fn stamps_sort_as_times() {
        let a = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap();
        let b = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5Z").unwrap();
        let (a, b) = (stamp(a.with_timezone(&Utc)), stamp(b.with_timezone(&Utc)));
        assert!(a < b);
        assert_eq!(a, "2026-01-02T03:04:05.000Z");
        assert!(parse_stamp(&a).is_ok());
    }
}

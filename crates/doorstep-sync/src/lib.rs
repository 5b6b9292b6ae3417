//! The Doorstep sync protocol, sans IO: everything both sides of the
//! exchange must agree on, written once. No IO, no async, no SQL, no HTTP:
//! the device (`doorstep-core`) and the server (`doorstep-hub`) are drivers
//! that load, store and send what these machines decide.
//!
//! - [`protocol`]: the request and response, as plain data.
//! - [`audit`]: the laptop's audit rows as the exchange carries them, and
//!   whether they continue what the server holds.
//! - [`codec`]: their compact, hostile-input-safe binary encoding.
//! - [`chunks`]: how far embedded Automerge chunks inflate, measured
//!   before Automerge builds them.
//! - [`limits`]: the one set of size limits and body budgets.
//! - [`wire`]: the HTTP contract: paths, media type, enrolment, error bodies.
//! - [`session`]: one document's Automerge sync state ([`session::DocSync`]).
//! - [`answering`]: the server's answering machine.
//! - [`round_trips`]: the device's round-trip machine.
//! - [`report`]: what a sync did and where a running one is.

pub mod answering;
pub mod audit;
pub mod chunks;
pub mod codec;
pub mod limits;
pub mod protocol;
pub mod report;
pub mod round_trips;
pub mod session;
pub mod wire;

pub use limits::Limits;
pub use report::{SyncPhase, SyncProgress, SyncReport};

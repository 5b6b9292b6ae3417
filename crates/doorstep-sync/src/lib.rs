//! Sans-IO sync protocol for Doorstep family documents: the wire messages and
//! their codec, and the per-document Automerge sync driver; no IO, no async,
//! no SQL.
//!
//! - [`protocol`]: the request and response exchanged between a device and
//!   the server, as plain data.
//! - [`codec`]: a compact, hostile-input-safe binary encoding of them.
//! - [`session`]: the per-document Automerge sync state machine used by both
//!   the device and the server.

pub mod codec;
pub mod protocol;
pub mod session;

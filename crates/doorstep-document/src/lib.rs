//! The family document format, shared by the device store and the server:
//! one Automerge document per family.
//!
//! - [`json`]: applying domain edits to a document and reading it back as
//!   JSON (the winning value of each key).
//! - [`record`]: the typed family record read from a document.
//! - [`author`]: who wrote a change: the device is in the actor id, the
//!   practitioner and the action in the commit message.
//! - [`conflicts`]: keys holding concurrent values after a merge, with who
//!   wrote each value, when and on which device.
//! - [`admission`]: whether a device's changes may be stored: authorship
//!   and the record's rules, checked by the server before it stores them
//!   and by the device before it sends them.

pub mod admission;
pub mod author;
pub mod conflicts;
pub mod json;
pub mod record;

use thiserror::Error;

/// Why a document could not be read or written.
#[derive(Debug, Error)]
pub enum DocumentError {
    /// Automerge refused the bytes or the operation.
    #[error("document: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The document's content does not fit the family model.
    #[error("family document: {0}")]
    Corrupt(String),
}

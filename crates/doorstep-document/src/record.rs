//! The typed family record held by a document.

use automerge::AutoCommit;
use doorstep_domain::record::family::Family;

use crate::{json, DocumentError};

/// Reads the family record from a document.
pub fn family(doc: &AutoCommit) -> Result<Family, DocumentError> {
    serde_json::from_value(json::to_json(doc)).map_err(|e| DocumentError::Corrupt(e.to_string()))
}

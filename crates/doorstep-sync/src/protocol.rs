//! Wire messages of the Doorstep sync protocol, as plain data.
//!
//! A device sends a [`SyncRequest`] holding its [`Cursor`] (the server's
//! change sequence it has seen, in the server's epoch) and Automerge sync
//! messages for the documents it changed; the server answers with a
//! [`SyncResponse`]. See ARCHITECTURE.md §5. The byte encoding lives in
//! [`crate::codec`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{AuditRow, AuditTip};

/// The protocol version a device puts in [`SyncRequest::protocol`].
pub const PROTOCOL_VERSION: u16 = 1;

/// How far a device has followed the server's change sequence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// Where the server is, opaque to the device: the server's epoch id
    /// (it changes when the server is restored from a backup, which
    /// invalidates every sequence number) and, after a `.`, the generation
    /// of the change at `seq` (a random id the server gave that change, so
    /// a restored server that reused the number can tell).
    pub epoch: String,
    /// The server change sequence number the device has seen.
    pub seq: u64,
}

impl Cursor {
    /// The cursor a server hands out: its epoch and the generation of the
    /// change at `seq`.
    pub fn stamped(epoch: &str, generation: &str, seq: u64) -> Cursor {
        Cursor {
            epoch: format!("{epoch}.{generation}"),
            seq,
        }
    }

    /// The server's epoch id.
    pub fn epoch_id(&self) -> &str {
        self.epoch.split_once('.').map_or(&self.epoch, |(e, _)| e)
    }

    /// The generation of the change at `seq`, when the cursor carries one
    /// (a cursor from an older server does not).
    pub fn generation(&self) -> Option<&str> {
        self.epoch.split_once('.').map(|(_, g)| g)
    }

    /// Whether this cursor shows that the server at `epoch`, whose sequence
    /// is now `current` and whose change at `self.seq` has the generation
    /// `ours` (`None` beyond `current`, or unknown), lost changes it had
    /// handed out: restored from a backup, or failed over to a standby that
    /// lagged. In this epoch, a sequence beyond the server's, or a change
    /// of that number that is not the one the device saw. The server then
    /// starts a new epoch (every device compares everything).
    pub fn shows_lost_changes(&self, epoch: &str, current: u64, ours: Option<&str>) -> bool {
        if self.epoch_id() != epoch {
            return false;
        }
        if self.seq > current {
            return true;
        }
        matches!((self.generation(), ours), (Some(seen), Some(ours)) if seen != ours)
    }
}

/// One Automerge sync message about one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    /// The document (family) the message is about.
    pub doc_id: Uuid,
    /// The encoded Automerge sync message.
    pub sync: Vec<u8>,
}

/// A whole saved Automerge document sent by a device: a family created on
/// the device (the server has never seen it), or one that left the caseload
/// and still holds changes the server has not acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocUpload {
    /// The document (family).
    pub doc_id: Uuid,
    /// `AutoCommit::save()` bytes.
    pub doc: Vec<u8>,
}

/// The server's acknowledgement for one document: of the heads the device
/// reported for it in this request (in its sync message or upload), the
/// ones the server now holds durably.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocAck {
    /// The document.
    pub doc_id: Uuid,
    /// Change hashes (32 bytes each) the server has committed.
    pub heads: Vec<[u8; 32]>,
}

/// A device's half of one round trip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The protocol version; [`PROTOCOL_VERSION`] for this crate.
    pub protocol: u16,
    /// The enrolled device sending the request.
    pub device_id: Uuid,
    /// The device's cursor, or `None` before its first successful sync.
    pub cursor: Option<Cursor>,
    /// Sync messages for documents the device changed or is still syncing.
    pub messages: Vec<DocMessage>,
    /// Whole documents: families created on the device, and families
    /// leaving the caseload with unacknowledged changes.
    pub uploads: Vec<DocUpload>,
    /// The device's audit rows after the last one the server acknowledged,
    /// oldest first ([`crate::audit`]).
    pub audit: Vec<AuditRow>,
}

/// A document the server refused to sync, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The refused document.
    pub doc_id: Uuid,
    /// A reason fit to show in `doorstep sync status` (no patient data).
    pub reason: String,
}

/// The server's half of one round trip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// The device's new cursor.
    pub cursor: Cursor,
    /// Sync messages for the device, one per document at most.
    pub messages: Vec<DocMessage>,
    /// Acknowledgements for the documents the request carried.
    pub acks: Vec<DocAck>,
    /// Documents that left the device's caseload.
    pub evicted: Vec<Uuid>,
    /// Documents whose messages the server refused.
    pub rejected: Vec<Rejection>,
    /// The device's cursor named another epoch: it must send heads for all
    /// of its documents.
    pub full_compare: bool,
    /// Another round trip is needed.
    pub more: bool,
    /// The device is revoked: the server took what it sent and offers it
    /// nothing; once nothing of its own is unacknowledged it erases its
    /// data.
    pub revoked: bool,
    /// The last of the device's audit rows the server holds, when the
    /// request carried audit rows.
    pub audit_ack: Option<AuditTip>,
    /// Why the server refused the request's audit rows (they do not
    /// continue what it holds); the request's documents are unaffected.
    pub audit_refused: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_shows_lost_changes_by_number_or_generation() {
        let c = Cursor::stamped("e1", "g7", 10);
        assert_eq!((c.epoch_id(), c.generation()), ("e1", Some("g7")));
        // The same change under the number: nothing lost.
        assert!(!c.shows_lost_changes("e1", 12, Some("g7")));
        // Another change under it, or a number the server never reached.
        assert!(c.shows_lost_changes("e1", 12, Some("g9")));
        assert!(c.shows_lost_changes("e1", 9, None));
        // Another epoch: compared in full anyway, no new one needed.
        assert!(!c.shows_lost_changes("e2", 9, Some("g9")));
        // A cursor from before generations, or a number without one.
        let old = Cursor {
            epoch: "e1".into(),
            seq: 10,
        };
        assert_eq!((old.epoch_id(), old.generation()), ("e1", None));
        assert!(!old.shows_lost_changes("e1", 12, Some("g9")));
        assert!(!c.shows_lost_changes("e1", 12, None));
    }
}

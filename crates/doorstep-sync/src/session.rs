//! Per-document Automerge sync driver shared by the device and the server.
//!
//! One [`DocSync`] holds the sync state for one document and one peer (the
//! device keeps one per document for the server; the server keeps one per
//! document and device). Between syncs the state is persisted with
//! [`DocSync::encode_state`], which keeps only the heads both sides are known
//! to share. [`DocSync::decode_state`] resumes from them *optimistically*:
//! the first message of the next sync already carries every change made
//! since those shared heads, so a day's sync takes one round trip instead of
//! two. If the peer in fact has less (it lost data), Automerge's protocol
//! asks for the rest; if it has more, the extra changes are ignored.

use automerge::sync::{Capability, Have, Message, State, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use thiserror::Error;

/// Why a sync message or a persisted state could not be used.
#[derive(Debug, Error)]
pub enum SyncError {
    /// The bytes are not an Automerge sync message.
    #[error("invalid sync message: {0}")]
    InvalidMessage(#[from] automerge::sync::ReadMessageError),
    /// Automerge refused to apply the message.
    #[error("could not apply sync message: {0}")]
    Apply(#[from] automerge::AutomergeError),
    /// A persisted sync state did not decode.
    #[error("invalid persisted sync state: {0}")]
    InvalidState(#[from] automerge::sync::DecodeStateError),
}

/// The sync state of one document with one peer.
#[derive(Debug, Default)]
pub struct DocSync {
    state: State,
}

impl DocSync {
    /// A state for a peer we know nothing about (it may hold any part of
    /// the document): the first exchange compares heads and Bloom filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A state for a peer known to hold nothing of the document (a first
    /// download, a newly allocated family): the first message carries the
    /// whole document, compressed.
    pub fn for_empty_peer() -> Self {
        let mut state = State::new();
        state.their_heads = Some(Vec::new());
        state.their_need = Some(Vec::new());
        state.their_have = Some(vec![Have::default()]);
        state.their_capabilities = Some(vec![Capability::MessageV1, Capability::MessageV2]);
        Self { state }
    }

    /// The next sync message to send for `doc`, or `None` if there is
    /// nothing to send (the peer is up to date or a reply is awaited).
    pub fn generate(&mut self, doc: &mut AutoCommit) -> Option<Vec<u8>> {
        doc.sync()
            .generate_sync_message(&mut self.state)
            .map(Message::encode)
    }

    /// The next message with its changes left out: what this side holds
    /// and needs, for a peer that may send but not receive (a revoked
    /// device sending its last work).
    pub fn generate_without_changes(&mut self, doc: &mut AutoCommit) -> Option<Vec<u8>> {
        doc.sync()
            .generate_sync_message(&mut self.state)
            .map(|mut m| {
                m.changes = automerge::sync::ChunkList::empty();
                m.encode()
            })
    }

    /// Applies a sync message received from the peer to `doc`.
    pub fn receive(&mut self, doc: &mut AutoCommit, bytes: &[u8]) -> Result<(), SyncError> {
        let message = Message::decode(bytes)?;
        doc.sync().receive_sync_message(&mut self.state, message)?;
        Ok(())
    }

    /// A state for a peer known to hold exactly `heads` (it acknowledged
    /// them, or sent them): the next message carries only later changes.
    pub fn sharing(heads: &[ChangeHash]) -> Self {
        let mut state = State::new();
        state.shared_heads = heads.to_vec();
        state.shared_heads.sort();
        state.shared_heads.dedup();
        Self::resumed(state)
    }

    /// A persisted state if it decodes, else a fresh one (a state that no
    /// longer decodes costs a full comparison, never data).
    pub fn resume(bytes: Option<&[u8]>) -> Self {
        bytes
            .and_then(|b| Self::decode_state(b).ok())
            .unwrap_or_default()
    }

    /// The heads both sides are known to hold.
    pub fn shared_heads(&self) -> &[ChangeHash] {
        &self.state.shared_heads
    }

    /// The state to persist between syncs (the heads known to be shared).
    pub fn encode_state(&self) -> Vec<u8> {
        self.state.encode()
    }

    /// Resumes a state persisted with [`DocSync::encode_state`], assuming
    /// the peer holds exactly the shared heads (see the module comment).
    pub fn decode_state(bytes: &[u8]) -> Result<Self, SyncError> {
        Ok(Self::resumed(State::decode(bytes)?))
    }

    fn resumed(mut state: State) -> Self {
        state.their_need = Some(Vec::new());
        state.their_have = Some(vec![Have {
            last_sync: state.shared_heads.clone(),
            bloom: Default::default(),
        }]);
        Self { state }
    }
}

/// The heads the sender of an encoded sync message reported (its document's
/// heads when it sent the message).
pub fn message_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, SyncError> {
    Ok(Message::decode(bytes)?.heads)
}

/// `heads` sorted, without repeats: heads compare as sets.
pub fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads.dedup();
    heads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_state_round_trips() {
        let (a, b) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
        let s = DocSync::sharing(&[b, a, b]);
        assert_eq!(s.shared_heads(), &[a, b]);
        let back = DocSync::resume(Some(&s.encode_state()));
        assert_eq!(back.shared_heads(), &[a, b]);
        assert!(DocSync::resume(Some(b"not a state"))
            .shared_heads()
            .is_empty());
    }
}

//! Per-document Automerge sync driver shared by the device and the server.
//!
//! One [`DocSync`] holds the sync state for one document and one peer (the
//! device keeps one per document for the server; the server keeps one per
//! document and device). Between syncs the state is persisted with
//! [`DocSync::encode_state`]; decoding it keeps only what both sides are
//! known to share, so an interrupted sync simply starts over.

use automerge::sync::{Message, State, SyncDoc};
use automerge::AutoCommit;
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
    /// A state for a peer we know nothing about.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next sync message to send for `doc`, or `None` if there is
    /// nothing to send (the peer is up to date or a reply is awaited).
    pub fn generate(&mut self, doc: &mut AutoCommit) -> Option<Vec<u8>> {
        doc.sync()
            .generate_sync_message(&mut self.state)
            .map(Message::encode)
    }

    /// Applies a sync message received from the peer to `doc`.
    pub fn receive(&mut self, doc: &mut AutoCommit, bytes: &[u8]) -> Result<(), SyncError> {
        let message = Message::decode(bytes)?;
        doc.sync().receive_sync_message(&mut self.state, message)?;
        Ok(())
    }

    /// The state to persist between syncs (the heads known to be shared).
    pub fn encode_state(&self) -> Vec<u8> {
        self.state.encode()
    }

    /// Restores a state persisted with [`DocSync::encode_state`].
    pub fn decode_state(bytes: &[u8]) -> Result<Self, SyncError> {
        Ok(Self {
            state: State::decode(bytes)?,
        })
    }
}

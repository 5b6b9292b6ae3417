//! Merging the documents a sync response brought into the device's copies.
//!
//! The Automerge work for each family (merging into the stored copy,
//! reading the record, saving the bytes, listing conflicts) runs on a
//! second thread while this one writes the families already prepared, so
//! a first download of a caseload uses both of a laptop's cores. The
//! database is touched only on the calling thread. Every family's writes
//! are SQL only: a document that cannot be read is found before anything
//! of it is written.

use std::sync::mpsc;

use automerge::{AutoCommit, ChangeHash};
use doorstep_document::conflicts::{self, Conflict};
use doorstep_domain::record::family::Family;
use rusqlite::Connection;
use uuid::Uuid;

use crate::sync_state::{audit_merge, upsert_state, write_conflicts, MergeOutcome};
use crate::{heads_text, hydrate, projection, write_document, Actor, Store, StoreError};

/// A family's document after receiving the server's sync message (or a
/// document the server sent whole), with the sync state to store.
pub struct Received<'a> {
    /// The family.
    pub id: Uuid,
    /// The received document, lent for the merge.
    pub doc: &'a mut AutoCommit,
    /// The sync state to store with it.
    pub state: &'a [u8],
}

/// How many prepared families may wait for the writing thread.
const QUEUE: usize = 16;

/// One family made ready to write, away from the database.
enum Prepared {
    /// New to the device: the whole snapshot.
    New {
        family: Box<Family>,
        heads: String,
        snapshot: Vec<u8>,
        conflicts: Vec<Conflict>,
    },
    /// The stored copy gained changes: the merged copy and the new bytes.
    Changed {
        family: Box<Family>,
        stored: Box<AutoCommit>,
        heads: String,
        bytes: Vec<u8>,
        conflicts: Vec<Conflict>,
    },
    /// Nothing new, or an empty document for a family not on the device
    /// (its download has not completed): only the state is stored.
    StateOnly,
}

impl Store {
    /// Merges each received document into the device copy, creating the
    /// family when it is new to the device, and stores its state. Each
    /// family's change bytes, projections, conflicts, audit row
    /// (`sync.merge`) and sync state are written together; outside a
    /// batch all of them are one transaction. A family whose document
    /// cannot be read gets its error in the list and nothing written; a
    /// database failure fails the whole call.
    pub fn merge_synced(
        &mut self,
        received: &mut [Received<'_>],
        who: &Actor<'_>,
    ) -> Result<Vec<Result<MergeOutcome, StoreError>>, StoreError> {
        let stored = received
            .iter()
            .map(|r| Self::load_doc(&self.conn, self.device, r.id))
            .collect::<Result<Vec<_>, _>>()?;
        let steps: Vec<(Uuid, &[u8])> = received.iter().map(|r| (r.id, r.state)).collect();
        let docs: Vec<&mut AutoCommit> = received.iter_mut().map(|r| &mut *r.doc).collect();
        // Inside a batch the batch is the unit that commits or rolls back
        // (an error here ends it), so the merge takes no savepoint of its
        // own: a savepoint makes SQLite copy each page it touches into a
        // sub-journal, which SQLCipher's memory security locks and wipes.
        let outcomes = if self.conn.is_autocommit() {
            let tx = self.conn.savepoint()?;
            let outcomes = prepare_and_write(&tx, &steps, docs, stored, who)?;
            tx.commit()?;
            outcomes
        } else {
            prepare_and_write(&self.conn, &steps, docs, stored, who)?
        };
        for (id, _) in &steps {
            self.docs.remove(id);
            self.records.remove(id);
        }
        Ok(outcomes)
    }
}

/// Prepares the families on a second thread, in order, and writes each
/// on this one as it arrives.
fn prepare_and_write(
    tx: &Connection,
    steps: &[(Uuid, &[u8])],
    docs: Vec<&mut AutoCommit>,
    stored: Vec<Option<AutoCommit>>,
    who: &Actor<'_>,
) -> Result<Vec<Result<MergeOutcome, StoreError>>, StoreError> {
    std::thread::scope(|scope| {
        let (send, prepared) = mpsc::sync_channel(QUEUE);
        let ids: Vec<Uuid> = steps.iter().map(|(id, _)| *id).collect();
        scope.spawn(move || {
            for ((id, doc), stored) in ids.into_iter().zip(docs).zip(stored) {
                // The writer stopped (a database failure): stop too.
                if send.send(prepare(id, doc, stored)).is_err() {
                    break;
                }
            }
        });
        let mut outcomes = Vec::with_capacity(steps.len());
        for ((id, state), p) in steps.iter().zip(prepared) {
            outcomes.push(match p {
                Ok(p) => Ok(write(tx, *id, p, state, who)?),
                Err(e) => Err(e),
            });
        }
        Ok(outcomes)
    })
}

/// The Automerge work for one family: no database.
fn prepare(
    id: Uuid,
    doc: &mut AutoCommit,
    stored: Option<AutoCommit>,
) -> Result<Prepared, StoreError> {
    match stored {
        None if doc.get_heads().is_empty() => Ok(Prepared::StateOnly),
        None => {
            let family = hydrate(doc)?;
            if family.id != id {
                return Err(StoreError::Corrupt(
                    "a received document names another family".into(),
                ));
            }
            Ok(Prepared::New {
                family: Box::new(family),
                heads: heads_text(doc),
                snapshot: doc.save(),
                conflicts: conflicts::list(doc),
            })
        }
        Some(mut stored) => {
            let before: Vec<ChangeHash> = stored.get_heads();
            stored.merge(doc)?;
            if stored.get_heads() == before {
                return Ok(Prepared::StateOnly);
            }
            let family = hydrate(&stored)?;
            Ok(Prepared::Changed {
                family: Box::new(family),
                heads: heads_text(&mut stored),
                bytes: stored.save_after(&before),
                conflicts: conflicts::list(&mut stored),
                stored: Box::new(stored),
            })
        }
    }
}

/// Writes one prepared family: SQL only.
fn write(
    tx: &Connection,
    id: Uuid,
    prepared: Prepared,
    state: &[u8],
    who: &Actor<'_>,
) -> Result<MergeOutcome, StoreError> {
    let mut outcome = MergeOutcome::default();
    match prepared {
        Prepared::New {
            family,
            heads,
            snapshot,
            conflicts,
        } => {
            write_document(tx, id, &heads, &[], || snapshot, true, who.now)?;
            projection::write(tx, &family, who.today)?;
            outcome.conflicts = write_conflicts(tx, id, &conflicts)?;
            audit_merge(tx, id, who)?;
            outcome.created = true;
            outcome.changed = true;
        }
        Prepared::Changed {
            family,
            mut stored,
            heads,
            bytes,
            conflicts,
        } => {
            write_document(tx, id, &heads, &bytes, || stored.save(), false, who.now)?;
            projection::write(tx, &family, who.today)?;
            outcome.conflicts = write_conflicts(tx, id, &conflicts)?;
            audit_merge(tx, id, who)?;
            outcome.changed = true;
        }
        Prepared::StateOnly => {}
    }
    upsert_state(tx, id, state)?;
    tx.execute(
        "UPDATE sync_docs SET known_to_server = 1, evicted_at = NULL WHERE family_id = ?1",
        [id.to_string()],
    )?;
    Ok(outcome)
}

//! The device's round-trip machine (docs/SYNC.md, "Device → server" and
//! "Acknowledgement and eviction on the device"), sans IO: it decides
//! what each request carries and what each response means, and works on
//! the device's copy only through a [`Replica`] the driver implements (the
//! encrypted store on a laptop). The driver sends the bytes:
//!
//! ```text
//! let mut run = RoundTrips::new(device, cursor, families, limits);
//! run.evict_ready(&mut replica)?;
//! while let Some(body) = run.next_request(&mut replica)? {
//!     let answer = post(body)?;               // the network, no replica
//!     let response = run.decode(&answer)?;
//!     run.apply(&mut replica, response)?;     // in one store batch
//!     run.evict_ready(&mut replica)?;
//! }
//! let report = run.finish();
//! ```
//!
//! A family is *pending* while any of its heads is not acknowledged. The
//! device keeps each family's [`DocSync`] in memory for the whole run and
//! gives it to the replica after every round trip (the server answers
//! every message, so re-decoding a state between round trips would loop).

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::{AutoCommit, ChangeHash};
use uuid::Uuid;

use crate::audit::{AuditRow, AuditTip};
use crate::codec::{audit_section_len, decode_response, encode_request, DecodeError};
use crate::limits::{Fill, Limits};
use crate::protocol::{Cursor, DocMessage, DocUpload, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use crate::report::{SyncPhase, SyncProgress, SyncReport};
use crate::session::{sorted, DocSync};

/// Most round trips in one sync; what is left waits for the next sync.
pub const MAX_ROUND_TRIPS: usize = 8;

/// The refusal recorded for a family too large to upload whole.
pub const TOO_LARGE_TO_UPLOAD: &str =
    "too large to send whole (over 4 MiB): ask your administrator";
/// The refusal recorded for a received document the device cannot read.
pub const UNREADABLE: &str = "the server sent a version of this record this device cannot read";

/// A family's sync bookkeeping as the device stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFamily {
    /// The family.
    pub family_id: Uuid,
    /// Whether its document is on the device (a sync row can exist for a
    /// family whose download has not completed).
    pub on_device: bool,
    /// The stored document's heads (empty when not on the device).
    pub heads: Vec<ChangeHash>,
    /// The persisted sync state.
    pub state: Option<Vec<u8>>,
    /// Heads the server acknowledged.
    pub acked_heads: Vec<ChangeHash>,
    /// The server has acknowledged it (in its current epoch).
    pub known_to_server: bool,
    /// It received a server message whose answer has not gone through yet.
    pub answer_owed: bool,
    /// The server evicted it; it leaves once nothing is pending.
    pub evicted: bool,
}

impl StoredFamily {
    /// Whether it holds anything the server has not acknowledged, was
    /// never acknowledged at all, owes the server an answer, or is not yet
    /// fully downloaded.
    pub fn pending(&self) -> bool {
        if !self.on_device {
            return !self.evicted;
        }
        if !self.known_to_server || self.answer_owed {
            return true;
        }
        let sync = DocSync::resume(self.state.as_deref());
        unacknowledged(&self.heads, &self.acked_heads, sync.shared_heads())
    }

    /// Whether it holds this device's own work the server has not
    /// acknowledged (what a revoked device must still send before it
    /// erases; answers owed and downloads not finished do not count).
    pub fn holds_unsent_work(&self) -> bool {
        if !self.on_device {
            return false;
        }
        if !self.known_to_server {
            return true;
        }
        let sync = DocSync::resume(self.state.as_deref());
        unacknowledged(&self.heads, &self.acked_heads, sync.shared_heads())
    }
}

/// Whether `heads` hold anything outside `acked` and `shared`.
fn unacknowledged(heads: &[ChangeHash], acked: &[ChangeHash], shared: &[ChangeHash]) -> bool {
    heads
        .iter()
        .any(|h| !acked.contains(h) && !shared.contains(h))
}

/// A family's document after its server message was received (or the
/// whole document the server sent), lent to [`Replica::merge`].
pub struct Received<'a> {
    /// The family.
    pub id: Uuid,
    /// The document as received.
    pub doc: &'a mut AutoCommit,
    /// The sync state to store with it.
    pub state: &'a [u8],
}

/// What merging a received document into the device's copy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merged {
    /// The family is new on the device.
    Created,
    /// The device's copy gained changes.
    Changed,
    /// Nothing new (the state was still stored).
    Unchanged,
    /// The received record cannot be read here: the device copy is kept
    /// as it was and the refusal shown.
    Unreadable,
}

/// What one response changed besides documents, to store in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundRecord {
    /// Acknowledged heads per family, with a sync state sharing them when
    /// the server holds exactly the device's heads.
    pub acks: Vec<Ack>,
    /// Refusals to show: family and reason.
    pub rejections: Vec<(Uuid, String)>,
    /// Families the server evicted (newly).
    pub evicted: Vec<Uuid>,
    /// Families that now owe the server an answer (true: it sent a message),
    /// or no longer do (false: the answer went and nothing came back).
    pub owed: Vec<(Uuid, bool)>,
    /// Sync states that came without document changes.
    pub states: Vec<(Uuid, Vec<u8>)>,
    /// The new cursor.
    pub cursor: Option<Cursor>,
    /// The last of the device's audit rows the server now holds.
    pub audit_ack: Option<AuditTip>,
    /// Why the server refused the device's audit rows.
    pub audit_refused: Option<String>,
}

/// One family's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The family.
    pub family_id: Uuid,
    /// The heads the server holds of those the device reported.
    pub acked_heads: Vec<ChangeHash>,
    /// A state to store with them (they are exactly the device's heads).
    pub state: Option<Vec<u8>>,
}

/// The device's copy of its families, as the machine sees it.
pub trait Replica {
    /// The driver's error; it stops the run.
    type Error;
    /// A family's document, loaded to sync (with a fresh actor); `None`
    /// when it is not on the device.
    fn load(&mut self, id: Uuid) -> Result<Option<AutoCommit>, Self::Error>;
    /// An empty document, with this device's actor, for a family arriving
    /// from the server.
    fn blank(&mut self) -> AutoCommit;
    /// Merges each received document into the device's copy (creating
    /// the family when new) and stores its state: one result per family,
    /// in order. Each family's writes are one unit; a database failure is
    /// an error.
    fn merge(&mut self, received: &mut [Received<'_>]) -> Result<Vec<Merged>, Self::Error>;
    /// Removes a family that left the caseload, if every head of the
    /// stored copy is in `acknowledged` (checked in the transaction);
    /// whether it was removed.
    fn evict(&mut self, id: Uuid, acknowledged: &[ChangeHash]) -> Result<bool, Self::Error>;
    /// Stores what a response changed besides documents.
    fn record(&mut self, round: &RoundRecord) -> Result<(), Self::Error>;
    /// Sets every family's sync state to `fresh` and forgets acknowledged
    /// heads (the server was restored: compare everything).
    fn reset_states(&mut self, fresh: &[u8]) -> Result<(), Self::Error>;
    /// Checks this device's unsent work in `doc` with the rules the server
    /// applies, before it is sent (ARCHITECTURE.md §9); `server_holds` are
    /// the heads the server is known to hold (empty: none of it).
    /// `Ok(Err(reason))` keeps it back as the server would refuse it.
    fn admit(
        &mut self,
        id: Uuid,
        doc: &mut AutoCommit,
        server_holds: &[ChangeHash],
    ) -> Result<Result<(), String>, Self::Error>;
    /// The device's audit rows after the last one the server acknowledged,
    /// oldest first, at most `limit`.
    fn unacknowledged_audit(&mut self, limit: usize) -> Result<Vec<AuditRow>, Self::Error>;
}

/// One family during a run.
struct Tracked {
    on_device: bool,
    /// The stored heads (used until the document is loaded).
    heads: Vec<ChangeHash>,
    state: Option<Vec<u8>>,
    acked: Vec<ChangeHash>,
    known: bool,
    evicted: bool,
    doc: Option<AutoCommit>,
    sync: Option<DocSync>,
    /// It received a message in the last response and must answer.
    answer: bool,
}

impl Tracked {
    fn stored(f: StoredFamily) -> Tracked {
        Tracked {
            on_device: f.on_device,
            heads: f.heads,
            state: f.state,
            acked: f.acked_heads,
            known: f.known_to_server,
            evicted: f.evicted,
            doc: None,
            sync: None,
            answer: f.answer_owed,
        }
    }

    /// A family the server sent that is not on the device.
    fn incoming() -> Tracked {
        Tracked {
            on_device: false,
            heads: Vec::new(),
            state: None,
            acked: Vec::new(),
            known: true,
            evicted: false,
            doc: None,
            sync: None,
            answer: false,
        }
    }

    /// It received a message and must answer it; `state` is stored.
    fn answered(&mut self, state: Vec<u8>) {
        self.state = Some(state);
        self.known = true;
        self.evicted = false;
        self.answer = true;
    }

    fn sync_state(&mut self) -> &mut DocSync {
        let state = self.state.as_deref();
        self.sync.get_or_insert_with(|| DocSync::resume(state))
    }

    fn heads(&mut self) -> Vec<ChangeHash> {
        match self.doc.as_mut() {
            Some(d) => d.get_heads(),
            None => self.heads.clone(),
        }
    }

    /// The heads the server is known to hold.
    fn acknowledged(&mut self) -> Vec<ChangeHash> {
        let mut out = self.acked.clone();
        out.extend_from_slice(self.sync_state().shared_heads());
        out
    }

    fn pending(&mut self) -> bool {
        if !self.on_device {
            return !self.evicted;
        }
        if !self.known {
            return true;
        }
        let heads = self.heads();
        let acknowledged = self.acknowledged();
        unacknowledged(&heads, &acknowledged, &[])
    }
}

/// The response did not decode.
#[derive(Debug, thiserror::Error)]
#[error("the server's answer could not be read: {0}")]
pub struct InvalidResponse(#[from] pub DecodeError);

/// One run of the sync loop on a device.
pub struct RoundTrips {
    device: Uuid,
    cursor: Option<Cursor>,
    more: bool,
    limits: Limits,
    round: usize,
    families: BTreeMap<Uuid, Tracked>,
    /// Families whose messages the server refused in this run.
    refused: HashSet<Uuid>,
    /// Families whose uploads the server refused in this run.
    upload_refused: HashSet<Uuid>,
    /// Families whose unsent work was checked in this run.
    checked: HashSet<Uuid>,
    /// The heads each upload of the last request held.
    upload_heads: HashMap<Uuid, Vec<ChangeHash>>,
    /// Families the last request carried a sync message for.
    messaged: HashSet<Uuid>,
    sent: HashSet<Uuid>,
    uploaded: HashSet<Uuid>,
    received: HashSet<Uuid>,
    merged: HashSet<Uuid>,
    /// The first and last audit rows the last request carried.
    audit_sent: Option<(u64, u64)>,
    /// The server did not take the audit rows sent (refused, or an older
    /// server): none are sent again in this run.
    audit_stalled: bool,
    /// The server said it holds fewer rows than it had acknowledged; they
    /// are sent again once in this run.
    audit_rewound: bool,
    done: bool,
    report: SyncReport,
}

impl RoundTrips {
    /// A run for `device` from its stored `cursor` and families.
    pub fn new(
        device: Uuid,
        cursor: Option<Cursor>,
        families: impl IntoIterator<Item = StoredFamily>,
        limits: Limits,
    ) -> RoundTrips {
        RoundTrips {
            device,
            cursor,
            more: false,
            limits,
            round: 0,
            families: families
                .into_iter()
                .map(|f| (f.family_id, Tracked::stored(f)))
                .collect(),
            refused: HashSet::new(),
            upload_refused: HashSet::new(),
            checked: HashSet::new(),
            upload_heads: HashMap::new(),
            messaged: HashSet::new(),
            sent: HashSet::new(),
            uploaded: HashSet::new(),
            received: HashSet::new(),
            merged: HashSet::new(),
            audit_sent: None,
            audit_stalled: false,
            audit_rewound: false,
            done: false,
            report: SyncReport::default(),
        }
    }

    /// Progress at `phase` of the current round trip, counting the
    /// families that phase is about.
    pub fn progress(&self, phase: SyncPhase, families: usize) -> SyncProgress {
        SyncProgress {
            phase,
            round_trip: self.round as u32 + 1,
            families: families as u32,
        }
    }

    /// Families known to the run.
    pub fn families(&self) -> usize {
        self.families.len()
    }

    /// Families sent something so far.
    pub fn sent(&self) -> usize {
        self.sent.len()
    }

    /// Whether the family's unsent work passes the server's rules, checked
    /// once a run (a refusal is recorded like the server's); a family with
    /// nothing unsent passes.
    fn admitted<R: Replica>(
        &mut self,
        replica: &mut R,
        id: Uuid,
        upload: bool,
    ) -> Result<bool, R::Error> {
        if !self.checked.insert(id) {
            return Ok(true);
        }
        let Some(f) = self.families.get_mut(&id) else {
            return Ok(true);
        };
        // A family arriving from the server has no work of this device's.
        if !f.on_device || !f.pending() {
            return Ok(true);
        }
        let holds = if upload && !f.known {
            Vec::new()
        } else {
            f.acknowledged()
        };
        let Some(doc) = f.doc.as_mut() else {
            return Ok(true);
        };
        match replica.admit(id, doc, &holds)? {
            Ok(()) => Ok(true),
            Err(reason) => {
                self.report.rejected += 1;
                replica.record(&RoundRecord {
                    rejections: vec![(id, format!("not sent: {reason}"))],
                    ..Default::default()
                })?;
                Ok(false)
            }
        }
    }

    fn load<R: Replica>(&mut self, replica: &mut R, id: Uuid) -> Result<(), R::Error> {
        let f = self.families.entry(id).or_insert_with(Tracked::incoming);
        if f.doc.is_none() {
            f.doc = Some(match replica.load(id)? {
                Some(d) => d,
                None => replica.blank(),
            });
        }
        f.sync_state();
        Ok(())
    }

    /// Removes families the server evicted once the server holds every
    /// change on them.
    pub fn evict_ready<R: Replica>(&mut self, replica: &mut R) -> Result<(), R::Error> {
        let ids: Vec<Uuid> = self
            .families
            .iter()
            .filter(|(_, f)| f.evicted)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            if f.on_device && f.pending() {
                continue;
            }
            let acknowledged = f.acknowledged();
            if replica.evict(id, &acknowledged)? {
                self.families.remove(&id);
                self.report.evicted += 1;
            }
        }
        Ok(())
    }

    /// The next request's body, or `None` when the run is over (nothing
    /// left to send and the server has no more, or the round-trip limit).
    /// Whole documents go for families the server has not acknowledged in
    /// its current epoch and for evicted families still pending; sync
    /// messages for pending families and families that must answer; up to
    /// the [`Limits`] budget.
    pub fn next_request<R: Replica>(
        &mut self,
        replica: &mut R,
    ) -> Result<Option<Vec<u8>>, R::Error> {
        if self.done || self.round >= MAX_ROUND_TRIPS {
            return Ok(None);
        }
        let mut messages = Vec::new();
        let mut uploads = Vec::new();
        self.upload_heads.clear();
        // The audit rows the server has not acknowledged go first; the
        // documents fill what is left of the body.
        let audit = if self.audit_stalled {
            Vec::new()
        } else {
            replica.unacknowledged_audit(self.limits.audit_rows_per_body)?
        };
        self.audit_sent = audit.first().zip(audit.last()).map(|(f, l)| (f.seq, l.seq));
        self.report.audit_rows_sent += audit.len();
        let audit_bytes = audit_section_len(&audit);
        let mut fill = Fill::new(self.limits, audit_bytes);
        let ids: Vec<Uuid> = self.families.keys().copied().collect();
        for id in ids {
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let upload = f.on_device
                && !self.upload_refused.contains(&id)
                && (!f.known || (f.evicted && f.pending()));
            if upload {
                self.load(replica, id)?;
                if !self.admitted(replica, id, true)? {
                    self.upload_refused.insert(id);
                    continue;
                }
                let Some(doc) = self.families.get_mut(&id).and_then(|f| f.doc.as_mut()) else {
                    continue;
                };
                let bytes = doc.save();
                if bytes.len() > self.limits.max_doc_bytes {
                    self.upload_refused.insert(id);
                    replica.record(&RoundRecord {
                        rejections: vec![(id, TOO_LARGE_TO_UPLOAD.into())],
                        ..Default::default()
                    })?;
                    continue;
                }
                if !fill.take_document(&bytes) {
                    break;
                }
                self.upload_heads.insert(id, doc.get_heads());
                uploads.push(DocUpload {
                    doc_id: id,
                    doc: bytes,
                });
                continue;
            }
            if f.evicted || !f.known || self.refused.contains(&id) {
                f.answer = false;
                continue;
            }
            if !(f.answer || f.pending()) {
                continue;
            }
            self.load(replica, id)?;
            if !self.admitted(replica, id, false)? {
                self.refused.insert(id);
                continue;
            }
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let (Some(doc), Some(sync)) = (f.doc.as_mut(), f.sync.as_mut()) else {
                continue;
            };
            if let Some(bytes) = sync.generate(doc) {
                if !fill.take_message(&bytes) {
                    // Sent next time from the state before this message.
                    f.sync = None;
                    break;
                }
                messages.push(DocMessage {
                    doc_id: id,
                    sync: bytes,
                });
            }
            f.answer = false;
        }
        if self.round > 0
            && messages.is_empty()
            && uploads.is_empty()
            && audit.is_empty()
            && !self.more
        {
            self.done = true;
            self.report.complete = true;
            return Ok(None);
        }
        self.messaged = messages.iter().map(|m| m.doc_id).collect();
        for m in &messages {
            self.sent.insert(m.doc_id);
        }
        for u in &uploads {
            self.sent.insert(u.doc_id);
            self.uploaded.insert(u.doc_id);
        }
        let body = encode_request(&SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: self.device,
            cursor: self.cursor.clone(),
            messages,
            uploads,
            audit,
        });
        self.report.bytes_up += body.len() as u64;
        self.report.audit_bytes_up += audit_bytes as u64;
        Ok(Some(body))
    }

    /// Decodes the server's answer to the last request.
    pub fn decode(&mut self, body: &[u8]) -> Result<SyncResponse, InvalidResponse> {
        self.report.round_trips += 1;
        self.report.bytes_down += body.len() as u64;
        Ok(decode_response(body, &self.limits)?)
    }

    /// Applies one response: merges each message into the replica, then
    /// records the acknowledgements, refusals, eviction marks and cursor.
    /// The driver runs it in one store batch (one durable commit).
    pub fn apply<R: Replica>(
        &mut self,
        replica: &mut R,
        resp: SyncResponse,
    ) -> Result<(), R::Error> {
        self.round += 1;
        self.report.revoked |= resp.revoked;
        if resp.full_compare {
            // The server was restored from a backup: every family on the
            // device goes whole again (the replica persists this, so an
            // interrupted sync resumes it); the server merges what it kept
            // and gets back what it lost.
            self.report.full_compare = true;
            let fresh = DocSync::new().encode_state();
            replica.reset_states(&fresh)?;
            for f in self.families.values_mut() {
                f.sync = Some(DocSync::new());
                f.state = Some(fresh.clone());
                f.acked.clear();
                if f.on_device {
                    f.known = false;
                }
            }
        }
        let mut record = RoundRecord::default();
        let mut answered = HashSet::new();
        // Families whose received document changes the device copy, with
        // the state to store: merged together once every message is read.
        let mut to_merge: Vec<(Uuid, Vec<u8>)> = Vec::new();
        for m in resp.messages {
            let id = m.doc_id;
            self.received.insert(id);
            self.load(replica, id)?;
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let (Some(doc), Some(sync)) = (f.doc.as_mut(), f.sync.as_mut()) else {
                continue;
            };
            let before = doc.get_heads();
            if sync.receive(doc, &m.sync).is_err() {
                // Start this family's exchange afresh, from the stored copy.
                f.doc = None;
                f.sync = Some(DocSync::new());
                f.answer = true;
                answered.insert(id);
                record.owed.push((id, true));
                to_merge.retain(|(m, _)| *m != id);
                continue;
            }
            let state = sync.encode_state();
            let changed = doc.get_heads() != before;
            if let Some((_, waiting)) = to_merge.iter_mut().find(|(m, _)| *m == id) {
                *waiting = state;
            } else if changed || !f.on_device {
                // An earlier message in this response may have settled it
                // unchanged: the merge stores the newer state instead.
                record.states.retain(|(s, _)| *s != id);
                record.owed.retain(|(o, _)| *o != id);
                to_merge.push((id, state));
            } else {
                record.states.push((id, state.clone()));
                f.answered(state);
                answered.insert(id);
                record.owed.push((id, true));
            }
        }
        let mut lent: Vec<(Uuid, AutoCommit, Vec<u8>)> = to_merge
            .into_iter()
            .filter_map(|(id, state)| {
                let doc = self.families.get_mut(&id)?.doc.take()?;
                Some((id, doc, state))
            })
            .collect();
        let merged = if lent.is_empty() {
            Vec::new()
        } else {
            let mut received: Vec<Received<'_>> = lent
                .iter_mut()
                .map(|(id, doc, state)| Received {
                    id: *id,
                    doc,
                    state,
                })
                .collect();
            replica.merge(&mut received)?
        };
        for ((id, doc, state), merged) in lent.into_iter().zip(merged) {
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            match merged {
                Merged::Unreadable => {
                    f.sync = None;
                    self.refused.insert(id);
                    record.rejections.push((id, UNREADABLE.into()));
                    continue;
                }
                Merged::Created => {
                    self.report.downloaded += 1;
                    self.merged.insert(id);
                    f.on_device = true;
                }
                Merged::Changed => {
                    self.merged.insert(id);
                }
                Merged::Unchanged => {}
            }
            f.doc = Some(doc);
            f.answered(state);
            answered.insert(id);
            record.owed.push((id, true));
        }
        // An answer that went through and brought nothing back: settled.
        for id in std::mem::take(&mut self.messaged) {
            if !answered.contains(&id) {
                record.owed.push((id, false));
            }
        }
        for ack in resp.acks {
            let id = ack.doc_id;
            let Some(f) = self.families.get_mut(&id) else {
                continue;
            };
            let heads: Vec<ChangeHash> = ack.heads.iter().map(|h| ChangeHash(*h)).collect();
            let shared = match (self.upload_heads.get(&id), f.doc.as_mut()) {
                _ if answered.contains(&id) => false,
                (Some(uploaded), _) => uploaded.iter().all(|h| heads.contains(h)),
                // A message the server did not answer: it holds exactly
                // this device's heads (it leaves its reply out then, or
                // offers the family again below the new cursor).
                (None, Some(doc)) => sorted(doc.get_heads()) == sorted(heads.clone()),
                (None, None) => false,
            };
            let mut state = None;
            if shared {
                let s = DocSync::sharing(&heads);
                let bytes = s.encode_state();
                f.sync = Some(s);
                f.state = Some(bytes.clone());
                state = Some(bytes);
            }
            f.acked = heads.clone();
            f.known = true;
            record.acks.push(Ack {
                family_id: id,
                acked_heads: heads,
                state,
            });
        }
        for r in resp.rejected {
            if self.upload_heads.contains_key(&r.doc_id) {
                self.upload_refused.insert(r.doc_id);
            } else {
                self.refused.insert(r.doc_id);
            }
            self.report.rejected += 1;
            record.rejections.push((r.doc_id, r.reason));
        }
        for id in resp.evicted {
            if let Some(f) = self.families.get_mut(&id) {
                if !f.evicted {
                    f.evicted = true;
                    record.evicted.push(id);
                }
            }
        }
        // The audit rows: taken up to the acknowledged tip, or refused.
        // A server that holds fewer rows than it once acknowledged (it was
        // restored from a backup) gets them again from its tip; otherwise
        // rows it did not take are not sent again in this run.
        let mut refused = resp.audit_refused;
        if let Some((first, last)) = self.audit_sent.take() {
            let held = resp.audit_ack.as_ref().map(|t| t.seq);
            let behind = !self.audit_rewound && held.is_some_and(|h| h.saturating_add(1) < first);
            self.audit_rewound |= behind;
            let taken = held.is_some_and(|h| h >= last) && refused.is_none();
            if behind {
                refused = None;
            }
            self.audit_stalled |= !(taken || behind);
        }
        if let Some(reason) = &refused {
            self.report.audit_refused = Some(reason.clone());
        }
        record.audit_ack = resp.audit_ack;
        record.audit_refused = refused;
        record.cursor = Some(resp.cursor.clone());
        replica.record(&record)?;
        self.cursor = Some(resp.cursor);
        self.more = resp.more;
        Ok(())
    }

    /// The run's report. `complete` is false when the round-trip limit
    /// stopped it with work left; `conflicts` and `pending` are the
    /// driver's to fill from its store.
    pub fn finish(mut self) -> SyncReport {
        if !self.done {
            let mut left = self.more;
            for (id, f) in self.families.iter_mut() {
                let refused = self.refused.contains(id) || self.upload_refused.contains(id);
                left |= f.answer || (!refused && f.pending());
            }
            self.report.complete = !left;
        }
        let mut report = self.report;
        report.sent = self.sent.len();
        report.uploaded = self.uploaded.len();
        report.received = self.received.len();
        report.merged = self.merged.len();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgement_covers_heads() {
        let (a, b) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
        assert!(!unacknowledged(&[a], &[a], &[]));
        assert!(!unacknowledged(&[a, b], &[a], &[b]));
        assert!(unacknowledged(&[a, b], &[a], &[]));
    }
}

//! The server's answering machine (docs/SYNC.md, "Server → device", steps
//! 4 to 9), sans IO: it takes the request, the families the request
//! touches as the server holds them, this device's stored sync states and
//! the caseload's changed families, and returns the documents to store,
//! the states to keep, what to audit and the response. The hub drives it
//! inside one database transaction:
//!
//! 1. [`Answering::new`] with the request, the server's epoch and sequence;
//!    if [`Answering::full_compare`], forget the device's stored states;
//! 2. lock [`Answering::touched`] in id order and pass each as a [`Held`]
//!    to [`Answering::receive`] with the stored states (steps 4 and 5, and
//!    the replies to the device's own messages);
//! 3. pass the caseload's families changed since [`Answering::since`] to
//!    [`Answering::offer`], load the ones it picks and [`Answering::push`]
//!    each (step 6), and the departures since then to
//!    [`Answering::evict`] (step 7);
//! 4. with the device's stored audit tip, [`Answering::audit`]: the audit
//!    rows to store, or why they are refused;
//! 5. [`Answering::finish`]: the changed documents (store them under one
//!    new sequence number), the states, the refusals, and
//!    [`Answer::response`] once the sequence is known (steps 8 and 9).
//!
//! Every message in a reply counts against the [`Limits`] body budget and
//! document count; what does not fit waits for the next round trip, `more`
//! is set and the cursor stays below the first family left out, so it is
//! offered again (a reply to the device's own message included).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::{AutoCommit, ChangeHash};
use thiserror::Error;
use uuid::Uuid;

use crate::audit::{self, AuditRefusal, AuditRow, AuditTip};
use crate::limits::{Fill, Limits};
use crate::protocol::{Cursor, DocAck, DocMessage, Rejection, SyncRequest, SyncResponse};
use crate::session::{message_heads, sorted, DocSync};

/// The reason given for every refused message or upload, whether the
/// family is another practitioner's or does not exist.
pub const NOT_IN_CASELOAD: &str = "not in your caseload";

/// A request the machine cannot answer: the whole request is refused and
/// nothing is stored.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// A sync message did not apply to the family's document.
    #[error("the sync message for {0} could not be applied")]
    BadMessage(Uuid),
    /// An upload could not be merged.
    #[error("the upload of {0} could not be merged")]
    BadUpload(Uuid),
    /// A family was touched but the driver did not say how it is held.
    #[error("family {0} was not looked up")]
    NotLookedUp(Uuid),
}

/// The server's rules for what a family document may become, checked
/// after a device's message or upload is merged into a copy and before
/// anything is stored or acknowledged (ARCHITECTURE.md §9). The driver
/// implements them with the record's rules and the enrolment; a refusal
/// refuses the whole message or upload, and the device keeps its work.
pub trait Admission {
    /// Ok when `after` (the family with the device's changes merged in)
    /// may replace `before` (the server's copy; `None` for a family new to
    /// the server); else the reason to show the device, with no patient
    /// data in it.
    fn admit(
        &self,
        id: Uuid,
        before: Option<&mut AutoCommit>,
        after: &mut AutoCommit,
    ) -> Result<(), String>;
}

/// A whole document a device uploaded, already loaded and checked by the
/// driver (it is a family document with this id).
pub struct Upload {
    /// The family.
    pub doc_id: Uuid,
    /// The uploaded document.
    pub doc: AutoCommit,
}

/// How the server holds a family the request touches, for the requesting
/// practitioner.
pub enum Held {
    /// In the caseload: its stored document and the sequence number of its
    /// last change.
    Mine(AutoCommit, u64),
    /// Someone else's now, but it left this practitioner's caseload (an
    /// upload of it is merged, so offline work is never lost). The stored
    /// document when the request uploads it.
    Departed(Option<AutoCommit>),
    /// Someone else's.
    Elsewhere,
    /// No such family.
    Unknown,
}

/// What was refused, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A sync message.
    Message,
    /// A whole-document upload.
    Upload,
}

impl Refused {
    /// The word the audit log uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::Message => "message",
            Refused::Upload => "upload",
        }
    }
}

/// One family document being worked on in this request.
struct Work {
    doc: AutoCommit,
    /// Heads when loaded (empty for a family created by this request).
    before: Vec<ChangeHash>,
    created: bool,
    /// The sequence number of its last change before this request.
    seq: u64,
    /// Uploaded by a practitioner it departed from: merged, not synced.
    departed: bool,
    /// The device sent sync messages for it.
    messaged: bool,
    /// Heads of the uploaded document, if it was uploaded.
    upload_heads: Option<Vec<ChangeHash>>,
    /// Heads the device reported, to acknowledge.
    reported: Vec<ChangeHash>,
    sync: Option<DocSync>,
    /// A message or upload for it broke the rules: nothing of this
    /// request's is kept, acknowledged or answered for it.
    refused: bool,
}

impl Work {
    /// A family loaded with the sequence number of its last change, or
    /// created by this request (`None`).
    fn new(mut doc: AutoCommit, seq: Option<u64>) -> Work {
        let before = doc.get_heads();
        Work {
            doc,
            before,
            created: seq.is_none(),
            seq: seq.unwrap_or(0),
            departed: false,
            messaged: false,
            upload_heads: None,
            reported: Vec::new(),
            sync: None,
            refused: false,
        }
    }
}

/// A changed family document to store.
pub struct Changed {
    /// The family.
    pub id: Uuid,
    /// Its document after this request.
    pub doc: AutoCommit,
    /// Its heads before (empty when created).
    pub before: Vec<ChangeHash>,
    /// New: the device uploaded a family the server never had.
    pub created: bool,
}

/// Puts a family the request touches into `work` (if it is not there
/// already) as the driver says it is held; false when it is refused. A
/// message is taken up only for a family in the caseload; an upload also
/// creates an unknown family and merges into a departed one.
fn take_up(
    work: &mut BTreeMap<Uuid, Work>,
    held: &mut BTreeMap<Uuid, Held>,
    id: Uuid,
    what: Refused,
) -> Result<bool, AnswerError> {
    let Entry::Vacant(slot) = work.entry(id) else {
        return Ok(true);
    };
    let upload = what == Refused::Upload;
    let w = match held.remove(&id) {
        Some(Held::Mine(doc, seq)) => Work::new(doc, Some(seq)),
        Some(Held::Unknown) if upload => {
            held.insert(id, Held::Unknown);
            Work::new(AutoCommit::new(), None)
        }
        Some(Held::Departed(Some(doc))) if upload => {
            let mut w = Work::new(doc, Some(0));
            w.departed = true;
            w
        }
        Some(other) => {
            held.insert(id, other);
            return Ok(false);
        }
        None => return Err(AnswerError::NotLookedUp(id)),
    };
    slot.insert(w);
    Ok(true)
}

/// Checks what a message or upload added to a family's document (its heads
/// were `before`) with the driver's rules; nothing added, nothing to
/// check. On refusal the document is put back as it was and the reason
/// returned (`None`: the earlier state could not be rebuilt).
fn admit(
    rules: &dyn Admission,
    id: Uuid,
    w: &mut Work,
    before: &[ChangeHash],
) -> Result<(), Option<String>> {
    if sorted(w.doc.get_heads()) == sorted(before.to_vec()) {
        return Ok(());
    }
    let mut prior = if w.created && before.is_empty() {
        None
    } else {
        Some(w.doc.fork_at(before).map_err(|_| None)?)
    };
    match rules.admit(id, prior.as_mut(), &mut w.doc) {
        Ok(()) => Ok(()),
        Err(reason) => {
            w.doc = prior.unwrap_or_default();
            Err(Some(reason))
        }
    }
}

/// Marks a family's work refused: the document is the server's again (the
/// caller restored it), and nothing of this request is kept, acknowledged
/// or answered for it.
fn refuse(w: &mut Work) {
    w.refused = true;
    w.sync = None;
    w.messaged = false;
    w.upload_heads = None;
    w.reported.clear();
}

/// The answering machine for one request.
pub struct Answering {
    request: SyncRequest,
    uploads: Vec<Upload>,
    epoch: String,
    current: u64,
    full_compare: bool,
    since: Option<u64>,
    limits: Limits,
    work: BTreeMap<Uuid, Work>,
    rejected: Vec<(Uuid, Refused, String)>,
    evicted: BTreeSet<Uuid>,
    messages: Vec<DocMessage>,
    /// The reply being filled.
    fill: Fill,
    /// Candidates offered, with their sequence, in order.
    offered: Vec<(Uuid, u64)>,
    pushed_states: Vec<(Uuid, Vec<u8>)>,
    first_unsent: Option<u64>,
    states: HashMap<Uuid, Vec<u8>>,
    /// The device is revoked: offered nothing, told so.
    revoked: bool,
    /// The audit tip to acknowledge, and why the request's rows were
    /// refused, once [`Answering::audit`] has run on rows.
    audit: Option<(AuditTip, Option<String>)>,
}

impl Answering {
    /// Takes the request's audit rows against `tip`, the last of the
    /// device's rows the server holds: the rows to store (append-only,
    /// oldest first), or why they do not continue it
    /// ([`crate::audit::extend`]). The response acknowledges the tip they
    /// leave, or the unchanged tip with the refusal; a request without
    /// rows gets neither.
    pub fn audit(&mut self, tip: &AuditTip) -> Result<Vec<AuditRow>, AuditRefusal> {
        if self.request.audit.is_empty() {
            return Ok(Vec::new());
        }
        match audit::extend(tip, &self.request.audit) {
            Ok(e) => {
                self.audit = Some((e.tip, None));
                Ok(e.new.to_vec())
            }
            Err(refusal) => {
                self.audit = Some((tip.clone(), Some(refusal.to_string())));
                Err(refusal)
            }
        }
    }

    /// The device is revoked (not to be wiped): its messages and uploads
    /// are taken as any device's, but it is offered no family and evicts
    /// none, and the response says it is revoked so that it erases once
    /// its work is acknowledged.
    pub fn revoked(&mut self) {
        self.revoked = true;
    }

    /// Starts answering `request` (already decoded, its protocol version
    /// and device checked; its uploads loaded and checked by the driver)
    /// for a server at `epoch` whose change sequence is `current`.
    pub fn new(
        mut request: SyncRequest,
        uploads: Vec<Upload>,
        epoch: String,
        current: u64,
        limits: Limits,
    ) -> Answering {
        request.uploads.clear();
        // A cursor from another epoch, or beyond the sequence (a restored
        // backup): compare everything.
        let full_compare = request
            .cursor
            .as_ref()
            .is_some_and(|c| c.epoch_id() != epoch || c.seq > current);
        let since = match &request.cursor {
            Some(c) if !full_compare => Some(c.seq),
            _ => None,
        };
        Answering {
            request,
            uploads,
            epoch,
            current,
            full_compare,
            since,
            limits,
            work: BTreeMap::new(),
            rejected: Vec::new(),
            evicted: BTreeSet::new(),
            messages: Vec::new(),
            fill: Fill::new(limits, 0),
            offered: Vec::new(),
            pushed_states: Vec::new(),
            first_unsent: None,
            revoked: false,
            states: HashMap::new(),
            audit: None,
        }
    }

    /// The device's cursor names another epoch or a sequence beyond the
    /// server's: the driver forgets the device's stored sync states, and
    /// every family is compared.
    pub fn full_compare(&self) -> bool {
        self.full_compare
    }

    /// The sequence after which changed families and departures are sent
    /// (`None`: all of them).
    pub fn since(&self) -> Option<u64> {
        self.since
    }

    /// The families the request's messages and uploads touch, in id order
    /// (the order to lock them in).
    pub fn touched(&self) -> BTreeSet<Uuid> {
        self.request
            .messages
            .iter()
            .map(|m| m.doc_id)
            .chain(self.uploads.iter().map(|u| u.doc_id))
            .collect()
    }

    /// Whether the request uploads `id` (the driver loads a departed
    /// family's document only then).
    pub fn uploads(&self, id: Uuid) -> bool {
        self.uploads.iter().any(|u| u.doc_id == id)
    }

    /// Steps 4 and 5 and the replies: applies the messages to the
    /// families in the caseload, merges the uploads, and replies to every
    /// family the device messaged and every uploaded family the server
    /// holds more of. `held` says how each touched family is held; `states`
    /// are this device's stored sync states.
    pub fn receive(
        &mut self,
        mut held: BTreeMap<Uuid, Held>,
        states: HashMap<Uuid, Vec<u8>>,
        rules: &dyn Admission,
    ) -> Result<(), AnswerError> {
        self.states = states;
        let messages = std::mem::take(&mut self.request.messages);
        // Step 4: messages for families in the caseload.
        for m in &messages {
            if !take_up(&mut self.work, &mut held, m.doc_id, Refused::Message)? {
                self.rejected
                    .push((m.doc_id, Refused::Message, NOT_IN_CASELOAD.into()));
                continue;
            }
            let states = &self.states;
            let Some(w) = self.work.get_mut(&m.doc_id) else {
                continue;
            };
            if w.refused {
                continue;
            }
            let heads = w.doc.get_heads();
            let sync = w
                .sync
                .get_or_insert_with(|| DocSync::resume(states.get(&m.doc_id).map(Vec::as_slice)));
            sync.receive(&mut w.doc, &m.sync)
                .map_err(|_| AnswerError::BadMessage(m.doc_id))?;
            if let Err(reason) = admit(rules, m.doc_id, w, &heads) {
                let reason = reason.ok_or(AnswerError::BadMessage(m.doc_id))?;
                refuse(w);
                self.rejected.push((m.doc_id, Refused::Message, reason));
                continue;
            }
            w.messaged = true;
            w.reported
                .extend(message_heads(&m.sync).unwrap_or_default());
        }
        self.request.messages = messages;

        // Step 5: uploads.
        let uploads = std::mem::take(&mut self.uploads);
        for mut u in uploads {
            let id = u.doc_id;
            let heads = u.doc.get_heads();
            if !take_up(&mut self.work, &mut held, id, Refused::Upload)? {
                self.rejected
                    .push((id, Refused::Upload, NOT_IN_CASELOAD.into()));
                continue;
            }
            let Some(w) = self.work.get_mut(&id) else {
                continue;
            };
            if w.refused {
                continue;
            }
            let before = w.doc.get_heads();
            w.doc
                .merge(&mut u.doc)
                .map_err(|_| AnswerError::BadUpload(id))?;
            if let Err(reason) = admit(rules, id, w, &before) {
                let reason = reason.ok_or(AnswerError::BadUpload(id))?;
                refuse(w);
                self.rejected.push((id, Refused::Upload, reason));
                continue;
            }
            if w.departed {
                self.evicted.insert(id);
            }
            w.upload_heads
                .get_or_insert_with(Vec::new)
                .extend(heads.iter().copied());
            w.reported.extend(heads);
        }

        // Replies: to every family the device sent messages for, and to an
        // uploaded family when the server holds more than the upload.
        let mut replies = Vec::new();
        for (id, w) in self.work.iter_mut() {
            if w.departed || w.refused {
                continue;
            }
            let server_has_more = match &w.upload_heads {
                Some(h) => sorted(h.clone()) != sorted(w.doc.get_heads()),
                None => false,
            };
            if w.sync.is_none() {
                w.sync = Some(match &w.upload_heads {
                    Some(h) => DocSync::sharing(h),
                    None => DocSync::new(),
                });
            }
            // The device's message brought the server exactly to the
            // device's heads: the acknowledgement says so, and a reply
            // would only repeat the heads. Both sides now share them.
            let in_step = w.messaged
                && w.upload_heads.is_none()
                && !w.reported.is_empty()
                && sorted(w.reported.clone()) == sorted(w.doc.get_heads());
            if in_step {
                w.sync = Some(DocSync::sharing(&w.doc.get_heads()));
                continue;
            }
            if w.messaged || server_has_more {
                // A revoked device is told what the server holds and
                // needs, never sent the records themselves.
                let revoked = self.revoked;
                let reply = w.sync.as_mut().and_then(|s| {
                    if revoked {
                        s.generate_without_changes(&mut w.doc)
                    } else {
                        s.generate(&mut w.doc)
                    }
                });
                if let Some(sync) = reply {
                    replies.push(DocMessage { doc_id: *id, sync });
                }
            }
        }
        for m in replies {
            if self.fill.take_message(&m.sync) {
                self.messages.push(m);
            } else if let Some(w) = self.work.get_mut(&m.doc_id) {
                // Left for the next round trip: the cursor stays below this
                // family, so it is offered again (step 6) from the state
                // stored before this request.
                w.sync = None;
                self.first_unsent = Some(self.first_unsent.map_or(w.seq, |s| s.min(w.seq)));
            }
        }
        Ok(())
    }

    /// Step 6, choosing: of the caseload's families changed since
    /// [`Answering::since`], as `(id, seq)` in sequence order, the ones to
    /// load and [`Answering::push`], in that order. Families worked on
    /// already are left out; so is everything once the reply is full.
    pub fn offer(&mut self, candidates: &[(Uuid, u64)]) -> Vec<Uuid> {
        let mut out = Vec::new();
        if self.revoked {
            return out;
        }
        for (id, seq) in candidates {
            if self.work.contains_key(id) {
                continue;
            }
            if self.messages.len() + out.len() >= self.limits.docs_per_body {
                self.first_unsent = Some(*seq);
                break;
            }
            self.offered.push((*id, *seq));
            out.push(*id);
        }
        out
    }

    /// Step 6, sending: a message from this device's stored state for an
    /// offered family (`doc` is its stored document). A family the device
    /// never had gets the whole document in one message. Once the reply
    /// is full, this and every later offered family wait for the next
    /// round trip.
    pub fn push(&mut self, id: Uuid, mut doc: AutoCommit) {
        let Some(seq) = self.offered.iter().find(|(o, _)| *o == id).map(|(_, s)| *s) else {
            return;
        };
        if self.first_unsent.is_some_and(|s| s <= seq) {
            return;
        }
        let mut sync = match self.states.get(&id) {
            Some(bytes) => DocSync::resume(Some(bytes)),
            // The device may hold any part of it (it is re-comparing).
            None if self.full_compare => DocSync::new(),
            // Never had it: the whole document travels in one message.
            None => DocSync::for_empty_peer(),
        };
        if let Some(m) = sync.generate(&mut doc) {
            if !self.fill.take_message(&m) {
                self.first_unsent = Some(self.first_unsent.map_or(seq, |s| s.min(seq)));
                return;
            }
            self.messages.push(DocMessage {
                doc_id: id,
                sync: m,
            });
        }
        self.pushed_states.push((id, sync.encode_state()));
    }

    /// Step 7: families that left this practitioner's caseload since
    /// [`Answering::since`].
    pub fn evict(&mut self, departed: impl IntoIterator<Item = Uuid>) {
        if self.revoked {
            return;
        }
        self.evicted.extend(departed);
    }

    /// Steps 8 and 9: what to store, and the response once the driver
    /// knows the new sequence number.
    pub fn finish(mut self) -> Answer {
        // Step 8: what the server now holds of what the device reported.
        let mut acks = Vec::new();
        for (id, w) in self.work.iter_mut() {
            if w.refused {
                continue;
            }
            let reported = sorted(std::mem::take(&mut w.reported));
            let heads: Vec<[u8; 32]> = reported
                .iter()
                .filter(|h| w.doc.get_change_by_hash(h).is_some())
                .map(|h| h.0)
                .collect();
            if !heads.is_empty() {
                acks.push(DocAck { doc_id: *id, heads });
            }
        }
        // One sync state per family (a family is either worked on or
        // pushed).
        let mut states: BTreeMap<Uuid, Vec<u8>> = BTreeMap::new();
        for (id, w) in &self.work {
            if w.departed || w.refused {
                continue;
            }
            if let Some(sync) = &w.sync {
                states.insert(*id, sync.encode_state());
            }
        }
        states.extend(self.pushed_states);
        let departed_uploads: Vec<Uuid> = self
            .work
            .iter()
            .filter(|(_, w)| w.departed && !w.refused)
            .map(|(id, _)| *id)
            .collect();
        let mut changed = Vec::new();
        for (id, mut w) in self.work {
            if w.refused {
                continue;
            }
            if w.created || sorted(w.doc.get_heads()) != sorted(w.before.clone()) {
                changed.push(Changed {
                    id,
                    doc: w.doc,
                    before: w.before,
                    created: w.created,
                });
            }
        }
        let mut rejected: Vec<(Uuid, Refused, String)> = Vec::new();
        for (id, what, reason) in self.rejected {
            if !rejected.iter().any(|(r, _, _)| *r == id) {
                rejected.push((id, what, reason));
            }
        }
        Answer {
            changed,
            states,
            rejected,
            departed_uploads,
            full_compare: self.full_compare,
            received: self.request.messages.len(),
            epoch: self.epoch,
            current: self.current,
            first_unsent: self.first_unsent,
            more: self.first_unsent.is_some(),
            revoked: self.revoked,
            messages: self.messages,
            acks,
            evicted: self.evicted,
            audit: self.audit,
        }
    }
}

/// The outcome of answering one request.
pub struct Answer {
    /// Families whose documents changed: store them under one new sequence
    /// number (none changed: no new number).
    pub changed: Vec<Changed>,
    /// This device's sync state per family, to store.
    pub states: BTreeMap<Uuid, Vec<u8>>,
    /// Refused families (each once) with the reason, to audit and to
    /// give the device: [`NOT_IN_CASELOAD`], or the rule a change broke.
    pub rejected: Vec<(Uuid, Refused, String)>,
    /// Families merged from a practitioner they departed from, to audit.
    pub departed_uploads: Vec<Uuid>,
    /// The device's cursor was from another epoch or beyond the sequence.
    pub full_compare: bool,
    /// Sync messages the request carried.
    pub received: usize,
    epoch: String,
    current: u64,
    first_unsent: Option<u64>,
    more: bool,
    revoked: bool,
    messages: Vec<DocMessage>,
    acks: Vec<DocAck>,
    evicted: BTreeSet<Uuid>,
    audit: Option<(AuditTip, Option<String>)>,
}

impl Answer {
    /// Messages in the reply.
    pub fn sent(&self) -> usize {
        self.messages.len()
    }

    /// Families the reply evicts.
    pub fn evicted(&self) -> usize {
        self.evicted.len()
    }

    /// The sequence the response's cursor will name, given the sequence
    /// number the changes were stored under (`None` when nothing
    /// changed): the sequence at the start, or the new one when it is the
    /// very next (no other writer committed in between, so nothing unseen
    /// hides below it), and below the first family the reply left out.
    pub fn cursor_seq(&self, new_seq: Option<u64>) -> u64 {
        let mut cursor_seq = match new_seq {
            Some(n) if n == self.current + 1 => n,
            _ => self.current,
        };
        if let Some(s) = self.first_unsent {
            cursor_seq = cursor_seq.min(s.saturating_sub(1));
        }
        cursor_seq
    }

    /// The response; its cursor names [`Answer::cursor_seq`] with the
    /// generation of the change at that sequence.
    pub fn response(self, new_seq: Option<u64>, generation: &str) -> SyncResponse {
        let cursor_seq = self.cursor_seq(new_seq);
        SyncResponse {
            cursor: Cursor::stamped(&self.epoch, generation, cursor_seq),
            messages: self.messages,
            acks: self.acks,
            evicted: self.evicted.into_iter().collect(),
            rejected: self
                .rejected
                .iter()
                .map(|(id, _, reason)| Rejection {
                    doc_id: *id,
                    reason: reason.clone(),
                })
                .collect(),
            full_compare: self.full_compare,
            more: self.more,
            revoked: self.revoked,
            audit_ack: self.audit.as_ref().map(|(tip, _)| tip.clone()),
            audit_refused: self.audit.and_then(|(_, refused)| refused),
        }
    }
}

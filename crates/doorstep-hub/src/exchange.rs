//! Answering a device's sync request: docs/SYNC.md "Server → device",
//! steps 3 to 9, in one database transaction per request.
//!
//! The families a request touches (its messages and uploads) are locked in
//! id order before their documents are read, so concurrent requests about
//! one family (several devices, several server processes) take turns and
//! none loses a change. The global sequence is bumped only after every
//! document is worked out, once, and only if a document changed.
//!
//! The cursor returned is the sequence read at the start of the
//! transaction, or the new sequence when it is the very next one (no other
//! writer committed in between, so nothing the device has not seen can hide
//! below it). When the reply is capped at [`MAX_MESSAGES`] (replies to the
//! device's own messages always go; the cap limits the rest) the cursor
//! stays below the first family left out and `more` is set.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Utc};
use doorstep_sync::codec::{decode_request, encode_response, DecodeError, Limit};
use doorstep_sync::protocol::{
    Cursor, DocAck, DocMessage, Rejection, SyncRequest, SyncResponse, PROTOCOL_VERSION,
};
use doorstep_sync::session::{message_heads, DocSync};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{Tx, Value};
use crate::documents::{
    self, audit, bump_seq, heads_list, insert_family, load_doc, lock_families, read_meta,
    update_family_doc, FamilyRow,
};
use crate::enrol::DeviceIdentity;
use crate::{stamp, Hub, HubError};

/// Most messages in one sync response; the rest follow with `more`.
pub const MAX_MESSAGES: usize = 2_000;

/// The reason given for every refused message or upload, whether the family
/// is another practitioner's or does not exist.
pub const NOT_IN_CASELOAD: &str = "not in your caseload";

/// A family's current heads, for `GET /v1/families/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilySummary {
    /// The family.
    pub family_id: Uuid,
    /// Its document's heads, as hex change hashes, sorted.
    pub heads: Vec<String>,
    /// The global sequence of its last change.
    pub seq: u64,
}

/// An upload that passed the checks made before the transaction.
struct Upload {
    doc_id: Uuid,
    doc: AutoCommit,
    heads: Vec<ChangeHash>,
}

/// One family document being worked on in this request.
struct Work {
    doc: AutoCommit,
    /// Heads when loaded (empty for a family created by this request).
    before: Vec<ChangeHash>,
    created: bool,
    /// Uploaded by a practitioner it departed from: merged, not synced.
    departed: bool,
    /// The device sent sync messages for it.
    messaged: bool,
    /// Heads of the uploaded document, if it was uploaded.
    upload_heads: Option<Vec<ChangeHash>>,
    /// Heads the device reported, to acknowledge.
    reported: Vec<ChangeHash>,
    sync: Option<DocSync>,
}

impl Work {
    fn load(row: &FamilyRow) -> Result<Work, HubError> {
        let mut doc = load_doc(&row.snapshot)?;
        let before = doc.get_heads();
        Ok(Work {
            doc,
            before,
            created: false,
            departed: false,
            messaged: false,
            upload_heads: None,
            reported: Vec::new(),
            sync: None,
        })
    }

    fn changed(&mut self) -> bool {
        self.created || sorted(self.doc.get_heads()) != sorted(self.before.clone())
    }
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads.dedup();
    heads
}

/// A sync state for a peer known to hold exactly `heads`.
fn state_sharing(heads: &[ChangeHash]) -> Result<DocSync, HubError> {
    let mut state = automerge::sync::State::new();
    state.shared_heads = sorted(heads.to_vec());
    DocSync::decode_state(&state.encode())
        .map_err(|_| HubError::Corrupt("a sync state did not round-trip".into()))
}

/// A stored sync state, or a fresh one if it does not decode.
fn stored_state(bytes: &[u8]) -> DocSync {
    DocSync::decode_state(bytes).unwrap_or_default()
}

fn decode_problem(e: DecodeError) -> HubError {
    match e {
        DecodeError::OverLimit {
            limit: Limit::MessageBytes | Limit::DocBytes,
            max,
            ..
        } => HubError::TooLarge { limit: max },
        other => HubError::BadRequest(other.to_string()),
    }
}

/// Checks an upload before any database work: an Automerge document whose
/// family record's id is its `doc_id`.
fn check_upload(doc_id: Uuid, bytes: &[u8]) -> Result<Upload, HubError> {
    let mut doc = AutoCommit::load(bytes).map_err(|_| {
        HubError::BadRequest(format!(
            "the upload of {doc_id} is not an Automerge document"
        ))
    })?;
    let family = doorstep_document::record::family(&doc).map_err(|_| {
        HubError::BadRequest(format!("the upload of {doc_id} is not a family document"))
    })?;
    if family.id != doc_id {
        return Err(HubError::BadRequest(format!(
            "the upload of {doc_id} holds a family with another id"
        )));
    }
    let heads = doc.get_heads();
    Ok(Upload { doc_id, doc, heads })
}

impl Hub {
    /// Answers one encoded `SyncRequest` from the device `identity` with an
    /// encoded `SyncResponse`: docs/SYNC.md "Server → device" steps 3–9, in
    /// one transaction. Codec problems, a wrong protocol version, another
    /// device's id and bad uploads are [`HubError::BadRequest`]; a body or
    /// upload over the limits is [`HubError::TooLarge`].
    pub fn sync(
        &self,
        identity: &DeviceIdentity,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>, HubError> {
        let req = decode_request(body, &self.limits).map_err(decode_problem)?;
        if req.protocol != PROTOCOL_VERSION {
            return Err(HubError::BadRequest(format!(
                "protocol version {} is not supported (this server speaks {PROTOCOL_VERSION})",
                req.protocol
            )));
        }
        if req.device_id != identity.device_id {
            return Err(HubError::BadRequest(
                "device_id is not the device the token belongs to".into(),
            ));
        }
        let mut uploads = req
            .uploads
            .iter()
            .map(|u| check_upload(u.doc_id, &u.doc))
            .collect::<Result<Vec<_>, _>>()?;
        let response = self.db.transaction(|tx| {
            answer(
                tx,
                identity.device_id,
                &req,
                &mut uploads,
                self.max_messages,
                now,
            )
        })?;
        Ok(encode_response(&response))
    }

    /// A family's heads and sequence, if it is in the caseload of the
    /// identity's practitioner (`None` for anything else, including an
    /// unknown id).
    pub fn family_heads(
        &self,
        identity: &DeviceIdentity,
        family_id: Uuid,
    ) -> Result<Option<FamilySummary>, HubError> {
        self.db.read(|tx| {
            let Some(r) = tx.query_opt(
                "SELECT heads, seq FROM families WHERE id = $1 AND practitioner_id = $2",
                &[family_id.into(), identity.practitioner_id.into()],
            )?
            else {
                return Ok(None);
            };
            Ok(Some(FamilySummary {
                family_id,
                heads: heads_list(&r.text(0)?),
                seq: u64::try_from(r.int(1)?).unwrap_or(0),
            }))
        })
    }
}

/// Steps 3–9 inside the transaction.
fn answer(
    tx: &mut dyn Tx,
    device: Uuid,
    req: &SyncRequest,
    uploads: &mut [Upload],
    max_messages: usize,
    now: DateTime<Utc>,
) -> Result<SyncResponse, HubError> {
    // The device, checked again inside the transaction.
    let Some(dev) = tx.query_opt(
        "SELECT d.practitioner_id, p.team_id, d.revoked_at
         FROM devices d JOIN practitioners p ON p.id = d.practitioner_id WHERE d.id = $1",
        &[device.into()],
    )?
    else {
        return Err(HubError::Unauthorised);
    };
    if dev.opt_text(2)?.is_some() {
        return Err(HubError::Revoked);
    }
    let (me, my_team) = (dev.uuid(0)?, dev.uuid(1)?);
    let (epoch, current) = read_meta(tx)?;

    // A cursor from another epoch, or beyond the sequence (a restored
    // backup): compare everything, forgetting this device's sync states.
    let full_compare = req
        .cursor
        .as_ref()
        .is_some_and(|c| c.epoch != epoch || i64::try_from(c.seq).map_or(true, |s| s > current));
    let since: Option<i64> = match &req.cursor {
        Some(c) if !full_compare => i64::try_from(c.seq).ok(),
        _ => None,
    };
    if full_compare {
        tx.execute(
            "DELETE FROM sync_states WHERE device_id = $1",
            &[device.into()],
        )?;
    }
    let mut states: HashMap<Uuid, Vec<u8>> = HashMap::new();
    for r in tx.query(
        "SELECT family_id, state FROM sync_states WHERE device_id = $1",
        &[device.into()],
    )? {
        states.insert(r.uuid(0)?, r.blob(1)?.to_vec());
    }

    // Lock every family the request touches, in id order.
    let touched: BTreeSet<Uuid> = req
        .messages
        .iter()
        .map(|m| m.doc_id)
        .chain(uploads.iter().map(|u| u.doc_id))
        .collect();
    let rows: BTreeMap<Uuid, Option<FamilyRow>> = lock_families(tx, &touched)?;

    let mut work: BTreeMap<Uuid, Work> = BTreeMap::new();
    let mut rejected: Vec<(Uuid, &'static str)> = Vec::new();
    let mut evicted: BTreeSet<Uuid> = BTreeSet::new();

    // Step 4: messages for families in the caseload.
    for m in &req.messages {
        let row = match rows.get(&m.doc_id) {
            Some(Some(row)) if row.practitioner_id == me => row,
            _ => {
                rejected.push((m.doc_id, "message"));
                continue;
            }
        };
        let w = match work.entry(m.doc_id) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => v.insert(Work::load(row)?),
        };
        let sync = w.sync.get_or_insert_with(|| match states.get(&m.doc_id) {
            Some(bytes) => stored_state(bytes),
            None => DocSync::new(),
        });
        sync.receive(&mut w.doc, &m.sync).map_err(|_| {
            HubError::BadRequest(format!(
                "the sync message for {} could not be applied",
                m.doc_id
            ))
        })?;
        w.messaged = true;
        w.reported
            .extend(message_heads(&m.sync).unwrap_or_default());
    }

    // Step 5: uploads.
    for u in uploads.iter_mut() {
        let id = u.doc_id;
        let row = rows.get(&id).cloned().flatten();
        match row {
            None => {
                if let Some(w) = work.get_mut(&id) {
                    merge(&mut w.doc, &mut u.doc)?;
                } else {
                    let mut doc = AutoCommit::new();
                    merge(&mut doc, &mut u.doc)?;
                    work.insert(
                        id,
                        Work {
                            doc,
                            before: Vec::new(),
                            created: true,
                            departed: false,
                            messaged: false,
                            upload_heads: None,
                            reported: Vec::new(),
                            sync: None,
                        },
                    );
                }
            }
            Some(row) => {
                let mine = row.practitioner_id == me;
                let departed = !mine && has_departed(tx, me, id)?;
                if !mine && !departed {
                    rejected.push((id, "upload"));
                    continue;
                }
                let w = match work.entry(id) {
                    std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                    std::collections::btree_map::Entry::Vacant(v) => v.insert(Work::load(&row)?),
                };
                merge(&mut w.doc, &mut u.doc)?;
                if departed {
                    w.departed = true;
                    evicted.insert(id);
                }
            }
        }
        if let Some(w) = work.get_mut(&id) {
            w.upload_heads
                .get_or_insert_with(Vec::new)
                .extend(u.heads.iter().copied());
            w.reported.extend(u.heads.iter().copied());
        }
    }

    // Replies: to every family the device sent messages for, and to an
    // uploaded family when the server holds more than the upload.
    let mut messages = Vec::new();
    for (id, w) in work.iter_mut() {
        if w.departed {
            continue;
        }
        let server_has_more = match &w.upload_heads {
            Some(h) => sorted(h.clone()) != sorted(w.doc.get_heads()),
            None => false,
        };
        if w.sync.is_none() {
            w.sync = Some(match &w.upload_heads {
                Some(h) => state_sharing(h)?,
                None => DocSync::new(),
            });
        }
        // The device's message brought the server exactly to the device's
        // heads: the acknowledgement says so, and a reply would only repeat
        // the heads. Both sides now share them.
        let in_step = w.messaged
            && w.upload_heads.is_none()
            && !w.reported.is_empty()
            && sorted(w.reported.clone()) == sorted(w.doc.get_heads());
        if in_step {
            w.sync = Some(state_sharing(&w.doc.get_heads())?);
            continue;
        }
        if w.messaged || server_has_more {
            if let Some(sync) = w.sync.as_mut().and_then(|s| s.generate(&mut w.doc)) {
                messages.push(DocMessage { doc_id: *id, sync });
            }
        }
    }

    // Step 6: families in the caseload changed since the cursor (all of
    // them without one) that got no reply, up to the cap.
    let budget = max_messages.saturating_sub(messages.len());
    let candidates = tx.query(
        "SELECT id, seq FROM families WHERE practitioner_id = $1 AND seq > $2 ORDER BY seq, id",
        &[me.into(), Value::Int(since.unwrap_or(-1))],
    )?;
    let mut first_unsent: Option<i64> = None;
    let mut offered: Vec<Uuid> = Vec::new();
    for r in &candidates {
        let id = r.uuid(0)?;
        if work.contains_key(&id) {
            continue;
        }
        if offered.len() == budget {
            first_unsent = Some(r.int(1)?);
            break;
        }
        offered.push(id);
    }
    // Their snapshots, a few dozen per query, in the order offered.
    let mut snapshots: HashMap<Uuid, Vec<u8>> = HashMap::new();
    for r in tx.query_ids(
        "SELECT id, snapshot FROM families WHERE id IN ({ids})",
        &offered,
    )? {
        snapshots.insert(r.uuid(0)?, r.blob(1)?.to_vec());
    }
    let mut pushed_states: Vec<(Uuid, Vec<u8>)> = Vec::new();
    for id in offered {
        let snapshot = snapshots
            .get(&id)
            .ok_or_else(|| HubError::Corrupt("an expected row is missing".into()))?;
        let mut doc = load_doc(snapshot)?;
        let mut sync = match states.get(&id) {
            Some(bytes) => stored_state(bytes),
            // The device may hold any part of it (it is re-comparing).
            None if full_compare => DocSync::new(),
            // Never had it: the whole document travels in one message.
            None => DocSync::for_empty_peer(),
        };
        if let Some(m) = sync.generate(&mut doc) {
            messages.push(DocMessage {
                doc_id: id,
                sync: m,
            });
        }
        pushed_states.push((id, sync.encode_state()));
    }

    // Step 7: families that left this practitioner's caseload.
    for r in tx.query(
        "SELECT d.family_id FROM departures d JOIN families f ON f.id = d.family_id
         WHERE d.practitioner_id = $1 AND d.seq > $2 AND f.practitioner_id <> $1",
        &[me.into(), Value::Int(since.unwrap_or(-1))],
    )? {
        evicted.insert(r.uuid(0)?);
    }

    // Step 8: what the server now holds of what the device reported.
    let mut acks = Vec::new();
    for (id, w) in work.iter_mut() {
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

    // Step 9: write what changed under one new sequence number.
    let changed: Vec<Uuid> = work
        .iter_mut()
        .filter_map(|(id, w)| w.changed().then_some(*id))
        .collect();
    let new_seq = if changed.is_empty() {
        None
    } else {
        Some(bump_seq(tx)?)
    };
    let mut change_rows = Vec::new();
    if let Some(seq) = new_seq {
        for id in &changed {
            let Some(w) = work.get_mut(id) else { continue };
            if w.created {
                if !insert_family(tx, *id, me, my_team, seq, &mut w.doc, now)? {
                    // Created by a concurrent request: start again, and
                    // merge into it this time.
                    return Err(HubError::Busy);
                }
                audit(
                    tx,
                    now,
                    &device.to_string(),
                    "family.create",
                    Some(*id),
                    "uploaded",
                )?;
            } else {
                update_family_doc(tx, *id, seq, &mut w.doc)?;
            }
            change_rows.extend(documents::change_rows(*id, seq, &mut w.doc, &w.before));
        }
    }
    let change_count = change_rows.len();
    documents::store_change_rows(tx, &change_rows)?;
    // One sync state per family (a family is either worked on or pushed).
    let mut states: BTreeMap<Uuid, Vec<u8>> = BTreeMap::new();
    for (id, w) in &work {
        if w.departed {
            continue;
        }
        if let Some(sync) = &w.sync {
            states.insert(*id, sync.encode_state());
        }
    }
    states.extend(pushed_states);
    put_states(tx, device, states)?;
    let mut rejections: Vec<Rejection> = Vec::new();
    for (id, what) in &rejected {
        if rejections.iter().any(|r| r.doc_id == *id) {
            continue;
        }
        audit(
            tx,
            now,
            &device.to_string(),
            "sync.rejected",
            Some(*id),
            what,
        )?;
        rejections.push(Rejection {
            doc_id: *id,
            reason: NOT_IN_CASELOAD.to_owned(),
        });
    }
    for id in work.iter().filter(|(_, w)| w.departed).map(|(id, _)| id) {
        audit(
            tx,
            now,
            &device.to_string(),
            "family.departed-upload",
            Some(*id),
            "merged",
        )?;
    }
    audit(
        tx,
        now,
        &device.to_string(),
        "sync",
        None,
        &format!(
            "messages {} uploads {} families changed {} changes {} sent {} evicted {} rejected {}{}",
            req.messages.len(),
            req.uploads.len(),
            changed.len(),
            change_count,
            messages.len(),
            evicted.len(),
            rejections.len(),
            if full_compare { " full-compare" } else { "" }
        ),
    )?;
    tx.execute(
        "UPDATE devices SET last_seen_at = $2 WHERE id = $1",
        &[device.into(), stamp(now).into()],
    )?;

    let mut cursor_seq = match new_seq {
        Some(n) if n == current + 1 => n,
        _ => current,
    };
    if let Some(s) = first_unsent {
        cursor_seq = cursor_seq.min(s - 1);
    }
    Ok(SyncResponse {
        cursor: Cursor {
            epoch,
            seq: u64::try_from(cursor_seq).unwrap_or(0),
        },
        messages,
        acks,
        evicted: evicted.into_iter().collect(),
        rejected: rejections,
        full_compare,
        more: first_unsent.is_some(),
    })
}

fn merge(into: &mut AutoCommit, upload: &mut AutoCommit) -> Result<(), HubError> {
    into.merge(upload)
        .map(|_| ())
        .map_err(|_| HubError::BadRequest("an upload could not be merged".into()))
}

fn has_departed(tx: &mut dyn Tx, practitioner: Uuid, family: Uuid) -> Result<bool, HubError> {
    Ok(tx
        .query_opt(
            "SELECT family_id FROM departures WHERE practitioner_id = $1 AND family_id = $2",
            &[practitioner.into(), family.into()],
        )?
        .is_some())
}

fn put_states(
    tx: &mut dyn Tx,
    device: Uuid,
    states: BTreeMap<Uuid, Vec<u8>>,
) -> Result<(), HubError> {
    let rows: Vec<Vec<Value>> = states
        .into_iter()
        .map(|(family, state)| vec![device.into(), family.into(), Value::Blob(state)])
        .collect();
    if !rows.is_empty() {
        tx.insert_rows(
            "INSERT INTO sync_states (device_id, family_id, state)",
            &rows,
            "ON CONFLICT (device_id, family_id) DO UPDATE SET state = excluded.state",
        )?;
    }
    Ok(())
}

//! Answering a device's sync request: the hub drives
//! [`doorstep_sync::answering::Answering`] (docs/SYNC.md, "Server →
//! device", steps 3 to 9) inside one database transaction per request.
//!
//! The families a request touches (its messages and uploads) are locked in
//! id order before their documents are read, so concurrent requests about
//! one family (several devices, several server processes) take turns and
//! none loses a change. The global sequence is bumped only after every
//! document is worked out, once, and only if a document changed.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use automerge::AutoCommit;
use chrono::{DateTime, Utc};
use doorstep_document::admission::Sender;
use doorstep_sync::answering::{self, AnswerError, Answering, Held};
use doorstep_sync::audit::{AuditRow, AuditTip, GENESIS};
use doorstep_sync::chunks::ChunkError;
use doorstep_sync::codec::{decode_request, encode_response, DecodeError, Limit};
use doorstep_sync::protocol::{SyncRequest, SyncResponse, PROTOCOL_VERSION};
use doorstep_sync::Limits;
use serde::Serialize;
use uuid::Uuid;

use crate::admin::unhex;
use crate::db::{Tx, Value};
use crate::documents::{
    self, audit, bump_seq_with_generation, heads_list, insert_family, load_doc, lock_families,
    read_meta, update_family_doc,
};
use crate::enrol::DeviceIdentity;
use crate::{parse_stamp, Hub, HubError};

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

fn decode_problem(e: DecodeError) -> HubError {
    match e {
        DecodeError::OverLimit {
            limit: Limit::MessageBytes | Limit::DocBytes,
            max,
            ..
        } => HubError::TooLarge { limit: max },
        DecodeError::Changes {
            problem: ChunkError::InflatesTooFar,
            max,
            ..
        } => HubError::TooLarge { limit: max },
        other => HubError::BadRequest(other.to_string()),
    }
}

/// Checks an upload before any database work: an Automerge document whose
/// family record's id is its `doc_id`.
fn check_upload(doc_id: Uuid, bytes: &[u8]) -> Result<answering::Upload, HubError> {
    let doc = AutoCommit::load(bytes).map_err(|_| {
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
    Ok(answering::Upload { doc_id, doc })
}

impl Hub {
    /// Answers one encoded `SyncRequest` from the device `identity` with an
    /// encoded `SyncResponse`: docs/SYNC.md "Server → device" steps 3–9, in
    /// one transaction. Codec problems, a wrong protocol version, another
    /// device's id and bad uploads are [`HubError::BadRequest`]; a body or
    /// upload over the limits, or changes that would inflate past them, is
    /// [`HubError::TooLarge`]. Both are audited (`sync.refused`).
    pub fn sync(
        &self,
        identity: &DeviceIdentity,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>, HubError> {
        let result = self.sync_unaudited(identity, body, now);
        if let Err(e @ (HubError::BadRequest(_) | HubError::TooLarge { .. })) = &result {
            // A refused request is audited with its reason (the codec's
            // words: sizes and ids, never a record's content).
            self.db.transaction(|tx| {
                audit(
                    tx,
                    now,
                    &identity.device_id.to_string(),
                    "sync.refused",
                    None,
                    &e.to_string(),
                )
            })?;
        }
        result
    }

    fn sync_unaudited(
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
        let uploads = req
            .uploads
            .iter()
            .map(|u| check_upload(u.doc_id, &u.doc))
            .collect::<Result<Vec<_>, _>>()?;
        let response = self.db.transaction(|tx| {
            answer(
                tx,
                identity.device_id,
                &req,
                &uploads,
                &Terms {
                    limits: self.limits,
                    departure_window: self.departure_window,
                    cursor_key: &self.cursor_key,
                },
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

/// The trust boundary's rules for the requesting device (ARCHITECTURE.md
/// §9), as the answering machine asks for them. Another device's change
/// (returned after a restore) must be signed for the practitioner that
/// device is enrolled for, or, for a device this server does not know,
/// for a practitioner it knows; each looked up once.
struct Rules<'t> {
    sender: Sender,
    tx: RefCell<&'t mut dyn Tx>,
    signers: RefCell<HashMap<(Uuid, String), bool>>,
    /// Families that left this practitioner, uploaded in this request,
    /// with when they left (`None`: recorded before times were) and
    /// whether this device's work from before was taken already.
    departed: HashMap<Uuid, Departure>,
}

impl answering::Admission for Rules<'_> {
    fn admit(
        &self,
        id: Uuid,
        before: Option<&mut AutoCommit>,
        after: &mut AutoCommit,
    ) -> Result<(), String> {
        let mut signer_ok = |device: Uuid, who: &str| {
            *self
                .signers
                .borrow_mut()
                .entry((device, who.to_string()))
                .or_insert_with(|| may_sign(&mut **self.tx.borrow_mut(), device, who))
        };
        let sender = match self.departed.get(&id) {
            Some(d) => Sender {
                moved_at: d.at,
                moved_work_taken: d.taken,
                ..self.sender.clone()
            },
            None => self.sender.clone(),
        };
        sender.check(before, after, Some(&mut signer_ok))
    }
}

/// Whether a change by `device` may be signed for `who`: the practitioner
/// it is enrolled for, or any practitioner here if the device is unknown.
fn may_sign(tx: &mut dyn Tx, device: Uuid, who: &str) -> bool {
    let enrolled = tx
        .query_opt(
            "SELECT p.name FROM devices d JOIN practitioners p ON p.id = d.practitioner_id
             WHERE d.id = $1",
            &[device.into()],
        )
        .ok()
        .flatten()
        .and_then(|r| r.text(0).ok());
    match enrolled {
        Some(name) => name == who,
        None => tx
            .query_opt("SELECT 1 FROM practitioners WHERE name = $1", &[who.into()])
            .ok()
            .flatten()
            .is_some(),
    }
}

/// What the hub holds a request to: its limits, how long departed and
/// revoked laptops may still send work, and the key that signs cursors.
struct Terms<'a> {
    limits: Limits,
    departure_window: chrono::Duration,
    cursor_key: &'a str,
}

/// Steps 3–9 inside the transaction: the hub loads what the answering
/// machine asks for and stores what it decides.
fn answer(
    tx: &mut dyn Tx,
    device: Uuid,
    req: &SyncRequest,
    uploads: &[answering::Upload],
    terms: &Terms<'_>,
    now: DateTime<Utc>,
) -> Result<SyncResponse, HubError> {
    let departure_window = terms.departure_window;
    // The device, checked again inside the transaction.
    let Some(dev) = tx.query_opt(
        "SELECT d.practitioner_id, p.team_id, d.revoked_at, p.name, d.wipe_requested_at,
                d.audit_seq, d.audit_hash
         FROM devices d JOIN practitioners p ON p.id = d.practitioner_id WHERE d.id = $1",
        &[device.into()],
    )?
    else {
        return Err(HubError::Unauthorised);
    };
    if dev.opt_text(4)?.is_some() {
        return Err(HubError::Wiped);
    }
    let revoked_at = dev.opt_text(2)?.as_deref().map(parse_stamp).transpose()?;
    // A revoked laptop may send its unsent work for as long as a departed
    // one may; after that it is wiped.
    if revoked_at.is_some_and(|at| now - at > departure_window) {
        return Err(HubError::Wiped);
    }
    let revoked = revoked_at.is_some();
    let (me, my_team) = (dev.uuid(0)?, dev.uuid(1)?);
    let (mut epoch, current) = read_meta(tx)?;
    // The generation of the request cursor's number, kept for the reply's
    // cursor when it names the same number (a sync with nothing new).
    let mut known: Option<(u64, String)> = None;
    // Only a cursor this server handed out can show it lost changes: a
    // made-up one costs its device a full comparison, never everyone.
    let key = terms.cursor_key;
    if let Some(cursor) = req
        .cursor
        .as_ref()
        .filter(|c| documents::cursor_is_genuine(key, c))
    {
        let seen = i64::try_from(cursor.seq).ok().filter(|s| *s <= current);
        let ours = match seen {
            Some(s) => documents::known_generation(tx, s)?,
            None => None,
        };
        if let Some(g) = &ours {
            known = Some((cursor.seq, g.clone()));
        }
        let ours = ours.map(|g| documents::cursor_token(key, &epoch, cursor.seq, &g));
        if cursor.shows_lost_changes(&epoch, seq_u64(current), ours.as_deref()) {
            // Restored from a backup, or failed over to a standby that
            // lagged: every device compares everything with this server.
            epoch = documents::start_epoch(tx, now, &device.to_string(), "epoch.lost-changes")?;
        }
    }
    let uploads = uploads
        .iter()
        .map(|u| answering::Upload {
            doc_id: u.doc_id,
            doc: u.doc.clone(),
        })
        .collect();
    let epoch_now = epoch.clone();
    let mut machine = Answering::new(req.clone(), uploads, epoch, seq_u64(current), terms.limits);
    if revoked {
        machine.revoked();
    }
    if machine.full_compare() {
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
    let touched = machine.touched();
    let mut held = BTreeMap::new();
    let mut departed = HashMap::new();
    for (id, row) in lock_families(tx, &touched)? {
        let h = match row {
            None => Held::Unknown,
            Some(row) if row.practitioner_id == me => {
                Held::Mine(load_doc(&row.snapshot)?, seq_u64(row.seq))
            }
            Some(row) if machine.uploads(id) => match departure(tx, me, id, device)? {
                // Work from before a move is taken for a while after it.
                Some(d) if d.at.is_none_or(|at| now - at <= departure_window) => {
                    departed.insert(id, d);
                    Held::Departed(Some(load_doc(&row.snapshot)?))
                }
                _ => Held::Elsewhere,
            },
            Some(_) => Held::Elsewhere,
        };
        held.insert(id, h);
    }
    let rules = Rules {
        sender: Sender {
            device,
            practitioner: dev.text(3)?,
            now,
            moved_at: None,
            moved_work_taken: false,
        },
        tx: RefCell::new(&mut *tx),
        signers: RefCell::new(HashMap::new()),
        departed,
    };
    let received = machine.receive(held, states, &rules);
    drop(rules);
    received.map_err(|e| match e {
        AnswerError::NotLookedUp(_) => HubError::Corrupt(e.to_string()),
        other => HubError::BadRequest(other.to_string()),
    })?;
    // The device's audit rows (none: nothing is stored or answered).
    let tip = AuditTip {
        seq: seq_u64(dev.int(5)?),
        hash: match dev.opt_text(6)? {
            Some(h) => unhex(&h)?,
            None => GENESIS,
        },
    };
    match machine.audit(&tip) {
        Ok(rows) => store_device_audit(tx, device, &tip, &rows, now)?,
        Err(refusal) => audit(
            tx,
            now,
            &device.to_string(),
            "device.audit-refused",
            None,
            &refusal.to_string(),
        )?,
    }

    // Step 6: families in the caseload changed since the cursor (all of
    // them without one), as many as the reply has room for.
    let since = machine.since().map_or(-1, seq_i64);
    let mut candidates = Vec::new();
    for r in tx.query(
        "SELECT id, seq FROM families WHERE practitioner_id = $1 AND seq > $2 ORDER BY seq, id",
        &[me.into(), Value::Int(since)],
    )? {
        candidates.push((r.uuid(0)?, seq_u64(r.int(1)?)));
    }
    let offered = machine.offer(&candidates);
    // Their snapshots, a few dozen per query, in the order offered.
    let mut snapshots: HashMap<Uuid, Vec<u8>> = HashMap::new();
    for r in tx.query_ids(
        "SELECT id, snapshot FROM families WHERE id IN ({ids})",
        &offered,
    )? {
        snapshots.insert(r.uuid(0)?, r.blob(1)?.to_vec());
    }
    for id in offered {
        let snapshot = snapshots
            .get(&id)
            .ok_or_else(|| HubError::Corrupt("an expected row is missing".into()))?;
        machine.push(id, load_doc(snapshot)?);
    }

    // Step 7: families that left this practitioner's caseload.
    let mut departed = Vec::new();
    for r in tx.query(
        "SELECT d.family_id FROM departures d JOIN families f ON f.id = d.family_id
         WHERE d.practitioner_id = $1 AND d.seq > $2 AND f.practitioner_id <> $1",
        &[me.into(), Value::Int(since)],
    )? {
        departed.push(r.uuid(0)?);
    }
    machine.evict(departed);

    // Steps 8 and 9: write what changed under one new sequence number.
    // Everything that needs no number goes first: from the bump to the
    // commit the sequence row is locked, and every writing transaction
    // waits for it, so that stretch holds only the writes that need it.
    let mut answer = machine.finish();
    let mut change_rows = Vec::new();
    for c in answer.changed.iter_mut() {
        change_rows.extend(documents::change_rows(c.id, &mut c.doc, &c.before));
    }
    let change_count = change_rows.len();
    put_states(tx, device, std::mem::take(&mut answer.states))?;
    for (id, what, reason) in &answer.rejected {
        audit(
            tx,
            now,
            &device.to_string(),
            "sync.rejected",
            Some(*id),
            &format!("{}: {reason}", what.as_str()),
        )?;
    }
    for id in &answer.departed_uploads {
        audit(
            tx,
            now,
            &device.to_string(),
            "family.departed-upload",
            Some(*id),
            "merged",
        )?;
        tx.execute(
            "INSERT INTO departed_uploads (practitioner_id, family_id, device_id, taken_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[
                me.into(),
                id.into(),
                device.into(),
                crate::stamp(now).into(),
            ],
        )?;
    }
    for c in answer.changed.iter().filter(|c| c.created) {
        audit(
            tx,
            now,
            &device.to_string(),
            "family.create",
            Some(c.id),
            "uploaded",
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
            answer.received,
            req.uploads.len(),
            answer.changed.len(),
            change_count,
            answer.sent(),
            answer.evicted(),
            answer.rejected.len(),
            if answer.full_compare { " full-compare" } else { "" }
        ),
    )?;
    let new_seq = if answer.changed.is_empty() {
        None
    } else {
        let (seq, generation) = bump_seq_with_generation(tx)?;
        known = Some((seq_u64(seq), generation));
        Some(seq)
    };
    if let Some(seq) = new_seq {
        for c in answer.changed.iter_mut() {
            if c.created {
                if !insert_family(tx, c.id, me, my_team, seq, &mut c.doc, now)? {
                    // Created by a concurrent request: start again, and
                    // merge into it this time.
                    return Err(HubError::Busy);
                }
            } else {
                update_family_doc(tx, c.id, seq, &mut c.doc)?;
            }
        }
        documents::store_change_rows(tx, change_rows, seq)?;
    }
    // `last_seen_at` is the authentication's to write (at most once a
    // minute), not every sync's: one row write fewer in each transaction.
    let cursor_seq = answer.cursor_seq(new_seq.map(seq_u64));
    let generation = match known {
        Some((seq, g)) if seq == cursor_seq => g,
        _ => documents::generation(
            tx,
            i64::try_from(cursor_seq)
                .map_err(|_| HubError::Corrupt("a sequence number out of range".into()))?,
        )?,
    };
    let token = documents::cursor_token(key, &epoch_now, cursor_seq, &generation);
    Ok(answer.response(new_seq.map(seq_u64), &token))
}

/// A stored sequence number (never negative) as the protocol's.
fn seq_u64(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

/// A protocol sequence number as stored (saturating).
fn seq_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A family's departure from the requesting device's practitioner.
struct Departure {
    /// When it left (`None`: before times were recorded).
    at: Option<DateTime<Utc>>,
    /// The device's work from before was taken once already.
    taken: bool,
}

/// Whether, and when, the family left `practitioner`, and whether
/// `device`'s departed upload of it was taken already.
fn departure(
    tx: &mut dyn Tx,
    practitioner: Uuid,
    family: Uuid,
    device: Uuid,
) -> Result<Option<Departure>, HubError> {
    let Some(row) = tx.query_opt(
        "SELECT d.departed_at, u.device_id FROM departures d
         LEFT JOIN departed_uploads u ON u.practitioner_id = d.practitioner_id
             AND u.family_id = d.family_id AND u.device_id = $3
         WHERE d.practitioner_id = $1 AND d.family_id = $2",
        &[practitioner.into(), family.into(), device.into()],
    )?
    else {
        return Ok(None);
    };
    let at = match row.opt_text(0)? {
        Some(t) => Some(parse_stamp(&t)?),
        None => None,
    };
    Ok(Some(Departure {
        at,
        taken: row.opt_text(1)?.is_some(),
    }))
}

/// Appends a device's audit rows that continue its chain here (checked by
/// [`Answering::audit`]) and moves its tip. The tip moves only from the
/// one the rows were checked against: a concurrent request from the same
/// device that moved it first makes this one start again.
fn store_device_audit(
    tx: &mut dyn Tx,
    device: Uuid,
    from: &AuditTip,
    rows: &[AuditRow],
    now: DateTime<Utc>,
) -> Result<(), HubError> {
    let Some(last) = rows.last() else {
        return Ok(());
    };
    let moved = tx.execute(
        "UPDATE devices SET audit_seq = $1, audit_hash = $2 WHERE id = $3 AND audit_seq = $4",
        &[
            Value::Int(seq_i64(last.seq)),
            hex::encode(last.hash).into(),
            device.into(),
            Value::Int(seq_i64(from.seq)),
        ],
    )?;
    if moved != 1 {
        return Err(HubError::Busy);
    }
    let received_at = crate::stamp(now);
    let values: Vec<Vec<Value>> = rows
        .iter()
        .map(|r| {
            vec![
                device.into(),
                Value::Int(seq_i64(r.seq)),
                r.at.clone().into(),
                r.practitioner.clone().into(),
                r.action.clone().into(),
                r.record_kind.clone().into(),
                r.record_id.clone().into(),
                r.family_id.clone().into(),
                hex::encode(r.prev_hash).into(),
                hex::encode(r.hash).into(),
                received_at.clone().into(),
            ]
        })
        .collect();
    tx.insert_rows(
        "INSERT INTO device_audit (device_id, seq, at, practitioner, action, record_kind,
            record_id, family_id, prev_hash, hash, received_at)",
        &values,
        "",
    )?;
    Ok(())
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

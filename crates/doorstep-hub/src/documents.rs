//! Family documents, the global change sequence and the audit log in the
//! database: the pieces the sync exchange, allocation and the notification
//! import share.
//!
//! A family row holds the document's latest snapshot (`save()`), its heads
//! and the sequence number of its last change; every change is also kept
//! once in `changes` (idempotent by hash). The sequence lives in `meta.seq`
//! and is bumped by [`bump_seq`] after the documents are worked out, just
//! before the rows that carry it are written: the row lock it takes is held
//! until commit, so writers commit in sequence order.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Utc};
use doorstep_document::author;
use doorstep_domain::record::action::Edit;
use uuid::Uuid;

use crate::db::{Tx, Value};
use crate::{random_epoch, stamp, HubError, SERVER_DEVICE_ID};

/// A family row, locked for the rest of the transaction.
#[derive(Debug, Clone)]
pub(crate) struct FamilyRow {
    /// The named practitioner.
    pub practitioner_id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The saved document.
    pub snapshot: Vec<u8>,
    /// The sequence number of its last change.
    pub seq: i64,
}

/// Locks and reads a family (`SELECT … FOR UPDATE` on PostgreSQL).
pub(crate) fn lock_family(tx: &mut dyn Tx, id: Uuid) -> Result<Option<FamilyRow>, HubError> {
    let ids = BTreeSet::from([id]);
    Ok(lock_families(tx, &ids)?.remove(&id).flatten())
}

/// Locks and reads families, in id order (so concurrent writers never wait
/// on each other in a cycle), a few dozen per statement: each id maps to
/// its row, or None when there is no such family.
pub(crate) fn lock_families(
    tx: &mut dyn Tx,
    ids: &BTreeSet<Uuid>,
) -> Result<BTreeMap<Uuid, Option<FamilyRow>>, HubError> {
    let mut out: BTreeMap<Uuid, Option<FamilyRow>> = ids.iter().map(|id| (*id, None)).collect();
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    for r in tx.query_ids(
        "SELECT id, practitioner_id, team_id, snapshot, seq FROM families WHERE id IN ({ids}) ORDER BY id FOR UPDATE",
        &ids,
    )? {
        out.insert(
                r.uuid(0)?,
            Some(FamilyRow {
                practitioner_id: r.uuid(1)?,
                team_id: r.uuid(2)?,
                snapshot: r.blob(3)?.to_vec(),
                seq: r.int(4)?,
            }),
        );
    }
    Ok(out)
}

/// Loads a stored snapshot.
pub(crate) fn load_doc(snapshot: &[u8]) -> Result<AutoCommit, HubError> {
    AutoCommit::load(snapshot)
        .map_err(|_| HubError::Corrupt("a family document does not load".into()))
}

/// The epoch and the current sequence.
pub(crate) fn read_meta(tx: &mut dyn Tx) -> Result<(String, i64), HubError> {
    let mut epoch = None;
    let mut seq = None;
    for r in tx.query(
        "SELECT key, value FROM meta WHERE key = 'epoch' OR key = 'seq'",
        &[],
    )? {
        match r.text(0)?.as_str() {
            "epoch" => epoch = Some(r.text(1)?),
            _ => seq = Some(r.int(1)?),
        }
    }
    match (epoch, seq) {
        (Some(e), Some(s)) => Ok((e, s)),
        _ => Err(HubError::Corrupt("meta has no epoch or sequence".into())),
    }
}

/// Takes the next global sequence number. Call it once per transaction,
/// after the documents are worked out and before writing the rows that
/// carry it.
pub(crate) fn bump_seq(tx: &mut dyn Tx) -> Result<i64, HubError> {
    Ok(bump_seq_with_generation(tx)?.0)
}

/// [`bump_seq`], with the new number's generation.
pub(crate) fn bump_seq_with_generation(tx: &mut dyn Tx) -> Result<(i64, String), HubError> {
    let seq = tx
        .query_one(
            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'seq' RETURNING value",
            &[],
        )?
        .int(0)?;
    // A number just taken has no generation yet: one insert, no lookup.
    let g = new_generation();
    tx.execute(
        "INSERT INTO generations (seq, generation) VALUES ($1, $2)",
        &[seq.into(), (&g).into()],
    )?;
    Ok((seq, g))
}

/// A new random generation (16 hex digits).
fn new_generation() -> String {
    random_epoch()[..16].to_string()
}

/// Starts a new epoch (every device then compares everything with the
/// server) and audits it as `action` by `actor`; returns the epoch.
pub(crate) fn start_epoch(
    tx: &mut dyn Tx,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
) -> Result<String, HubError> {
    let epoch = random_epoch();
    tx.execute(
        "UPDATE meta SET value = $1 WHERE key = 'epoch'",
        &[(&epoch).into()],
    )?;
    audit(tx, now, actor, action, None, &format!("epoch {epoch}"))?;
    Ok(epoch)
}

/// The server's part of a cursor for `seq` in `epoch`: the number's
/// generation and a signature over the three, so a cursor the server did
/// not hand out is known for one.
pub(crate) fn cursor_token(key: &str, epoch: &str, seq: u64, generation: &str) -> String {
    use hmac::{Mac, SimpleHmac};
    let mut mac = SimpleHmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{epoch}\x1f{seq}\x1f{generation}").as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    format!("{generation}.{}", &sig[..32])
}

/// Whether `cursor` is one this server handed out (its signature holds).
pub(crate) fn cursor_is_genuine(key: &str, cursor: &doorstep_sync::protocol::Cursor) -> bool {
    let Some(token) = cursor.generation() else {
        return false;
    };
    let Some((generation, _)) = token.split_once('.') else {
        return false;
    };
    cursor_token(key, cursor.epoch_id(), cursor.seq, generation) == token
}

/// The generation of sequence number `seq`, given when the number is taken
/// (or now, for a number taken before generations were kept).
pub(crate) fn generation(tx: &mut dyn Tx, seq: i64) -> Result<String, HubError> {
    if let Some(g) = known_generation(tx, seq)? {
        return Ok(g);
    }
    // Two requests may give an old number its generation at once: the
    // first one stands.
    tx.execute(
        "INSERT INTO generations (seq, generation) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING",
        &[seq.into(), new_generation().into()],
    )?;
    known_generation(tx, seq)?
        .ok_or_else(|| HubError::Corrupt("a sequence number has no generation".into()))
}

/// The generation of `seq`, if it has one.
pub(crate) fn known_generation(tx: &mut dyn Tx, seq: i64) -> Result<Option<String>, HubError> {
    tx.query_opt(
        "SELECT generation FROM generations WHERE seq = $1",
        &[seq.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Heads as stored: sorted hex, comma-separated.
pub(crate) fn heads_text(heads: &[ChangeHash]) -> String {
    let mut h: Vec<String> = heads.iter().map(ToString::to_string).collect();
    h.sort();
    h.join(",")
}

/// Heads as stored, split.
pub(crate) fn heads_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Inserts a new family row; `false` if another transaction created it
/// first.
pub(crate) fn insert_family(
    tx: &mut dyn Tx,
    id: Uuid,
    practitioner: Uuid,
    team: Uuid,
    seq: i64,
    doc: &mut AutoCommit,
    now: DateTime<Utc>,
) -> Result<bool, HubError> {
    let heads = heads_text(&doc.get_heads());
    let n = tx.execute(
        "INSERT INTO families (id, practitioner_id, team_id, seq, snapshot, heads, created_at, allocated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING",
        &[
            id.into(),
            practitioner.into(),
            team.into(),
            Value::Int(seq),
            Value::Blob(doc.save()),
            heads.into(),
            stamp(now).into(),
        ],
    )?;
    Ok(n == 1)
}

/// Writes a family's new snapshot, heads and sequence.
pub(crate) fn update_family_doc(
    tx: &mut dyn Tx,
    id: Uuid,
    seq: i64,
    doc: &mut AutoCommit,
) -> Result<(), HubError> {
    let heads = heads_text(&doc.get_heads());
    tx.execute(
        "UPDATE families SET snapshot = $2, heads = $3, seq = $4 WHERE id = $1",
        &[
            id.into(),
            Value::Blob(doc.save()),
            heads.into(),
            Value::Int(seq),
        ],
    )?;
    Ok(())
}

/// Stores every change of `doc` not reachable from `since` (all of them
/// when `since` is empty), once each. Returns how many there were.
pub(crate) fn store_changes(
    tx: &mut dyn Tx,
    id: Uuid,
    seq: i64,
    doc: &mut AutoCommit,
    since: &[ChangeHash],
) -> Result<usize, HubError> {
    let rows = change_rows(id, doc, since);
    let n = rows.len();
    store_change_rows(tx, rows, seq)?;
    Ok(n)
}

/// The `changes` rows of every change of `doc` not reachable from `since`
/// (family, hash, bytes; the sequence number is added when they are
/// stored), each as its raw bytes (which `Change::from_bytes` reads like
/// the compressed form; compressing would set up a deflate stream per
/// change).
pub(crate) fn change_rows(id: Uuid, doc: &mut AutoCommit, since: &[ChangeHash]) -> Vec<Vec<Value>> {
    doc.get_changes(since)
        .iter()
        .map(|c| {
            vec![
                id.into(),
                c.hash().to_string().into(),
                Value::Blob(c.raw_bytes().to_vec()),
            ]
        })
        .collect()
}

/// Stores `changes` rows under the sequence number `seq`, once each
/// (idempotent by family and hash).
pub(crate) fn store_change_rows(
    tx: &mut dyn Tx,
    mut rows: Vec<Vec<Value>>,
    seq: i64,
) -> Result<(), HubError> {
    if !rows.is_empty() {
        for row in rows.iter_mut() {
            row.push(Value::Int(seq));
        }
        tx.insert_rows(
            "INSERT INTO changes (family_id, hash, bytes, seq)",
            &rows,
            "ON CONFLICT (family_id, hash) DO NOTHING",
        )?;
    }
    Ok(())
}

/// Commits `edits` to `doc` as the server (a fresh server actor), as one
/// change: `action` by `author`.
pub(crate) fn commit_as_server(
    doc: &mut AutoCommit,
    edits: &[Edit],
    action: &str,
    author_name: &str,
    now: DateTime<Utc>,
) -> Result<(), HubError> {
    doc.set_actor(author::actor_for(SERVER_DEVICE_ID));
    doorstep_document::json::commit(doc, edits, action, author_name, now.timestamp())
        .map_err(|_| HubError::Corrupt("an edit could not be applied to a family document".into()))
}

/// Appends an audit row. `detail` must hold no patient data.
pub(crate) fn audit(
    tx: &mut dyn Tx,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    family: Option<Uuid>,
    detail: &str,
) -> Result<(), HubError> {
    tx.execute(
        "INSERT INTO audit (id, at, actor, action, family_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Uuid::new_v4().into(),
            stamp(now).into(),
            actor.into(),
            action.into(),
            family.into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

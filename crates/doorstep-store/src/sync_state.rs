//! What the store keeps for sync with the trust's server (docs/SYNC.md):
//! the enrolment (its token stays inside the encrypted database), each
//! family's sync state, acknowledged heads and eviction mark, the server's
//! refusals, and the conflicts projection. Also the writes sync makes
//! besides merging (`merge.rs`), each in one SQL transaction with the
//! family's projections and an audit row: evicting a family's copy from
//! the device, and recording what a round trip changed.

use std::collections::HashMap;

use automerge::{AutoCommit, ChangeHash};
use chrono::{DateTime, Utc};
use doorstep_document::conflicts::{Conflict, ConflictValue};
use doorstep_sync::audit::{AuditRow, AuditTip};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use uuid::Uuid;

use crate::{audit, projection, Actor, Store, StoreError};

/// The device's enrolment with the server, as `doorstep enrol` stored it.
#[derive(Clone)]
pub struct Enrolment {
    /// The server's base URL (`https://…`).
    pub url: String,
    /// An extra CA certificate (PEM) to trust for this server.
    pub ca_pem: Option<String>,
    /// This device's id (the profile's), as the server knows it.
    pub device_id: Uuid,
    /// The name the device was enrolled under.
    pub device_name: String,
    /// The bearer token.
    pub token: String,
    /// The enrolled practitioner's id on the server.
    pub practitioner_id: String,
    /// Their name on the server.
    pub practitioner_name: String,
    /// Their role on the server.
    pub practitioner_role: String,
    /// Their team's id, if they have one.
    pub team_id: Option<String>,
    /// Their team's name.
    pub team_name: Option<String>,
    /// When the device was enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// The server's epoch at enrolment (then the cursor's).
    pub epoch: String,
}

impl std::fmt::Debug for Enrolment {
    /// Everything but the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("url", &self.url)
            .field("device_id", &self.device_id)
            .field("practitioner_id", &self.practitioner_id)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// The enrolment with the sync bookkeeping kept beside it.
#[derive(Debug, Clone)]
pub struct SyncServer {
    /// The enrolment.
    pub enrolment: Enrolment,
    /// The cursor's sequence; `None` before the first successful sync.
    pub seq: Option<u64>,
    /// When a sync last completed.
    pub last_success_at: Option<DateTime<Utc>>,
    /// When a sync was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, when it did (no patient data).
    pub last_error: Option<String>,
    /// Why the server refused this device's audit rows, until it takes
    /// them again.
    pub audit_refused: Option<String>,
}

/// One family's sync bookkeeping.
#[derive(Debug, Clone)]
pub struct SyncFamily {
    /// The family.
    pub family_id: Uuid,
    /// Whether its document is on the device (a family whose first download
    /// has not completed has only a sync row).
    pub on_device: bool,
    /// The document's heads (empty when not on the device).
    pub heads: Vec<ChangeHash>,
    /// The persisted sync state, if any.
    pub state: Option<Vec<u8>>,
    /// The heads the server acknowledged last.
    pub acked_heads: Vec<ChangeHash>,
    /// Whether the server has ever acknowledged or sent the family.
    pub known_to_server: bool,
    /// It received a server message whose answer has not yet gone through.
    pub answer_owed: bool,
    /// When the server evicted it, if it did.
    pub evicted_at: Option<String>,
}

/// What merging a received document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeOutcome {
    /// The family was new to the device.
    pub created: bool,
    /// The document gained changes.
    pub changed: bool,
    /// Conflicts in the family afterwards.
    pub conflicts: usize,
}

/// An acknowledgement to record.
#[derive(Debug, Clone)]
pub struct AckUpdate {
    /// The family.
    pub family_id: Uuid,
    /// The heads the server now holds.
    pub acked_heads: Vec<ChangeHash>,
    /// A sync state to store with it (after a whole-document upload).
    pub state: Option<Vec<u8>>,
}

/// Everything one response changes besides documents, written in one
/// transaction once the response has been applied; the cursor last.
#[derive(Debug, Clone, Default)]
pub struct RoundTripRecord {
    /// Acknowledgements.
    pub acks: Vec<AckUpdate>,
    /// Refused families with the server's reason.
    pub rejections: Vec<(Uuid, String)>,
    /// Families to mark evicted (removed later, once acknowledged).
    pub evicted: Vec<Uuid>,
    /// Families that now owe the server an answer (true) or no longer do.
    pub owed: Vec<(Uuid, bool)>,
    /// Sync states of families the server sent messages about that brought
    /// no document change (such a family is known to the server and, being
    /// sent, in the caseload: any eviction mark is cleared).
    pub states: Vec<(Uuid, Vec<u8>)>,
    /// The new cursor: epoch and sequence.
    pub cursor: Option<(String, u64)>,
    /// The last audit row the server acknowledged.
    pub audit_ack: Option<AuditTip>,
    /// Why the server refused the audit rows sent.
    pub audit_refused: Option<String>,
}

/// A refusal as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionRow {
    /// The family.
    pub family_id: Uuid,
    /// The server's reason.
    pub reason: String,
    /// When (RFC 3339, UTC).
    pub at: String,
}

/// A conflict as stored in the projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRow {
    /// The family.
    pub family_id: Uuid,
    /// Its position among the family's conflicts.
    pub idx: i64,
    /// Map keys from the document root.
    pub path: Vec<String>,
    /// Every value with who wrote it, when and where.
    pub values: Vec<ConflictValue>,
}

/// Change hashes as stored: comma-separated hex.
pub fn heads_to_text(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Change hashes from their stored text.
pub fn heads_from_text(text: &str) -> Result<Vec<ChangeHash>, StoreError> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ChangeHash>()
                .map_err(|_| StoreError::Corrupt("bad change hash".into()))
        })
        .collect()
}

fn time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn parse_id(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt("bad family id".into()))
}

impl Store {
    /// This device's id (in the actor id of every change it writes).
    pub fn device(&self) -> Uuid {
        self.device
    }

    /// The name this device was given at enrolment (none before it): each
    /// change it writes carries it, so a conflict says which laptop wrote
    /// each value.
    pub fn device_name(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT device_name FROM sync_server WHERE id = 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?)
    }

    /// The enrolment and sync bookkeeping, or `None` when not enrolled.
    pub fn sync_server(&self) -> Result<Option<SyncServer>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT url, ca_pem, device_id, device_name, token, practitioner_id, practitioner_name,
                        practitioner_role, team_id, team_name, enrolled_at, epoch, seq,
                        last_success_at, last_attempt_at, last_error, audit_refused
                 FROM sync_server WHERE id = 1",
                [],
                |r| {
                    Ok((
                        (
                            r.get::<_, String>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, String>(7)?,
                        ),
                        (
                            r.get::<_, Option<String>>(8)?,
                            r.get::<_, Option<String>>(9)?,
                            r.get::<_, String>(10)?,
                            r.get::<_, String>(11)?,
                            r.get::<_, Option<i64>>(12)?,
                            r.get::<_, Option<String>>(13)?,
                            r.get::<_, Option<String>>(14)?,
                            r.get::<_, Option<String>>(15)?,
                            r.get::<_, Option<String>>(16)?,
                        ),
                    ))
                },
            )
            .optional()?;
        let Some((a, b)) = row else {
            return Ok(None);
        };
        let enrolment = Enrolment {
            url: a.0,
            ca_pem: a.1,
            device_id: Uuid::parse_str(&a.2)
                .map_err(|_| StoreError::Corrupt("bad enrolled device id".into()))?,
            device_name: a.3,
            token: a.4,
            practitioner_id: a.5,
            practitioner_name: a.6,
            practitioner_role: a.7,
            team_id: b.0,
            team_name: b.1,
            enrolled_at: time(Some(b.2))
                .ok_or_else(|| StoreError::Corrupt("bad enrolment time".into()))?,
            epoch: b.3,
        };
        Ok(Some(SyncServer {
            enrolment,
            seq: b.4.and_then(|s| u64::try_from(s).ok()),
            last_success_at: time(b.5),
            last_attempt_at: time(b.6),
            last_error: b.7,
            audit_refused: b.8,
        }))
    }

    /// Stores the enrolment and audits it (`device.enrol`). An existing
    /// enrolment is refused unless `replace` is set; replacing one forgets
    /// the cursor, every sync state and every acknowledgement, so the next
    /// sync compares everything afresh (nothing is lost: the documents stay,
    /// and families the server never acknowledged are still uploaded).
    pub fn enrol(
        &mut self,
        e: &Enrolment,
        replace: bool,
        who: &Actor<'_>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM sync_server WHERE id = 1", [], |_| Ok(()))
            .optional()?
            .is_some();
        if exists && !replace {
            return Err(StoreError::AlreadyEnrolled);
        }
        tx.execute("DELETE FROM sync_server", [])?;
        tx.execute("UPDATE sync_docs SET state = NULL, acked_heads = ''", [])?;
        tx.execute(
            "INSERT INTO sync_server (id, url, ca_pem, device_id, device_name, token, practitioner_id,
                practitioner_name, practitioner_role, team_id, team_name, enrolled_at, epoch)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                e.url,
                e.ca_pem,
                e.device_id.to_string(),
                e.device_name,
                e.token,
                e.practitioner_id,
                e.practitioner_name,
                e.practitioner_role,
                e.team_id,
                e.team_name,
                e.enrolled_at.to_rfc3339(),
                e.epoch,
            ],
        )?;
        audit::append(
            &tx,
            &audit::Entry {
                practitioner: who.practitioner,
                action: "device.enrol",
                record_kind: "device",
                record_id: Some(e.device_id.to_string()),
                family_id: None,
                at: who.now,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The audit rows the server has not acknowledged, oldest first, at
    /// most `limit`.
    pub fn unacknowledged_audit(&self, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        audit::unacknowledged(&self.conn, limit)
    }

    /// Records a sync attempt: `error` when it failed, else a success.
    pub fn record_sync_attempt(
        &mut self,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let at = at.to_rfc3339();
        match error {
            Some(e) => self.conn.execute(
                "UPDATE sync_server SET last_attempt_at = ?1, last_error = ?2 WHERE id = 1",
                params![at, e],
            )?,
            None => self.conn.execute(
                "UPDATE sync_server SET last_attempt_at = ?1, last_success_at = ?1, last_error = NULL WHERE id = 1",
                params![at],
            )?,
        };
        Ok(())
    }

    /// Every family's sync bookkeeping: each family on the device, and each
    /// sync row whose family is not (yet) on it.
    pub fn sync_families(&self) -> Result<Vec<SyncFamily>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT d.family_id, d.heads, s.state, s.acked_heads, s.known_to_server, s.evicted_at,
                    s.answer_owed
             FROM documents d LEFT JOIN sync_docs s ON s.family_id = d.family_id
             UNION ALL
             SELECT s.family_id, NULL, s.state, s.acked_heads, s.known_to_server, s.evicted_at,
                    s.answer_owed
             FROM sync_docs s WHERE s.family_id NOT IN (SELECT family_id FROM documents)",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, heads, state, acked, known, evicted_at, owed) = row?;
            out.push(SyncFamily {
                family_id: parse_id(&id)?,
                on_device: heads.is_some(),
                heads: heads_from_text(heads.as_deref().unwrap_or(""))?,
                state,
                acked_heads: heads_from_text(acked.as_deref().unwrap_or(""))?,
                known_to_server: known.unwrap_or(0) != 0,
                answer_owed: owed.unwrap_or(0) != 0,
                evicted_at,
            });
        }
        Ok(out)
    }

    /// A family's document to sync, loaded with a fresh actor for this
    /// device; `None` when the family is not on the device.
    pub fn document_for_sync(&self, id: Uuid) -> Result<Option<AutoCommit>, StoreError> {
        Self::load_doc(&self.conn, self.device, id)
    }

    /// Starts a batch: the store's sync writes until [`Store::end_batch`]
    /// commit together (one durable commit for a whole response) or not at
    /// all. Only merges and round-trip records may run inside a batch.
    pub fn begin_batch(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    /// Ends a batch: commits it when `ok`, else rolls everything in it back.
    pub fn end_batch(&mut self, ok: bool) -> Result<(), StoreError> {
        if ok {
            self.conn.execute_batch("COMMIT")?;
        } else {
            self.conn.execute_batch("ROLLBACK")?;
            // Cached copies may hold what was rolled back.
            self.docs.clear();
            self.records.clear();
        }
        Ok(())
    }

    /// Records what one response changed besides documents: sync states
    /// that came without document changes, acknowledgements (which also
    /// clear a family's refusal and mark it known to the server), refusals,
    /// eviction marks, families to send whole again, and last the cursor.
    pub fn record_round_trip(
        &mut self,
        r: &RoundTripRecord,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.savepoint()?;
        for (id, state) in &r.states {
            upsert_state(&tx, *id, state)?;
            tx.execute(
                "UPDATE sync_docs SET known_to_server = 1, evicted_at = NULL WHERE family_id = ?1",
                [id.to_string()],
            )?;
        }
        for a in &r.acks {
            let id = a.family_id.to_string();
            tx.execute(
                "INSERT INTO sync_docs (family_id, state, acked_heads, known_to_server) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT(family_id) DO UPDATE SET acked_heads = excluded.acked_heads,
                    known_to_server = 1, state = coalesce(excluded.state, sync_docs.state)",
                params![id, a.state, heads_to_text(&a.acked_heads)],
            )?;
            tx.execute("DELETE FROM sync_rejections WHERE family_id = ?1", [&id])?;
        }
        for (id, reason) in &r.rejections {
            tx.execute(
                "INSERT INTO sync_rejections (family_id, reason, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(family_id) DO UPDATE SET reason = excluded.reason, at = excluded.at",
                params![id.to_string(), reason, at.to_rfc3339()],
            )?;
        }
        for id in &r.evicted {
            tx.execute(
                "INSERT INTO sync_docs (family_id, evicted_at) VALUES (?1, ?2)
                 ON CONFLICT(family_id) DO UPDATE SET evicted_at = coalesce(sync_docs.evicted_at, excluded.evicted_at)",
                params![id.to_string(), at.to_rfc3339()],
            )?;
        }
        for (id, owed) in &r.owed {
            tx.execute(
                "INSERT INTO sync_docs (family_id, answer_owed) VALUES (?1, ?2)
                 ON CONFLICT(family_id) DO UPDATE SET answer_owed = excluded.answer_owed",
                params![id.to_string(), i64::from(*owed)],
            )?;
        }
        if let Some(tip) = &r.audit_ack {
            audit::acknowledge(&tx, tip.seq, &tip.hash)?;
        }
        if let Some(reason) = &r.audit_refused {
            tx.execute(
                "UPDATE sync_server SET audit_refused = ?1 WHERE id = 1",
                [reason],
            )?;
        }
        if let Some((epoch, seq)) = &r.cursor {
            let seq = i64::try_from(*seq)
                .map_err(|_| StoreError::Corrupt("cursor sequence out of range".into()))?;
            tx.execute(
                "UPDATE sync_server SET epoch = ?1, seq = ?2 WHERE id = 1",
                params![epoch, seq],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets every family's sync state to `state`, forgets acknowledged
    /// heads and marks every family on the device unknown to the server, so
    /// it is sent whole (the server was restored from a backup: whatever it
    /// lost comes back, whatever it kept merges without change).
    pub fn reset_sync_states(&mut self, state: &[u8]) -> Result<(), StoreError> {
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO sync_docs (family_id, state, acked_heads, known_to_server)
             SELECT family_id, ?1, '', 0 FROM documents WHERE true
             ON CONFLICT(family_id) DO UPDATE SET known_to_server = 0",
            params![state],
        )?;
        tx.execute(
            "UPDATE sync_docs SET state = ?1, acked_heads = ''",
            params![state],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes a family's copy from this device — its document, projection
    /// rows, conflicts and sync rows — and audits it (`family.evicted`),
    /// but only if every head of the stored document is in `acknowledged`
    /// (checked inside the transaction, so a change written meanwhile is
    /// never lost); returns whether it was removed. The record lives on in
    /// the server; nothing is removed there.
    pub fn evict_family(
        &mut self,
        id: Uuid,
        acknowledged: &[ChangeHash],
        who: &Actor<'_>,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let id_s = id.to_string();
        let heads: Option<String> = tx
            .query_row(
                "SELECT heads FROM documents WHERE family_id = ?1",
                [&id_s],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(heads) = heads {
            if heads_from_text(&heads)?
                .iter()
                .any(|h| !acknowledged.contains(h))
            {
                return Ok(false);
            }
        }
        tx.execute("DELETE FROM document_chunks WHERE family_id = ?1", [&id_s])?;
        tx.execute("DELETE FROM documents WHERE family_id = ?1", [&id_s])?;
        for t in projection::TABLES {
            let col = if *t == "families" { "id" } else { "family_id" };
            tx.execute(&format!("DELETE FROM {t} WHERE {col} = ?1"), [&id_s])?;
        }
        for t in ["conflicts", "sync_docs", "sync_rejections"] {
            tx.execute(&format!("DELETE FROM {t} WHERE family_id = ?1"), [&id_s])?;
        }
        audit::append(
            &tx,
            &audit::Entry {
                practitioner: who.practitioner,
                action: "family.evicted",
                record_kind: "family",
                record_id: Some(id_s.clone()),
                family_id: Some(id_s),
                at: who.now,
            },
        )?;
        tx.commit()?;
        self.docs.remove(&id);
        self.records.remove(&id);
        Ok(true)
    }

    /// The server's refusals, oldest first.
    pub fn sync_rejections(&self) -> Result<Vec<RejectionRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT family_id, reason, at FROM sync_rejections ORDER BY at, family_id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, reason, at) = row?;
            out.push(RejectionRow {
                family_id: parse_id(&id)?,
                reason,
                at,
            });
        }
        Ok(out)
    }

    /// The names families are listed under (`families.display_name`, or
    /// the first address line for a household with no members yet), for
    /// the ids given that are on the device.
    pub fn family_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT CASE WHEN display_name = '' THEN address_line1 ELSE display_name END
             FROM families WHERE id = ?1",
        )?;
        let mut out = HashMap::new();
        for id in ids {
            if let Some(name) = stmt
                .query_row([id.to_string()], |r| r.get::<_, String>(0))
                .optional()?
            {
                out.insert(*id, name);
            }
        }
        Ok(out)
    }

    /// The conflicts projection: of one family, or of all, in family then
    /// document order.
    pub fn conflict_rows(&self, family: Option<Uuid>) -> Result<Vec<ConflictRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT family_id, idx, path, vals FROM conflicts
             WHERE ?1 IS NULL OR family_id = ?1 ORDER BY family_id, idx",
        )?;
        let rows = stmt.query_map([family.map(|f| f.to_string())], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, idx, path, vals) = row?;
            let bad = |_| StoreError::Corrupt("bad conflict row".into());
            out.push(ConflictRow {
                family_id: parse_id(&id)?,
                idx,
                path: serde_json::from_str(&path).map_err(bad)?,
                values: serde_json::from_str::<Vec<StoredValue>>(&vals)
                    .map_err(bad)?
                    .into_iter()
                    .map(ConflictValue::from)
                    .collect(),
            });
        }
        Ok(out)
    }

    /// Closes the database (before a crypto-erase removes its files). The
    /// store cannot be used afterwards: every call fails.
    pub fn close(&mut self) -> Result<(), StoreError> {
        let closed = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        self.docs.clear();
        self.records.clear();
        closed.close().map_err(|(_, e)| StoreError::Sql(e))
    }
}

pub(crate) fn upsert_state(conn: &Connection, id: Uuid, state: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sync_docs (family_id, state) VALUES (?1, ?2)
         ON CONFLICT(family_id) DO UPDATE SET state = excluded.state",
        params![id.to_string(), state],
    )?;
    Ok(())
}

pub(crate) fn audit_merge(tx: &Connection, id: Uuid, who: &Actor<'_>) -> Result<(), StoreError> {
    audit::append(
        tx,
        &audit::Entry {
            practitioner: who.practitioner,
            action: "sync.merge",
            record_kind: "family",
            record_id: Some(id.to_string()),
            family_id: Some(id.to_string()),
            at: who.now,
        },
    )
}

/// A conflict value as stored in `conflicts.vals`.
#[derive(serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
struct StoredValue {
    value: Value,
    practitioner: Option<String>,
    action: Option<String>,
    device: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_name: Option<String>,
    at: Option<i64>,
    change: Option<String>,
}

impl From<StoredValue> for ConflictValue {
    fn from(v: StoredValue) -> Self {
        ConflictValue {
            value: v.value,
            practitioner: v.practitioner,
            action: v.action,
            device: v.device,
            device_name: v.device_name,
            at: v.at,
            change: v.change,
        }
    }
}

/// Rewrites a family's rows of the conflicts projection; returns how many.
pub(crate) fn write_conflicts(
    conn: &Connection,
    id: Uuid,
    list: &[Conflict],
) -> Result<usize, StoreError> {
    let id_s = id.to_string();
    conn.execute("DELETE FROM conflicts WHERE family_id = ?1", [&id_s])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO conflicts (family_id, idx, path, vals) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, c) in list.iter().enumerate() {
        let vals: Vec<StoredValue> = c
            .values
            .iter()
            .map(|v| StoredValue {
                value: v.value.clone(),
                practitioner: v.practitioner.clone(),
                action: v.action.clone(),
                device: v.device,
                device_name: v.device_name.clone(),
                at: v.at,
                change: v.change.clone(),
            })
            .collect();
        let path = serde_json::to_string(&c.path)
            .map_err(|e| StoreError::Corrupt(format!("conflict path: {e}")))?;
        let vals = serde_json::to_string(&vals)
            .map_err(|e| StoreError::Corrupt(format!("conflict values: {e}")))?;
        stmt.execute(params![id_s, i as i64, path, vals])?;
    }
    Ok(list.len())
}

/// Whether a family has rows in the conflicts projection.
pub(crate) fn has_conflicts(conn: &Connection, id: Uuid) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM conflicts WHERE family_id = ?1 LIMIT 1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

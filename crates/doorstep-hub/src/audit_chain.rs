//! The server's own audit as a hash chain. Rows are written without a
//! link, so concurrent syncs never wait on one another for the audit, and
//! [`Hub::seal_audit`] (run by the server every few seconds, one sealer at
//! a time across processes) links the unsealed ones into the chain in
//! order: each sealed row's hash covers its position, its fields and the
//! previous sealed row's hash, and the tip (`meta.audit_tip`) names the
//! last. [`Hub::verify_audit`] walks the chain: an edited, removed or
//! reordered sealed row, or a removed tail, breaks it.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::Tx;
use crate::{Hub, HubError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows sealed per transaction.
const SEAL_BATCH: i64 = 5_000;

/// What [`Hub::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Rows in the chain.
    pub sealed: u64,
    /// Rows written but not yet sealed (the last few seconds' at most).
    pub unsealed: u64,
    /// The first position where the chain does not hold, if any (one past
    /// the last row when the tail was removed).
    pub broken_at: Option<u64>,
}

impl AuditVerification {
    /// Whether the chain holds.
    pub fn ok(&self) -> bool {
        self.broken_at.is_none()
    }
}

/// One audit row as the chain covers it.
struct Sealable {
    id: String,
    at: String,
    actor: String,
    action: String,
    family_id: Option<String>,
    detail: String,
}

fn read(r: &crate::db::Row) -> Result<Sealable, HubError> {
    Ok(Sealable {
        id: r.text(0)?,
        at: r.text(1)?,
        actor: r.text(2)?,
        action: r.text(3)?,
        family_id: r.opt_text(4)?,
        detail: r.text(5)?,
    })
}

fn link(prev: &str, pos: i64, row: &Sealable) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &pos.to_string(),
        &row.id,
        &row.at,
        &row.actor,
        &row.action,
        row.family_id.as_deref().unwrap_or(""),
        &row.detail,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

fn tip(tx: &mut dyn Tx) -> Result<(i64, String), HubError> {
    let value = tx
        .query_one("SELECT value FROM meta WHERE key = 'audit_tip'", &[])?
        .text(0)?;
    let (pos, hash) = value
        .split_once(':')
        .ok_or_else(|| HubError::Corrupt("the audit tip is unreadable".into()))?;
    let pos = pos
        .parse()
        .map_err(|_| HubError::Corrupt("the audit tip is unreadable".into()))?;
    Ok((pos, hash.to_string()))
}

impl Hub {
    /// Links every audit row not yet in the chain into it, oldest first;
    /// how many were sealed.
    pub fn seal_audit(&self) -> Result<u64, HubError> {
        let mut sealed = 0;
        loop {
            let n = self.db.transaction(|tx| {
                // Taking the tip's row first makes sealers take turns.
                tx.execute("UPDATE meta SET value = value WHERE key = 'audit_tip'", &[])?;
                let (mut pos, mut prev) = tip(tx)?;
                let rows = tx.query(
                    "SELECT id, at, actor, action, family_id, detail FROM audit
                     WHERE chain_pos IS NULL ORDER BY at, id LIMIT $1",
                    &[SEAL_BATCH.into()],
                )?;
                for r in &rows {
                    let row = read(r)?;
                    pos += 1;
                    let hash = link(&prev, pos, &row);
                    tx.execute(
                        "UPDATE audit SET chain_pos = $2, prev_hash = $3, hash = $4 WHERE id = $1",
                        &[(&row.id).into(), pos.into(), (&prev).into(), (&hash).into()],
                    )?;
                    prev = hash;
                }
                tx.execute(
                    "UPDATE meta SET value = $1 WHERE key = 'audit_tip'",
                    &[format!("{pos}:{prev}").into()],
                )?;
                Ok(rows.len() as u64)
            })?;
            sealed += n;
            if n < SEAL_BATCH as u64 {
                return Ok(sealed);
            }
        }
    }

    /// Walks the chain from its first row to the tip.
    pub fn verify_audit(&self) -> Result<AuditVerification, HubError> {
        self.db.read(|tx| {
            let (tip_pos, tip_hash) = tip(tx)?;
            let unsealed = tx
                .query_one("SELECT count(*) FROM audit WHERE chain_pos IS NULL", &[])?
                .int(0)?;
            let mut expected_pos = 1i64;
            let mut prev = GENESIS.to_string();
            let mut broken_at = None;
            'walk: loop {
                let rows = tx.query(
                    "SELECT id, at, actor, action, family_id, detail, chain_pos, prev_hash, hash
                     FROM audit WHERE chain_pos >= $1 ORDER BY chain_pos LIMIT $2",
                    &[expected_pos.into(), SEAL_BATCH.into()],
                )?;
                for r in &rows {
                    let row = read(r)?;
                    let pos = r.int(6)?;
                    let stored_prev = r.text(7)?;
                    let stored = r.text(8)?;
                    if pos != expected_pos
                        || stored_prev != prev
                        || stored != link(&prev, pos, &row)
                    {
                        broken_at = Some(expected_pos as u64);
                        break 'walk;
                    }
                    prev = stored;
                    expected_pos += 1;
                }
                if (rows.len() as i64) < SEAL_BATCH {
                    break;
                }
            }
            let last = expected_pos - 1;
            if broken_at.is_none() && (last != tip_pos || prev != tip_hash) {
                broken_at = Some(last.min(tip_pos) as u64 + 1);
            }
            Ok(AuditVerification {
                sealed: last.max(0) as u64,
                unsealed: unsealed.max(0) as u64,
                broken_at,
            })
        })
    }
}

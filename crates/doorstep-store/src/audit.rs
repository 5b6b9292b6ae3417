//! The hash-chained local audit log: who viewed or changed which record,
//! when (UTC). Each row's hash covers its own fields and the previous row's
//! hash ([`doorstep_sync::audit::row_hash`], the rule the server checks
//! with), and the newest hash is also kept in `meta`, so an edited, removed
//! or reordered row is detected by [`verify`]. Each sync sends the rows
//! after the last one the server acknowledged ([`unacknowledged`]); the
//! server keeps its own copy, and [`verify`] checks the acknowledged row
//! still reads as the server took it.

use chrono::{DateTime, Utc};
use doorstep_sync::audit::{AuditRow, RowFields};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::StoreError;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who.
    pub practitioner: &'a str,
    /// What (e.g. `family.view`, `person.add`).
    pub action: &'a str,
    /// Kind of record.
    pub record_kind: &'a str,
    /// Record id.
    pub record_id: Option<String>,
    /// Family the record belongs to.
    pub family_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An audit row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Row {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// UTC time, RFC 3339.
    pub at: String,
    /// Who.
    pub practitioner: String,
    /// What.
    pub action: String,
    /// Kind of record.
    pub record_kind: String,
    /// Record id.
    pub record_id: Option<String>,
    /// Family id.
    pub family_id: Option<String>,
    /// Previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// A row's hash as stored (hex), by the rule the server checks with.
fn row_hash(
    seq: i64,
    at: &str,
    e: (&str, &str, &str, Option<&str>, Option<&str>),
    prev: &str,
) -> String {
    let fields = RowFields {
        practitioner: e.0,
        action: e.1,
        record_kind: e.2,
        record_id: e.3,
        family_id: e.4,
    };
    let seq = u64::try_from(seq).unwrap_or(0);
    hex::encode(doorstep_sync::audit::row_hash(
        seq,
        at,
        fields,
        &unhex(prev),
    ))
}

/// A stored hex hash as bytes; text that is not one (an edited row) reads
/// as bytes no row's hash has.
fn unhex(hash: &str) -> [u8; 32] {
    doorstep_sync::audit::parse_hash(hash).unwrap_or([0xff; 32])
}

/// Appends an entry at the end of the chain (inside the caller's transaction).
pub fn append(conn: &Connection, e: &Entry<'_>) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let hash = row_hash(
        seq,
        &at,
        (
            e.practitioner,
            e.action,
            e.record_kind,
            e.record_id.as_deref(),
            e.family_id.as_deref(),
        ),
        &prev,
    );
    conn.execute(
        "INSERT INTO audit (seq, at, practitioner, action, record_kind, record_id, family_id, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![seq, at, e.practitioner, e.action, e.record_kind, e.record_id, e.family_id, prev, hash],
    )?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_tip', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [format!("{seq}:{hash}")],
    )?;
    Ok(())
}

/// The columns [`row_from`] reads, in order.
const COLUMNS: &str =
    "seq, at, practitioner, action, record_kind, record_id, family_id, prev_hash, hash";

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        at: r.get(1)?,
        practitioner: r.get(2)?,
        action: r.get(3)?,
        record_kind: r.get(4)?,
        record_id: r.get(5)?,
        family_id: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

fn read_rows(conn: &Connection, family: Option<&str>) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit WHERE ?1 IS NULL OR family_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt
        .query_map([family], row_from)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The rows after the last one the server acknowledged for this
/// enrolment, oldest first, at most `limit`, as the exchange carries them.
pub fn unacknowledged(conn: &Connection, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
    let acked = acknowledged(conn)?.map_or(0, |(seq, _)| seq);
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![acked, limit], row_from)?
        .map(|r| {
            r.map(|r| AuditRow {
                seq: u64::try_from(r.seq).unwrap_or(0),
                prev_hash: unhex(&r.prev_hash),
                hash: unhex(&r.hash),
                at: r.at,
                practitioner: r.practitioner,
                action: r.action,
                record_kind: r.record_kind,
                record_id: r.record_id,
                family_id: r.family_id,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The last row the server acknowledged for this enrolment: its position
/// and hash (none before the first acknowledgement, or not enrolled).
fn acknowledged(conn: &Connection) -> Result<Option<(i64, String)>, StoreError> {
    let row: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT audit_acked_seq, audit_acked_hash FROM sync_server WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row
        .and_then(|(seq, hash)| Some((seq, hash?)))
        .filter(|(seq, _)| *seq > 0))
}

/// Records the server's acknowledgement: it holds this chain's rows up to
/// `seq`, whose hash is `hash` (inside the caller's transaction). Taken
/// only when that is this chain's row there; it may move back (a server
/// restored from a backup holds fewer rows: they are sent again).
pub fn acknowledge(conn: &Connection, seq: u64, hash: &[u8; 32]) -> Result<(), StoreError> {
    let seq = i64::try_from(seq).unwrap_or(i64::MAX);
    let ours: Option<String> = if seq == 0 {
        Some(GENESIS.to_string())
    } else {
        conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0))
            .optional()?
    };
    if ours.as_deref() != Some(hex::encode(hash).as_str()) {
        return Ok(());
    }
    conn.execute(
        "UPDATE sync_server SET audit_acked_seq = ?1, audit_acked_hash = ?2, audit_refused = NULL
         WHERE id = 1",
        params![seq, (seq > 0).then(|| hex::encode(hash))],
    )?;
    Ok(())
}

/// The audit rows about one family, oldest first.
pub fn for_family(conn: &Connection, family_id: &str) -> Result<Vec<Row>, StoreError> {
    read_rows(conn, Some(family_id))
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    /// Rows checked.
    pub rows: usize,
    /// What is wrong, by position; empty when the chain is intact.
    pub problems: Vec<String>,
}

impl Verification {
    /// True when the chain is intact.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every row's hash, the links between rows, the sequence and the
/// recorded tip.
pub fn verify(conn: &Connection) -> Result<Verification, StoreError> {
    let rows = read_rows(conn, None)?;
    let mut problems = Vec::new();
    let mut prev_hash = GENESIS.to_string();
    for (i, r) in rows.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if r.seq != expected_seq {
            problems.push(format!(
                "row {expected_seq}: missing (the next row is {}): rows were removed",
                r.seq
            ));
            break;
        }
        let h = row_hash(
            r.seq,
            &r.at,
            (
                &r.practitioner,
                &r.action,
                &r.record_kind,
                r.record_id.as_deref(),
                r.family_id.as_deref(),
            ),
            &r.prev_hash,
        );
        if h != r.hash {
            problems.push(format!(
                "row {}: contents do not match its hash: the row was edited or moved",
                r.seq
            ));
        }
        if r.prev_hash != prev_hash {
            problems.push(format!(
                "row {}: does not follow row {}: rows were removed or reordered",
                r.seq,
                r.seq - 1
            ));
        }
        prev_hash = r.hash.clone();
    }
    let tip: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'audit_tip'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let last = rows.last().map(|r| format!("{}:{}", r.seq, r.hash));
    if tip != last && problems.is_empty() {
        problems.push(match (&tip, &last) {
            (Some(t), _) => format!(
                "the log ends at row {} but the recorded last row is {}: rows at the end were removed or changed",
                rows.len(),
                t.split(':').next().unwrap_or("?")
            ),
            (None, Some(_)) => "the recorded last row is missing".to_string(),
            (None, None) => unreachable!(),
        });
    }
    // The row the server acknowledged must still be the one it took.
    if let Some((seq, hash)) = acknowledged(conn)? {
        let row = usize::try_from(seq - 1).ok().and_then(|i| rows.get(i));
        match row {
            Some(r) if r.seq == seq && r.hash == hash => {}
            Some(_) => problems.push(format!(
                "row {seq}: not the row the server acknowledged: rows already sent to the server were changed"
            )),
            None => problems.push(format!(
                "row {seq}: the server acknowledged it, but it is gone: rows already sent to the server were removed"
            )),
        }
    }
    Ok(Verification {
        rows: rows.len(),
        problems,
    })
}

//! The laptop's audit log as the exchange carries it (ARCHITECTURE.md §6):
//! the rule that hashes one row, shared by the laptop's chain and the
//! server's copy, and whether rows a laptop sends continue the chain the
//! server already holds for it.
//!
//! Each sync carries the rows after the last one the server acknowledged
//! (up to [`crate::Limits::audit_rows_per_body`]); the server keeps them
//! append-only per device and acknowledges its new tip. Rows that do not
//! continue that tip (edited, removed or reordered after they were sent)
//! are refused, so a laptop cannot rewrite what it has already reported.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The hash before the first row: the first row's `prev_hash`.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit row as the laptop recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Position in the laptop's chain, from 1.
    pub seq: u64,
    /// When, RFC 3339 UTC as the laptop wrote it.
    pub at: String,
    /// Who.
    pub practitioner: String,
    /// What (e.g. `family.view`).
    pub action: String,
    /// Kind of record.
    pub record_kind: String,
    /// Record id.
    pub record_id: Option<String>,
    /// The family the record belongs to.
    pub family_id: Option<String>,
    /// The previous row's hash ([`GENESIS`] for the first).
    pub prev_hash: [u8; 32],
    /// This row's hash ([`row_hash`]).
    pub hash: [u8; 32],
}

impl AuditRow {
    /// The hash this row's fields and link call for.
    pub fn expected_hash(&self) -> [u8; 32] {
        row_hash(
            self.seq,
            &self.at,
            RowFields {
                practitioner: &self.practitioner,
                action: &self.action,
                record_kind: &self.record_kind,
                record_id: self.record_id.as_deref(),
                family_id: self.family_id.as_deref(),
            },
            &self.prev_hash,
        )
    }
}

/// The last row of a chain: its position and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTip {
    /// Position of the row.
    pub seq: u64,
    /// Its hash.
    pub hash: [u8; 32],
}

impl AuditTip {
    /// The tip before any row.
    pub fn start() -> AuditTip {
        AuditTip {
            seq: 0,
            hash: GENESIS,
        }
    }
}

/// A hash written as hex (as both sides store them), if it is one.
pub fn parse_hash(hex_text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).ok()?;
    Some(out)
}

/// A row's fields besides its position, time and link.
#[derive(Clone, Copy, Debug)]
pub struct RowFields<'a> {
    /// Who.
    pub practitioner: &'a str,
    /// What.
    pub action: &'a str,
    /// Kind of record.
    pub record_kind: &'a str,
    /// Record id.
    pub record_id: Option<&'a str>,
    /// Family id.
    pub family_id: Option<&'a str>,
}

/// A row's hash: SHA-256 over the previous row's hash (as lower-case hex),
/// the position, the time and each field, each followed by 0x1f.
pub fn row_hash(seq: u64, at: &str, f: RowFields<'_>, prev: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        hex::encode(prev).as_str(),
        &seq.to_string(),
        at,
        f.practitioner,
        f.action,
        f.record_kind,
        f.record_id.unwrap_or(""),
        f.family_id.unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().into()
}

/// Why rows a laptop sent do not continue the chain the server holds.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum AuditRefusal {
    /// A row's hash is not its contents'.
    #[error("audit row {seq} does not match its hash: it was edited after it was written")]
    Edited {
        /// The row.
        seq: u64,
    },
    /// Rows are missing between the server's tip and what was sent, or
    /// between two rows sent.
    #[error("audit rows are missing before row {found} (row {expected} was expected): rows were removed")]
    Gap {
        /// The row that should have come next.
        expected: u64,
        /// The row that came.
        found: u64,
    },
    /// A row does not follow the one before it: rows the server already
    /// holds were changed, removed or reordered after they were sent.
    #[error("audit row {seq} does not follow the row before it: rows already sent were changed")]
    Fork {
        /// The row.
        seq: u64,
    },
}

/// What rows sent in one request do to the server's copy.
#[derive(Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The rows beyond the server's tip, to store (oldest first).
    pub new: &'a [AuditRow],
    /// The tip once they are stored.
    pub tip: AuditTip,
}

/// Of `rows` (oldest first, consecutive), the ones that continue `tip`, the
/// last row the server holds for the laptop. Rows the server already holds
/// are allowed (a request sent again); the row after the tip must link to
/// it. Rows entirely older than the tip are a late copy of an earlier
/// request and change nothing.
pub fn extend<'a>(tip: &AuditTip, rows: &'a [AuditRow]) -> Result<Extension<'a>, AuditRefusal> {
    for (i, row) in rows.iter().enumerate() {
        if row.expected_hash() != row.hash {
            return Err(AuditRefusal::Edited { seq: row.seq });
        }
        if let Some(prev) = i.checked_sub(1).map(|p| &rows[p]) {
            if row.seq != prev.seq.saturating_add(1) {
                return Err(AuditRefusal::Gap {
                    expected: prev.seq.saturating_add(1),
                    found: row.seq,
                });
            }
            if row.prev_hash != prev.hash {
                return Err(AuditRefusal::Fork { seq: row.seq });
            }
        }
    }
    let unchanged = Extension {
        new: &[],
        tip: tip.clone(),
    };
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(unchanged);
    };
    let next = tip.seq.saturating_add(1);
    if first.seq > next {
        return Err(AuditRefusal::Gap {
            expected: next,
            found: first.seq,
        });
    }
    if last.seq < tip.seq {
        return Ok(unchanged);
    }
    if last.seq == tip.seq {
        return if last.hash == tip.hash {
            Ok(unchanged)
        } else {
            Err(AuditRefusal::Fork { seq: last.seq })
        };
    }
    // Rows are consecutive, so the one after the tip is at this index.
    let at = usize::try_from(next - first.seq).unwrap_or(usize::MAX);
    let new = &rows[at..];
    if new[0].prev_hash != tip.hash {
        return Err(AuditRefusal::Fork { seq: new[0].seq });
    }
    Ok(Extension {
        new,
        tip: AuditTip {
            seq: last.seq,
            hash: last.hash,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `n` rows from the start.
    fn chain(n: u64) -> Vec<AuditRow> {
        let mut rows: Vec<AuditRow> = Vec::new();
        for seq in 1..=n {
            let prev = rows.last().map_or(GENESIS, |r| r.hash);
            let mut row = AuditRow {
                seq,
                at: format!("2026-12-07T09:{seq:02}:00.000000Z"),
                practitioner: "Asha Patel".into(),
                action: "family.view".into(),
                record_kind: "family".into(),
                record_id: Some(format!("f{seq}")),
                family_id: Some(format!("f{seq}")),
                prev_hash: prev,
                hash: [0; 32],
            };
            row.hash = row.expected_hash();
            rows.push(row);
        }
        rows
    }

    fn tip(row: &AuditRow) -> AuditTip {
        AuditTip {
            seq: row.seq,
            hash: row.hash,
        }
    }

    #[test]
    fn rows_after_the_tip_extend_it_and_rows_sent_again_change_nothing() {
        let rows = chain(6);
        // From the start.
        let e = extend(&AuditTip::start(), &rows[..3]).unwrap();
        assert_eq!((e.new.len(), e.tip.clone()), (3, tip(&rows[2])));
        // Overlapping a request sent again.
        let e = extend(&tip(&rows[2]), &rows[1..]).unwrap();
        assert_eq!(e.new.first().map(|r| r.seq), Some(4));
        assert_eq!(e.tip, tip(&rows[5]));
        // Exactly the tip, or a late copy of an older request.
        assert!(extend(&tip(&rows[5]), &rows[3..]).unwrap().new.is_empty());
        assert!(extend(&tip(&rows[5]), &rows[..2]).unwrap().new.is_empty());
        assert_eq!(
            extend(&tip(&rows[5]), &[]).unwrap().tip,
            tip(&rows[5]),
            "nothing sent keeps the tip"
        );
    }

    #[test]
    fn edited_removed_or_rewritten_rows_are_refused() {
        let rows = chain(6);
        let mut edited = rows.clone();
        edited[3].action = "family.create".into();
        assert_eq!(
            extend(&tip(&rows[2]), &edited[3..]),
            Err(AuditRefusal::Edited { seq: 4 })
        );
        // A gap after the tip, or inside what was sent.
        assert_eq!(
            extend(&tip(&rows[1]), &rows[3..]),
            Err(AuditRefusal::Gap {
                expected: 3,
                found: 4
            })
        );
        let gapped = [rows[0].clone(), rows[2].clone()];
        assert!(matches!(
            extend(&AuditTip::start(), &gapped),
            Err(AuditRefusal::Gap { .. })
        ));
        // A chain rewritten from row 3 on, hashes recomputed: it no longer
        // continues what the server holds.
        let mut rewritten = rows[..2].to_vec();
        for mut row in rows[3..].iter().cloned() {
            row.seq -= 1;
            row.prev_hash = rewritten.last().unwrap().hash;
            row.hash = row.expected_hash();
            rewritten.push(row);
        }
        assert_eq!(
            extend(&tip(&rows[3]), &rewritten[2..]),
            Err(AuditRefusal::Fork { seq: 5 })
        );
        assert_eq!(
            extend(&tip(&rows[2]), &rewritten[2..]),
            Err(AuditRefusal::Fork { seq: 4 })
        );
    }
}

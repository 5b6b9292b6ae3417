//! Unsaved work kept as it is typed: one row per draft (a contact being
//! written for a family, say), its body as the UI gave it, in the encrypted
//! database. Drafts are the device's own: never synced, never audited as
//! records (they are not records until saved), removed when saved or
//! discarded.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::StoreError;

/// The most a draft's body may hold (a long visit note is about 20 KB).
pub const BODY_MAX: usize = 256 * 1024;
/// The most drafts kept; the oldest go first beyond it.
pub const KEEP: usize = 50;

/// A kept draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Draft {
    /// What it is a draft of, as the UI names it (`contact:<family id>`).
    pub key: String,
    /// The family.
    pub family_id: String,
    /// The screen that brings it back (`contact`, `contact-edit`).
    pub screen: String,
    /// The UI's state, as JSON text.
    pub body: String,
    /// When last saved (UTC, RFC 3339).
    pub updated_at: String,
}

/// Keeps `draft`, replacing any with its key, and drops the oldest beyond
/// [`KEEP`].
pub fn save(conn: &Connection, draft: &Draft) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO drafts (key, family_id, screen, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(key) DO UPDATE SET family_id = ?2, screen = ?3, body = ?4, updated_at = ?5",
        params![
            draft.key,
            draft.family_id,
            draft.screen,
            draft.body,
            draft.updated_at
        ],
    )?;
    tx.execute(
        "DELETE FROM drafts WHERE key NOT IN
           (SELECT key FROM drafts ORDER BY updated_at DESC, key LIMIT ?1)",
        [KEEP as i64],
    )?;
    tx.commit()?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        key: r.get(0)?,
        family_id: r.get(1)?,
        screen: r.get(2)?,
        body: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

/// The draft with `key`, if kept.
pub fn get(conn: &Connection, key: &str) -> Result<Option<Draft>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT key, family_id, screen, body, updated_at FROM drafts WHERE key = ?1",
            [key],
            row,
        )
        .optional()?)
}

/// Every kept draft, the latest first.
pub fn all(conn: &Connection) -> Result<Vec<Draft>, StoreError> {
    let mut st = conn.prepare(
        "SELECT key, family_id, screen, body, updated_at FROM drafts
         ORDER BY updated_at DESC, key",
    )?;
    let rows = st.query_map([], row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Removes the draft with `key` (nothing when there is none).
pub fn discard(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM drafts WHERE key = ?1", [key])?;
    Ok(())
}

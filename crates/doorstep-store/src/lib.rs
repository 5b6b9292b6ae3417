//! The device store: the SQLCipher database opened with a wrapped random
//! key, one Automerge document per family with SQL projections beside it,
//! and the hash-chained audit log.
//!
//! Every write goes through [`Store::apply`]: the document change, its
//! projection rows and its audit row are written in one SQL transaction, so
//! a crash leaves either all of them or none. Sync's writes (merging what
//! the server sent, evicting a family, resolving a conflict) keep the same
//! rule; see [`sync_state`].

pub mod audit;
pub mod db;
pub mod drafts;
pub mod facts;
pub mod key;
pub mod merge;
pub mod passphrase;
pub mod profile;
pub mod projection;
pub mod sync_state;

use std::collections::HashMap;

use automerge::AutoCommit;
use chrono::{DateTime, NaiveDate, Utc};
use doorstep_document::{author, json, record};
use doorstep_domain::record::action::Action;
use doorstep_domain::record::family::Family;
use doorstep_domain::record::listing::{FamilyPage, FamilyQuery};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

pub use key::{DataKey, KdfParams};
pub use profile::{ProfileDir, ProfileInfo, UnlockPolicy};

/// Incremental chunks kept per document before it is compacted.
const COMPACT_AFTER: i64 = 64;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The passphrase did not unwrap the key.
    #[error("passphrase not accepted")]
    WrongPassphrase {
        /// Failures so far.
        failures: u32,
        /// Failures that trigger an erase.
        max_failures: u32,
        /// Whether to warn about the coming erase.
        warn: bool,
        /// Wait before the next attempt.
        next_wait: std::time::Duration,
    },
    /// The local data was crypto-erased.
    #[error("the local data on this device was erased")]
    Erased {
        /// When.
        at: DateTime<Utc>,
        /// Whether this attempt caused it.
        just_now: bool,
    },
    /// No profile in the data directory.
    #[error("no device profile here")]
    NoProfile,
    /// A profile already exists.
    #[error("a device profile already exists here")]
    ProfileExists,
    /// A family that is not on this device.
    #[error("no such family on this device")]
    FamilyNotFound,
    /// Files or data that cannot be read as expected.
    #[error("store is damaged: {0}")]
    Corrupt(String),
    /// SQLite / SQLCipher.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A column of an unexpected type.
    #[error("database value of the wrong type: {0}")]
    Column(#[from] rusqlite::types::FromSqlError),
    /// Automerge.
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),
    /// A family document that does not fit the model.
    #[error("document error: {0}")]
    FamilyDocument(Box<doorstep_document::DocumentError>),
    /// File system.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The device is already enrolled with a server.
    #[error("this device is already enrolled")]
    AlreadyEnrolled,
}

/// One family's part of a write: its id, the actions, and whether the
/// document is new.
#[derive(Debug, Clone)]
pub struct Write {
    /// The family.
    pub id: Uuid,
    /// Validated actions, one commit each.
    pub actions: Vec<Action>,
    /// Whether this creates the family's document.
    pub create: bool,
}

impl From<doorstep_document::DocumentError> for StoreError {
    fn from(e: doorstep_document::DocumentError) -> Self {
        StoreError::FamilyDocument(Box::new(e))
    }
}

/// The unlocked device store.
pub struct Store {
    conn: Connection,
    /// This device, named in the actor id of every change it writes.
    device: Uuid,
    docs: HashMap<Uuid, AutoCommit>,
    /// The record each cached document holds, read once per change.
    records: HashMap<Uuid, Family>,
}

/// What a write records in the audit log besides the action.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    /// Who.
    pub practitioner: &'a str,
    /// When.
    pub now: DateTime<Utc>,
    /// Today's date, for the projections.
    pub today: NaiveDate,
}

impl Store {
    /// Creates the database with `key` and applies the migrations.
    pub fn create(dir: &ProfileDir, key: &DataKey) -> Result<Store, StoreError> {
        let device = dir.info()?.device_id;
        let mut conn = db::open(&dir.database(), key, true)?;
        db::migrate(&mut conn)?;
        Ok(Store {
            conn,
            device,
            docs: HashMap::new(),
            records: HashMap::new(),
        })
    }

    /// Opens the database with `key` (migrating it if the app is newer).
    pub fn open(dir: &ProfileDir, key: &DataKey) -> Result<Store, StoreError> {
        let device = dir.info()?.device_id;
        let mut conn = db::open(&dir.database(), key, false)?;
        let rebuild = db::migrate(&mut conn)?;
        let mut store = Store {
            conn,
            device,
            docs: HashMap::new(),
            records: HashMap::new(),
        };
        if rebuild {
            let today = doorstep_domain::values::calendar::london_date(Utc::now());
            store.rebuild_projections(today)?;
        }
        Ok(store)
    }

    /// The raw connection, for read-only checks in tests and benchmarks.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn load_doc(
        conn: &Connection,
        device: Uuid,
        id: Uuid,
    ) -> Result<Option<AutoCommit>, StoreError> {
        let snapshot: Option<Vec<u8>> = conn
            .query_row(
                "SELECT snapshot FROM documents WHERE family_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(snapshot) = snapshot else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(
            "SELECT bytes FROM document_chunks WHERE family_id = ?1 ORDER BY seq",
        )?;
        let chunks = stmt
            .query_map([id.to_string()], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(json::load(
            &snapshot,
            &chunks,
            author::actor_for(device),
        )?))
    }

    /// Forgets a cached document when the database holds a newer one (another
    /// process, or another session on this device, wrote it since).
    fn drop_if_stale(&mut self, id: Uuid) -> Result<(), StoreError> {
        let Some(d) = self.docs.get_mut(&id) else {
            return Ok(());
        };
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT heads FROM documents WHERE family_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() != Some(heads_text(d).as_str()) {
            self.docs.remove(&id);
            self.records.remove(&id);
        }
        Ok(())
    }

    fn doc_mut(&mut self, id: Uuid) -> Result<&mut AutoCommit, StoreError> {
        if !self.docs.contains_key(&id) {
            let d =
                Self::load_doc(&self.conn, self.device, id)?.ok_or(StoreError::FamilyNotFound)?;
            self.docs.insert(id, d);
        }
        Ok(self.docs.get_mut(&id).expect("just loaded"))
    }

    /// The family record from its document.
    pub fn family(&mut self, id: Uuid) -> Result<Family, StoreError> {
        self.drop_if_stale(id)?;
        if let Some(f) = self.records.get(&id) {
            return Ok(f.clone());
        }
        let f = hydrate(self.doc_mut(id)?)?;
        self.records.insert(id, f.clone());
        Ok(f)
    }

    /// Notes that the offline demo caseload (made-up families) was added
    /// to this device.
    pub fn mark_demo_caseload(&self) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('demo_caseload', 'yes') ON CONFLICT (key) DO NOTHING",
            [],
        )?;
        Ok(())
    }

    /// Whether the offline demo caseload was ever added to this device.
    pub fn holds_demo_caseload(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM meta WHERE key = 'demo_caseload'", [], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// Whether a family is on this device.
    pub fn has_family(&self, id: Uuid) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM documents WHERE family_id = ?1",
                [id.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Applies validated actions to family `id` (creating its document when
    /// `create` is set) in one SQL transaction with projections and audit.
    /// Returns the family as it is afterwards.
    pub fn apply(
        &mut self,
        id: Uuid,
        actions: &[Action],
        create: bool,
        who: &Actor<'_>,
    ) -> Result<Family, StoreError> {
        let mut out = self.apply_batch(
            &[Write {
                id,
                actions: actions.to_vec(),
                create,
            }],
            who,
        )?;
        Ok(out.pop().expect("one write, one family"))
    }

    /// Applies several families' writes in one SQL transaction (used to seed
    /// a caseload quickly): all of them are written, or none.
    pub fn apply_batch(
        &mut self,
        writes: &[Write],
        who: &Actor<'_>,
    ) -> Result<Vec<Family>, StoreError> {
        let mut prepared = Vec::with_capacity(writes.len());
        for w in writes {
            if w.create && self.has_family(w.id)? {
                return Err(StoreError::Corrupt(
                    "a family with this id already exists".into(),
                ));
            }
            self.drop_if_stale(w.id)?;
            let cached = self.records.remove(&w.id);
            let mut d = match (w.create, self.docs.remove(&w.id)) {
                (true, _) => AutoCommit::new().with_actor(author::actor_for(self.device)),
                (false, Some(d)) => d,
                (false, None) => Self::load_doc(&self.conn, self.device, w.id)?
                    .ok_or(StoreError::FamilyNotFound)?,
            };
            let before = d.get_heads();
            for a in &w.actions {
                json::commit_on(
                    &mut d,
                    &a.edits,
                    &a.message,
                    who.practitioner,
                    self.device_name()?.as_deref(),
                    who.now.timestamp(),
                )?;
            }
            // The record after the edits: the cached record with the same
            // merge applied (cheap), or read from the document. Debug builds
            // (every test) check the two agree.
            let family = match cached {
                Some(mut f) if !w.create => {
                    for a in &w.actions {
                        doorstep_domain::record::action::apply_locally(&mut f, &a.edits);
                    }
                    debug_assert_eq!(
                        f,
                        hydrate(&d)?,
                        "the cached record drifted from its document"
                    );
                    f
                }
                _ => hydrate(&d)?,
            };
            let bytes = d.save_after(&before);
            prepared.push((d, family, bytes));
        }
        let tx = self.conn.transaction()?;
        for (w, (d, family, bytes)) in writes.iter().zip(prepared.iter_mut()) {
            let heads = heads_text(d);
            write_document(&tx, w.id, &heads, bytes, || d.save(), w.create, who.now)?;
            let parts = if w.create {
                projection::Parts::ALL
            } else {
                let mut p = projection::Parts::default();
                for e in w.actions.iter().flat_map(|a| &a.edits) {
                    p.add_path(&e.path);
                }
                p
            };
            projection::write_parts(&tx, family, who.today, parts)?;
            // The conflicts projection follows the document: a write to a
            // key in conflict resolves it.
            if !w.create && sync_state::has_conflicts(&tx, w.id)? {
                sync_state::write_conflicts(&tx, w.id, &doorstep_document::conflicts::list(d))?;
            }
            for a in &w.actions {
                audit::append(
                    &tx,
                    &audit::Entry {
                        practitioner: who.practitioner,
                        action: a.audit_action,
                        record_kind: a.record_kind.name(),
                        record_id: Some(a.record_id.to_string()),
                        family_id: Some(w.id.to_string()),
                        at: who.now,
                    },
                )?;
            }
        }
        tx.commit()?;
        let cache = writes.len() == 1;
        Ok(writes
            .iter()
            .zip(prepared)
            .map(|(w, (d, family, _))| {
                // Only committed documents are cached; a failed write is
                // reloaded from the database next time.
                if cache {
                    self.docs.insert(w.id, d);
                    self.records.insert(w.id, family.clone());
                }
                family
            })
            .collect())
    }

    /// Records that `who` viewed a family (or ran a search, with no family).
    pub fn record_view(
        &mut self,
        action: &str,
        family: Option<Uuid>,
        who: &Actor<'_>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        audit::append(
            &tx,
            &audit::Entry {
                practitioner: who.practitioner,
                action,
                record_kind: "family",
                record_id: family.map(|f| f.to_string()),
                family_id: family.map(|f| f.to_string()),
                at: who.now,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Families whose id starts with `prefix` (at most two, enough to tell
    /// a unique match from an ambiguous one).
    pub fn families_with_prefix(&self, prefix: &str) -> Result<Vec<Uuid>, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        let mut stmt = self
            .conn
            .prepare("SELECT family_id FROM documents WHERE family_id LIKE ?1 LIMIT 2")?;
        let ids = stmt
            .query_map([pattern], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok().and_then(|s| Uuid::parse_str(&s).ok()))
            .collect();
        Ok(ids)
    }

    /// Runs a family list query (flags in force on `today`).
    pub fn list(&self, q: &FamilyQuery, today: NaiveDate) -> Result<FamilyPage, StoreError> {
        projection::list(&self.conn, q, today)
    }

    /// Ids of every family on the device.
    pub fn family_ids(&self) -> Result<Vec<Uuid>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT family_id FROM documents ORDER BY family_id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .map(|r| {
                r.map_err(StoreError::from).and_then(|s| {
                    Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt("bad family id".into()))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    /// The families holding records merged into family `id`: households
    /// merged into it, and households with a person merged into one of its
    /// members.
    pub fn families_merged_into(&self, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM families WHERE merged_into = ?1
             UNION SELECT family_id FROM people WHERE merged_into_family = ?1 AND family_id != ?1",
        )?;
        let ids = stmt
            .query_map([id.to_string()], |r| r.get::<_, String>(0))?
            .map(|r| {
                r.map_err(StoreError::from).and_then(|s| {
                    Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt("bad family id".into()))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    /// Re-projects the families whose date-dependent columns (level, active
    /// flags, children under five) change on or before `today`. Cheap when
    /// nothing is due: run it whenever the date may have moved on.
    pub fn refresh_for_day(&mut self, today: NaiveDate) -> Result<usize, StoreError> {
        let ids = projection::stale_families(&self.conn, today)?;
        if ids.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.transaction()?;
        for id in &ids {
            let uuid =
                Uuid::parse_str(id).map_err(|_| StoreError::Corrupt("bad family id".into()))?;
            let d = Self::load_doc(&tx, self.device, uuid)?.ok_or(StoreError::FamilyNotFound)?;
            projection::write(&tx, &hydrate(&d)?, today)?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Recreates every projection from the documents, in one transaction.
    pub fn rebuild_projections(&mut self, today: NaiveDate) -> Result<usize, StoreError> {
        let ids = self.family_ids()?;
        let tx = self.conn.transaction()?;
        for t in projection::TABLES {
            tx.execute(&format!("DELETE FROM {t}"), [])?;
        }
        tx.execute("DELETE FROM conflicts", [])?;
        for id in &ids {
            let mut d = Self::load_doc(&tx, self.device, *id)?.ok_or(StoreError::FamilyNotFound)?;
            projection::write(&tx, &hydrate(&d)?, today)?;
            sync_state::write_conflicts(&tx, *id, &doorstep_document::conflicts::list(&mut d))?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// The audit rows about one family.
    pub fn audit_for_family(&self, id: Uuid) -> Result<Vec<audit::Row>, StoreError> {
        audit::for_family(&self.conn, &id.to_string())
    }

    /// Checks the audit chain.
    pub fn verify_audit(&self) -> Result<audit::Verification, StoreError> {
        audit::verify(&self.conn)
    }

    /// `PRAGMA integrity_check` result (`ok` when sound).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// A family document's saved bytes (snapshot then chunks).
    pub fn document_bytes(&self, id: Uuid) -> Result<usize, StoreError> {
        Ok(self.conn.query_row(
            "SELECT length(snapshot) + coalesce((SELECT sum(length(bytes)) FROM document_chunks WHERE family_id = ?1), 0)
             FROM documents WHERE family_id = ?1",
            [id.to_string()],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }
}

impl Store {
    /// Copies the pages written since the last checkpoint from the
    /// write-ahead log into the database file (a passive checkpoint: it
    /// waits for nothing). Returns how many of the log's pages are now in
    /// the database file (0 when the log is empty). Hosts call it
    /// while the practitioner is idle, so the automatic checkpoint (every
    /// 8,000 pages) seldom lands on a write they are waiting for.
    pub fn checkpoint(&self) -> Result<u64, StoreError> {
        let copied: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(2))?;
        Ok(copied.max(0) as u64)
    }
}

impl Drop for Store {
    /// Folds the write-ahead log back into the database when the store is
    /// closed (lock, quit), so checkpoints happen here rather than in the
    /// middle of a practitioner's typing; automatic checkpoints are rare
    /// (every 8,000 pages, ~32 MiB).
    fn drop(&mut self) {
        let _ = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    }
}

/// A document's heads as stored in `documents.heads`.
fn heads_text(d: &mut AutoCommit) -> String {
    let heads: Vec<String> = d.get_heads().iter().map(|h| h.to_string()).collect();
    heads.join(",")
}

fn hydrate(d: &AutoCommit) -> Result<Family, StoreError> {
    Ok(record::family(d)?)
}

/// Saves the new change bytes (`heads` are the document's heads after
/// them): the first save is the snapshot; later ones are chunks, compacted
/// into a fresh snapshot (`snapshot`, called only then) every
/// [`COMPACT_AFTER`].
fn write_document(
    tx: &Connection,
    id: Uuid,
    heads: &str,
    bytes: &[u8],
    snapshot: impl FnOnce() -> Vec<u8>,
    create: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id_s = id.to_string();
    let now_s = now.to_rfc3339();
    if create {
        tx.execute(
            "INSERT INTO documents (family_id, snapshot, heads, chunk_count, updated_at) VALUES (?1, ?2, ?3, 0, ?4)",
            params![id_s, snapshot(), heads, now_s],
        )?;
        return Ok(());
    }
    let count: i64 = tx.query_row(
        "SELECT chunk_count FROM documents WHERE family_id = ?1",
        [&id_s],
        |r| r.get(0),
    )?;
    if count + 1 >= COMPACT_AFTER {
        tx.execute("DELETE FROM document_chunks WHERE family_id = ?1", [&id_s])?;
        tx.execute(
            "UPDATE documents SET snapshot = ?2, heads = ?3, chunk_count = 0, updated_at = ?4 WHERE family_id = ?1",
            params![id_s, snapshot(), heads, now_s],
        )?;
    } else {
        tx.execute(
            "INSERT INTO document_chunks (family_id, seq, bytes) VALUES (?1, ?2, ?3)",
            params![id_s, count + 1, bytes],
        )?;
        tx.execute(
            "UPDATE documents SET heads = ?2, chunk_count = ?3, updated_at = ?4 WHERE family_id = ?1",
            params![id_s, heads, count + 1, now_s],
        )?;
    }
    Ok(())
}

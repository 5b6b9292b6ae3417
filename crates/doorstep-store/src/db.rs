//! Opening the SQLCipher database with the data key, and the forward-only
//! migrations embedded from `migrations/client`, applied in one transaction.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::key::DataKey;
use crate::StoreError;

/// The client migrations, in order. Each runs once, all in one transaction.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/client/0001_init.sql")),
    (
        2,
        include_str!("../../../migrations/client/0002_contacts.sql"),
    ),
    (3, include_str!("../../../migrations/client/0003_sync.sql")),
    (
        4,
        include_str!("../../../migrations/client/0004_report_indexes.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/client/0005_sync_answer_owed.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/client/0006_audit_acknowledged.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/client/0007_clinical_facts.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/client/0008_merges.sql"),
    ),
    (
        9,
        include_str!("../../../migrations/client/0009_follow_ups.sql"),
    ),
    (
        10,
        include_str!("../../../migrations/client/0010_drafts.sql"),
    ),
];

/// A migration containing this line adds projection columns derived from
/// the documents: the store rebuilds every projection after applying it.
const REBUILD_MARKER: &str = "-- doorstep: rebuild projections";

/// Opens (or creates, when `create` is set) the encrypted database.
pub fn open(path: &Path, key: &DataKey, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    } else if !path.exists() {
        return Err(StoreError::Corrupt("the database file is missing".into()));
    }
    let conn = Connection::open_with_flags(path, flags)?;
    let literal = key.sqlcipher_literal();
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", literal.as_str()))?;
    drop(literal);
    // SQLCipher wipes the memory it frees, so pages of the decrypted
    // database do not linger in the heap.
    conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    // Reading the schema proves the key is right (SQLCipher checks the HMAC).
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|_| StoreError::Corrupt("the database cannot be read with this key".into()))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = -65536;
         PRAGMA wal_autocheckpoint = 8000;",
    )?;
    Ok(conn)
}

/// Re-encrypts the database from `old` to `new` in one SQLite transaction
/// (SQLCipher's `PRAGMA rekey`), with the write-ahead log checkpointed
/// before and after, then proves `new` opens it. A crash leaves it wholly
/// under one key or the other.
pub fn rekey(path: &Path, old: &DataKey, new: &DataKey) -> Result<(), StoreError> {
    let conn = open(path, old, false)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let literal = new.sqlcipher_literal();
    conn.execute_batch(&format!("PRAGMA rekey = \"{}\";", literal.as_str()))?;
    drop(literal);
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    drop(open(path, new, false)?);
    Ok(())
}

/// Applies every migration not yet applied, all inside one transaction.
/// True when one of them asks for the projections to be rebuilt.
pub fn migrate(conn: &mut Connection) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY) STRICT;",
    )?;
    let current: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let mut rebuild = false;
    for (version, sql) in MIGRATIONS {
        if *version > current {
            // A new database has nothing to rebuild.
            rebuild |= current > 0 && sql.contains(REBUILD_MARKER);
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (?1)",
                [version],
            )?;
        }
    }
    tx.commit()?;
    Ok(rebuild)
}

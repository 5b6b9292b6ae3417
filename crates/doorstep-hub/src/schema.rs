//! The server schema and its migrations (`migrations/server/`, embedded at
//! build time), run when a hub opens.
//!
//! Migrations are forward-only and idempotent: `meta.schema_version` holds
//! the last one applied, and each runs in the same transaction as the
//! version update. On PostgreSQL a transaction-scoped advisory lock makes
//! several processes starting together take turns; on SQLite `BEGIN
//! IMMEDIATE` does the same. The first run also creates the global change
//! sequence (`meta.seq`, 0) and a random epoch (`meta.epoch`).

use crate::db::{Db, Engine, Tx, Value};
use crate::{random_epoch, HubError};

/// `(version, SQL)` in order. The SQL is written for SQLite; PostgreSQL
/// reads `BLOB` as `BYTEA`.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/server/0001_init.sql")),
    (
        2,
        include_str!("../../../migrations/server/0002_departed_at.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/server/0003_generations.sql"),
    ),
    (4, include_str!("../../../migrations/server/0004_wipe.sql")),
    (
        5,
        include_str!("../../../migrations/server/0005_audit_chain.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/server/0006_device_audit.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/server/0007_departed_uploads.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 7;

/// Arbitrary key of the advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x646f_6f72_7374_6570; // "doorstep"

/// The migration's SQL for `engine`.
pub(crate) fn sql_for(engine: Engine, sql: &str) -> String {
    match engine {
        Engine::Sqlite => sql.to_owned(),
        Engine::Postgres => sql.replace(" BLOB ", " BYTEA "),
    }
}

/// Brings the database up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(db: &Db) -> Result<(), HubError> {
    db.transaction(|tx| {
        if tx.engine() == Engine::Postgres {
            tx.execute(
                "SELECT pg_advisory_xact_lock($1)",
                &[Value::Int(MIGRATION_LOCK)],
            )?;
        }
        tx.batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")?;
        let current = version(tx)?;
        if current > SCHEMA_VERSION {
            return Err(HubError::Storage(format!(
                "the database has schema version {current}, newer than this server's {SCHEMA_VERSION}"
            )));
        }
        for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            tx.batch(&sql_for(tx.engine(), sql))?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[Value::Text(v.to_string())],
            )?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('seq', '0') ON CONFLICT (key) DO NOTHING",
            &[],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING",
            &[Value::Text(random_epoch())],
        )?;
        // The key that signs the cursors the server hands out (restored
        // with the database, so a restored server still knows its own).
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('cursor_key', $1) ON CONFLICT (key) DO NOTHING",
            &[Value::Text(format!("{}{}", random_epoch(), random_epoch()))],
        )?;
        Ok(())
    })
}

fn version(tx: &mut dyn Tx) -> Result<i64, HubError> {
    match tx.query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])? {
        Some(r) => r.int(0),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_reads_blob_as_bytea() {
        for (_, sql) in MIGRATIONS {
            let pg = sql_for(Engine::Postgres, sql);
            assert!(
                !pg.contains("BLOB"),
                "every BLOB column is written ' BLOB '"
            );
        }
    }
}

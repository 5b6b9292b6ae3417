//! The database under the hub: SQLite (rusqlite, unkeyed) or PostgreSQL
//! (the synchronous `postgres` crate), behind one small interface so every
//! query is written once.
//!
//! Queries use `$1, $2, …` placeholders; for SQLite they are rewritten to
//! `?1, ?2, …` and ` FOR UPDATE` is dropped (SQLite transactions here are
//! `BEGIN IMMEDIATE`, which already excludes every other writer). Values
//! cross the interface as [`Value`]: ids and times are TEXT, numbers
//! BIGINT, bytes BLOB/BYTEA.
//!
//! Connections are pooled by `r2d2` (at most 8 to a SQLite file, 16 to a
//! PostgreSQL database), opened on demand; the two connection managers here
//! set each new SQLite connection up and give each PostgreSQL connection
//! its prepared-statement cache, and tell the pool to drop a connection a
//! transaction left broken. [`Db::transaction`] runs a closure in one
//! transaction and runs it again (a few times, with a short back-off) when
//! the database reports contention: a PostgreSQL serialization failure or
//! deadlock, or SQLite `BUSY`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use r2d2::ManageConnection;
use rand::Rng;
use uuid::Uuid;

use crate::HubError;

/// Most PostgreSQL connections one hub holds.
const PG_MAX_CONNECTIONS: u32 = 16;
/// Most SQLite connections one hub holds.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
/// How long to wait for a pooled connection before giving up as busy.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// How many times a transaction is attempted when the database is busy:
/// with the back-off below (doubling to 128 ms, plus jitter) about 5 to 9
/// seconds in all, enough for a loaded machine. Some SQLite lock
/// conflicts (switching to WAL while another connection opens) fail at
/// once rather than waiting in the busy handler.
const ATTEMPTS: u32 = 40;

/// A query parameter or a column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (BIGINT).
    Int(i64),
    /// Text (ids, times in RFC 3339 UTC, names).
    Text(String),
    /// Bytes (BLOB on SQLite, BYTEA on PostgreSQL).
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<Uuid> for Value {
    fn from(u: Uuid) -> Self {
        Value::Text(u.to_string())
    }
}

impl From<&Uuid> for Value {
    fn from(u: &Uuid) -> Self {
        Value::Text(u.to_string())
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Blob(b)
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Value::Blob(b.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

fn corrupt(column: usize, wanted: &str) -> HubError {
    HubError::Corrupt(format!("column {column} is not {wanted}"))
}

impl Row {
    /// The value in column `i` (Null past the end).
    pub fn get(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }

    /// Column `i` as text.
    pub fn text(&self, i: usize) -> Result<String, HubError> {
        match self.get(i) {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(corrupt(i, "text")),
        }
    }

    /// Column `i` as text, or `None` when NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, HubError> {
        match self.get(i) {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            _ => Err(corrupt(i, "text")),
        }
    }

    /// Column `i` as an integer.
    pub fn int(&self, i: usize) -> Result<i64, HubError> {
        match self.get(i) {
            Value::Int(n) => Ok(*n),
            Value::Text(s) => s.parse().map_err(|_| corrupt(i, "an integer")),
            _ => Err(corrupt(i, "an integer")),
        }
    }

    /// Column `i` as bytes.
    pub fn blob(&self, i: usize) -> Result<&[u8], HubError> {
        match self.get(i) {
            Value::Blob(b) => Ok(b),
            _ => Err(corrupt(i, "bytes")),
        }
    }

    /// Column `i` as a UUID written as text.
    pub fn uuid(&self, i: usize) -> Result<Uuid, HubError> {
        match self.get(i) {
            Value::Text(s) => Uuid::parse_str(s).map_err(|_| corrupt(i, "an id")),
            _ => Err(corrupt(i, "an id")),
        }
    }
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SQLite, one file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The statements a transaction can run. Placeholders are `$1, $2, …`.
pub trait Tx {
    /// Runs a query and returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, HubError>;
    /// Runs a statement and returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, HubError>;
    /// Runs several `;`-separated statements without parameters.
    fn batch(&mut self, sql: &str) -> Result<(), HubError>;
    /// The engine, for the rare statement that differs.
    fn engine(&self) -> Engine;
}

impl dyn Tx + '_ {
    /// Runs a query and returns its first row, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, HubError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query that must return a row.
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, HubError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| HubError::Corrupt("an expected row is missing".into()))
    }

    /// Runs `{head} VALUES (…), (…) {tail}` for `rows` (all of one width),
    /// up to [`ROWS_PER_STATEMENT`] rows a statement: one round trip to the
    /// database instead of one per row. Returns the rows changed.
    pub fn insert_rows(
        &mut self,
        head: &str,
        rows: &[Vec<Value>],
        tail: &str,
    ) -> Result<u64, HubError> {
        let mut changed = 0;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let width = chunk[0].len();
            let tuples: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", placeholders(i * width + 1, width)))
                .collect();
            let sql = format!("{head} VALUES {} {tail}", tuples.join(", "));
            let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
            changed += self.execute(&sql, &params)?;
        }
        Ok(changed)
    }

    /// Runs `sql` for `ids`, a few dozen per statement, with `{ids}` in it
    /// replaced by their placeholders (`… WHERE id IN ({ids})`), and returns
    /// every row.
    pub fn query_ids(&mut self, sql: &str, ids: &[Uuid]) -> Result<Vec<Row>, HubError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let params: Vec<Value> = chunk.iter().map(|id| (*id).into()).collect();
            let sql = sql.replace("{ids}", &placeholders(1, chunk.len()));
            out.extend(self.query(&sql, &params)?);
        }
        Ok(out)
    }
}

/// Most rows [`Tx::insert_rows`] (and [`Tx::query_ids`]) put in one statement.
pub const ROWS_PER_STATEMENT: usize = 64;

/// `$first, $first+1, …`: `count` numbered placeholders.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a transaction writes (SQLite takes the write lock up front),
/// or is one read statement (on PostgreSQL, no transaction is opened for
/// it: a statement is atomic on its own, and BEGIN and COMMIT would cost
/// two round trips).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    ReadOne,
    Write,
}

/// A hub database: a pool of connections to one SQLite file or one
/// PostgreSQL database.
pub(crate) struct Db {
    backend: Backend,
}

enum Backend {
    Sqlite(r2d2::Pool<SqliteFile>),
    Postgres(r2d2::Pool<PgDatabase>),
}

impl Db {
    /// Opens `url`: `postgres://…` or `postgresql://…` for PostgreSQL;
    /// `sqlite:PATH`, `sqlite://PATH` or a plain path for a SQLite file
    /// (created when missing). One connection is opened (and closed) at
    /// once, so a bad URL fails here with its own reason rather than as a
    /// pool timeout later.
    pub fn open(url: &str) -> Result<Db, HubError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let tls = crate::pg_tls::from_url(url)?;
            let mut config: postgres::Config = tls
                .url
                .parse()
                .map_err(|_| HubError::Invalid("database: not a valid PostgreSQL URL".into()))?;
            config.connect_timeout(Duration::from_secs(10));
            config.ssl_mode(tls.mode);
            let database = PgDatabase {
                config,
                tls: tls.connector,
            };
            retrying_busy(|| database.connect().map(drop))?;
            Backend::Postgres(new_pool(database, PG_MAX_CONNECTIONS))
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if path.is_empty() || path == ":memory:" {
                return Err(HubError::Invalid(
                    "database: give a SQLite file path or a postgres:// URL".into(),
                ));
            }
            let file = SqliteFile {
                path: PathBuf::from(path),
            };
            // Retried while another process holds the file (e.g. switching
            // it to WAL).
            retrying_busy(|| file.connect().map(drop))?;
            Backend::Sqlite(new_pool(file, SQLITE_MAX_CONNECTIONS))
        };
        Ok(Db { backend })
    }

    /// The engine behind this database.
    pub fn engine(&self) -> Engine {
        match self.backend {
            Backend::Sqlite(_) => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs `f` in one writing transaction, again if the database was busy.
    pub fn transaction<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, HubError>,
    ) -> Result<T, HubError> {
        retrying_busy(|| self.run(Mode::Write, &mut f))
    }

    /// Runs `f`, which reads with exactly one statement: on PostgreSQL
    /// outside any transaction (two round trips fewer than [`Db::read`]).
    pub fn read_one<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, HubError>,
    ) -> Result<T, HubError> {
        retrying_busy(|| self.run(Mode::ReadOne, &mut f))
    }

    /// Runs `f` in one read-only transaction (a consistent view on SQLite;
    /// on PostgreSQL each statement sees what was committed when it began).
    pub fn read<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, HubError>,
    ) -> Result<T, HubError> {
        retrying_busy(|| self.run(Mode::Read, &mut f))
    }

    fn run<T>(
        &self,
        mode: Mode,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<T, HubError>,
    ) -> Result<T, HubError> {
        // A connection a transaction left broken goes back to the pool,
        // which asks its manager (`has_broken`) and closes it.
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut conn = pool.get().map_err(no_connection)?;
                run_sqlite(&mut conn, mode, f)
            }
            Backend::Postgres(pool) => {
                let mut conn = pool.get().map_err(no_connection)?;
                run_postgres(&mut conn, mode, f)
            }
        }
    }
}

/// Runs `attempt` again, with a growing back-off, while it fails with
/// [`HubError::Busy`] (at most [`ATTEMPTS`] times in all).
fn retrying_busy<T>(mut attempt: impl FnMut() -> Result<T, HubError>) -> Result<T, HubError> {
    let mut tries = 1;
    loop {
        match attempt() {
            Err(HubError::Busy) if tries < ATTEMPTS => {
                let base = 2u64.saturating_pow(tries.min(7));
                let jitter = rand::thread_rng().gen_range(0..=base);
                std::thread::sleep(Duration::from_millis(base + jitter));
                tries += 1;
            }
            other => return other,
        }
    }
}

// ------------------------------------------------------------------ pool

/// An r2d2 pool of at most `max` connections: opened on demand (none kept
/// idle ahead of use) and kept until broken; a caller waits up to
/// [`POOL_WAIT`] for one. Connections are not tested on checkout (that
/// would cost a round trip per transaction): a broken one is dropped when
/// it is returned, and a failed statement on it fails its transaction.
fn new_pool<M: ManageConnection>(manager: M, max: u32) -> r2d2::Pool<M> {
    r2d2::Pool::builder()
        .max_size(max)
        .min_idle(Some(0))
        .idle_timeout(None)
        .max_lifetime(None)
        .connection_timeout(POOL_WAIT)
        .test_on_check_out(false)
        // Connection failures reach the caller through `get` instead.
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build_unchecked(manager)
}

/// No connection within [`POOL_WAIT`]: every one was in use (busy, worth
/// retrying), or new ones would not open (the pool's last reason).
fn no_connection(e: r2d2::Error) -> HubError {
    let text = e.to_string();
    match text.strip_prefix("timed out waiting for connection: ") {
        Some(reason) => HubError::Storage(format!("no database connection ({reason})")),
        None => HubError::Busy,
    }
}

// ---------------------------------------------------------------- SQLite

/// The pool's connection manager for one SQLite file. (`r2d2_sqlite` does
/// this too, but no release of it builds with the workspace's rusqlite:
/// see ARCHITECTURE.md, Decisions.)
struct SqliteFile {
    path: PathBuf,
}

impl ManageConnection for SqliteFile {
    type Connection = rusqlite::Connection;
    type Error = HubError;

    fn connect(&self) -> Result<rusqlite::Connection, HubError> {
        open_sqlite(&self.path)
    }

    fn is_valid(&self, conn: &mut rusqlite::Connection) -> Result<(), HubError> {
        Ok(conn.execute_batch("SELECT 1")?)
    }

    /// Stuck in a transaction that would not roll back.
    fn has_broken(&self, conn: &mut rusqlite::Connection) -> bool {
        !conn.is_autocommit()
    }
}

/// A new connection: WAL, synchronous FULL, foreign keys on, a 10 s busy
/// timeout and 64 cached statements.
fn open_sqlite(path: &PathBuf) -> Result<rusqlite::Connection, HubError> {
    create_private(path)?;
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(HubError::Storage("SQLite would not use WAL".into()));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Creates the database file readable and writable by the server's user
/// only (0600) when it does not exist yet; SQLite gives its WAL and
/// shared-memory files the same mode.
fn create_private(path: &PathBuf) -> Result<(), HubError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(HubError::Storage(format!(
            "the database file could not be created: {e}"
        ))),
    }
}

/// `$N` placeholders to `?N`, and no ` FOR UPDATE`.
fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') && !sql.contains(" FOR UPDATE") {
        return Cow::Borrowed(sql);
    }
    let sql = sql.replace(" FOR UPDATE", "");
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as Sv, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(Sv::Null),
            Value::Int(i) => ToSqlOutput::Owned(Sv::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

struct SqliteTx<'a> {
    conn: &'a rusqlite::Connection,
}

impl Tx for SqliteTx<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, HubError> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.conn.prepare_cached(&sqlite_sql(sql))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(columns);
            for i in 0..columns {
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Real(_) => return Err(corrupt(i, "an integer")),
                    ValueRef::Text(t) => Value::Text(
                        String::from_utf8(t.to_vec()).map_err(|_| corrupt(i, "UTF-8 text"))?,
                    ),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, HubError> {
        let mut stmt = self.conn.prepare_cached(&sqlite_sql(sql))?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        // Step through any rows (a RETURNING clause, a PRAGMA).
        while rows.next()?.is_some() {}
        drop(rows);
        Ok(self.conn.changes())
    }

    fn batch(&mut self, sql: &str) -> Result<(), HubError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn engine(&self) -> Engine {
        Engine::Sqlite
    }
}

fn run_sqlite<T>(
    conn: &mut rusqlite::Connection,
    mode: Mode,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<T, HubError>,
) -> Result<T, HubError> {
    conn.execute_batch(match mode {
        Mode::Write => "BEGIN IMMEDIATE",
        Mode::Read | Mode::ReadOne => "BEGIN DEFERRED",
    })?;
    let result = f(&mut SqliteTx { conn }).and_then(|v| {
        conn.execute_batch("COMMIT")?;
        Ok(v)
    });
    if result.is_err() && !conn.is_autocommit() {
        // A failed rollback leaves the transaction open; the pool then
        // closes the connection (`SqliteFile::has_broken`).
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

// ------------------------------------------------------------ PostgreSQL

/// The pool's connection manager for one PostgreSQL database. Its
/// connections are [`PgConn`]s, which keep their prepared statements
/// (`r2d2_postgres` would hand out bare clients).
struct PgDatabase {
    config: postgres::Config,
    /// TLS as the URL's `sslmode` asks (`crate::pg_tls`).
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl ManageConnection for PgDatabase {
    type Connection = PgConn;
    type Error = HubError;

    fn connect(&self) -> Result<PgConn, HubError> {
        Ok(PgConn {
            client: self.config.connect(self.tls.clone())?,
            statements: HashMap::new(),
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), HubError> {
        Ok(conn.client.simple_query("").map(drop)?)
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

/// A PostgreSQL connection with its prepared statements (up to 256, by
/// SQL text).
struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
    /// A transaction would not roll back: close rather than reuse.
    broken: bool,
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, HubError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        if self.statements.len() >= 256 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

struct PgTx<'a> {
    conn: &'a mut PgConn,
}

impl PgTx<'_> {
    fn run(&mut self, sql: &str, params: &[Value]) -> Result<Vec<postgres::Row>, HubError> {
        let stmt = self.conn.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        Ok(self.conn.client.query(&stmt, &refs)?)
    }
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value, HubError> {
    use postgres::types::Type;
    let ty = row.columns().get(i).map(|c| c.type_().clone());
    let bad = |_| corrupt(i, "a supported type");
    Ok(match ty {
        Some(Type::INT8) => row.try_get::<_, Option<i64>>(i).map_err(bad)?.into(),
        Some(Type::INT4) => row
            .try_get::<_, Option<i32>>(i)
            .map_err(bad)?
            .map(i64::from)
            .into(),
        Some(Type::INT2) => row
            .try_get::<_, Option<i16>>(i)
            .map_err(bad)?
            .map(i64::from)
            .into(),
        Some(Type::BOOL) => row
            .try_get::<_, Option<bool>>(i)
            .map_err(bad)?
            .map(i64::from)
            .into(),
        Some(Type::BYTEA) => row.try_get::<_, Option<Vec<u8>>>(i).map_err(bad)?.into(),
        Some(Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME) => {
            row.try_get::<_, Option<String>>(i).map_err(bad)?.into()
        }
        _ => return Err(corrupt(i, "a supported type")),
    })
}

impl Tx for PgTx<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, HubError> {
        let rows = self.run(sql, params)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| pg_value(r, i))
                    .collect::<Result<_, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, HubError> {
        let stmt = self.conn.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        Ok(self.conn.client.execute(&stmt, &refs)?)
    }

    fn batch(&mut self, sql: &str) -> Result<(), HubError> {
        Ok(self.conn.client.batch_execute(sql)?)
    }

    fn engine(&self) -> Engine {
        Engine::Postgres
    }
}

fn run_postgres<T>(
    conn: &mut PgConn,
    mode: Mode,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<T, HubError>,
) -> Result<T, HubError> {
    if mode == Mode::ReadOne {
        return f(&mut PgTx { conn: &mut *conn });
    }
    conn.client.batch_execute(match mode {
        Mode::Write => "BEGIN ISOLATION LEVEL READ COMMITTED",
        Mode::Read | Mode::ReadOne => "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY",
    })?;
    let result = f(&mut PgTx { conn: &mut *conn }).and_then(|v| {
        conn.client.batch_execute("COMMIT")?;
        Ok(v)
    });
    if result.is_err() && conn.client.batch_execute("ROLLBACK").is_err() {
        conn.broken = true;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_numbered_parameters() {
        assert_eq!(
            sqlite_sql("SELECT a FROM t WHERE x = $1 AND y = $12 FOR UPDATE"),
            "SELECT a FROM t WHERE x = ?1 AND y = ?12"
        );
        assert!(matches!(sqlite_sql("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn sqlite_connections_open_on_demand_set_up_and_a_broken_one_is_closed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Db::open(&dir.path().join("hub.db").display().to_string()).expect("open");
        let Backend::Sqlite(pool) = &db.backend else {
            panic!("a path is a SQLite file");
        };
        assert_eq!(pool.state().connections, 0, "none opened ahead of use");

        let settings = db
            .read(|tx| {
                let mode = tx.query_one("PRAGMA journal_mode", &[])?.text(0)?;
                let keys = tx.query_one("PRAGMA foreign_keys", &[])?.int(0)?;
                let sync = tx.query_one("PRAGMA synchronous", &[])?.int(0)?;
                Ok((mode, keys, sync))
            })
            .expect("read");
        assert_eq!(
            settings,
            ("wal".to_owned(), 1, 2),
            "WAL, foreign keys, FULL"
        );
        assert_eq!(pool.state().connections, 1);
        assert_eq!(pool.state().idle_connections, 1, "returned for reuse");

        {
            let conn = pool.get().expect("a connection");
            conn.execute_batch("BEGIN").expect("begin");
            // Returned still inside a transaction.
        }
        assert_eq!(pool.state().connections, 0, "closed, not reused");
        db.transaction(|tx| tx.batch("CREATE TABLE t (x INTEGER)"))
            .expect("a fresh connection works");
    }

    #[test]
    fn a_postgres_connection_is_reused_until_it_dies() {
        let cluster = doorstep_testkit::pg::Cluster::start();
        let db = Db::open(&cluster.fresh_url()).expect("open");
        let Backend::Postgres(pool) = &db.backend else {
            panic!("a postgres:// URL is PostgreSQL");
        };
        let backend_pid = |db: &Db| {
            db.read(|tx| tx.query_one("SELECT pg_backend_pid()", &[])?.int(0))
                .expect("read")
        };
        let first = backend_pid(&db);
        assert_eq!(backend_pid(&db), first, "the connection is reused");

        let killed =
            db.transaction(|tx| tx.query("SELECT pg_terminate_backend(pg_backend_pid())", &[]));
        assert!(matches!(killed, Err(HubError::Storage(_))), "{killed:?}");
        assert_eq!(pool.state().connections, 0, "the dead connection is closed");
        assert_ne!(backend_pid(&db), first, "a new connection");
    }
}

//! The database: one SQLite file under `$SKILLMEAT_HOME`, WAL, foreign
//! keys on, a generous busy timeout so concurrent processes wait instead of
//! failing, migrations embedded in the binary.
//!
//! The row layer talks to it through sqlx's `Any` driver (`AnyPool`,
//! `AnyConnection`, [`Tx`]) in SQL that SQLite and PostgreSQL both read
//! (`$1` placeholders, `ON CONFLICT`, no SQLite-only functions, flags
//! decoded by [`Flag`]). What only SQLite has stays here: the file, its
//! opening lock, WAL, the busy timeout and read-only opening.

pub mod contents;
mod kind;
pub mod rows;
pub mod sources;
pub mod uploads;

pub use kind::{Flag, KindColumn};

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Transaction};

use crate::error::{Error, Result};

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

pub type Tx = Transaction<'static, Any>;

/// The SQLite schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite's result codes the opening tells apart (`sqlite3.h`).
const SQLITE_NOTADB: i32 = 26;
const SQLITE_READONLY: i32 = 8;
/// A WAL database in a folder we cannot write, without its `-shm` file.
const SQLITE_READONLY_DIRECTORY: i32 = 1544;

/// Opens (creating if needed) and migrates the database at `path`.
pub async fn open(path: &Path) -> Result<AnyPool> {
    utf8(path)?;
    if let Some(parent) = path.parent() {
        crate::fsx::create_private_dir(parent)?;
    }
    let options = SqliteUrl::new(path, "rwc");
    // sqlx's migrator takes no lock of its own on SQLite, and creating the
    // file and switching it to WAL race too: processes opening the database
    // at the same moment take turns through a lock file beside it.
    let _turn = open_lock(path).await?;
    let pool = connect(path, options).await?;
    // Someone else's database is left as it is: not switched to WAL (the
    // mode is kept in the file, for every later connection), not migrated.
    schema(&pool, path).await?;
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&pool)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// The PostgreSQL schema (`--database postgres://…`), embedded too: the
/// same tables and versions as [`MIGRATOR`]'s, in PostgreSQL's dialect.
static SERVER_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long opening waits for the database server.
const SERVER_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (migrating if needed) the collection database on a PostgreSQL
/// server. Any number of processes may open it at once: sqlx's migrator
/// takes turns through an advisory lock on the server. A URL that is not
/// PostgreSQL's, or a server that does not answer, is the user's to fix
/// ([`Error::DatabaseUnavailable`], without the password).
pub async fn open_server(url: &str) -> Result<AnyPool> {
    let shown = server_url(url)?;
    sqlx::any::install_default_drivers();
    let unavailable = |e: &dyn std::fmt::Display| Error::DatabaseUnavailable {
        url: shown.clone(),
        reason: without_password(url, &e.to_string()),
    };
    // One connection first: a pool that cannot connect only says it timed
    // out, this says why (refused, unknown host, authentication …).
    let first = tokio::time::timeout(SERVER_TIMEOUT, AnyConnection::connect(url))
        .await
        .map_err(|_| unavailable(&format!("no answer within {} s", SERVER_TIMEOUT.as_secs())))?
        .map_err(|e| unavailable(&e))?;
    first.close().await.map_err(|e| unavailable(&e))?;
    let pool = pool_options(8)?
        .connect(url)
        .await
        .map_err(|e| unavailable(&e))?;
    SERVER_MIGRATOR.run(&pool).await.map_err(|e| match e {
        MigrateError::Execute(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut) => unavailable(&e),
        other => Error::Migration(other),
    })?;
    Ok(pool)
}

/// How long a request waits for a pooled connection when every one is in
/// use before it fails with [`Error::Busy`] (HTTP 503 on the server).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool of `default_size` connections waiting [`ACQUIRE_TIMEOUT`] for
/// one, or what `SKILLMEAT_POOL_SIZE` and `SKILLMEAT_POOL_TIMEOUT_MS` say.
fn pool_options(default_size: u32) -> Result<AnyPoolOptions> {
    let size = env_number("SKILLMEAT_POOL_SIZE")?.unwrap_or(u64::from(default_size));
    if size == 0 {
        return Err(Error::Usage(
            "SKILLMEAT_POOL_SIZE=0: a pool needs at least one connection".into(),
        ));
    }
    let timeout =
        env_number("SKILLMEAT_POOL_TIMEOUT_MS")?.map_or(ACQUIRE_TIMEOUT, Duration::from_millis);
    Ok(AnyPoolOptions::new()
        .max_connections(u32::try_from(size).unwrap_or(u32::MAX))
        .acquire_timeout(timeout))
}

/// A whole number from the environment variable `name`, if it is set.
fn env_number(name: &str) -> Result<Option<u64>> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| Error::Usage(format!("{name}={v:?}: not a whole number"))),
    }
}

/// `url` as it may be shown: `postgres://user@host:port/database`, never
/// the password; an error if it is not a PostgreSQL URL.
pub(crate) fn server_url(url: &str) -> Result<String> {
    let bad = |reason: String| Error::DatabaseUnavailable {
        url: match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "(not a URL)".to_owned(),
        },
        reason,
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(bad(
            "not a PostgreSQL URL: give postgres://user:password@host:port/database".into(),
        ));
    }
    let options: sqlx::postgres::PgConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| bad(without_password(url, &e.to_string())))?;
    let at = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    Ok(format!(
        "postgres://{}@{at}/{}",
        options.get_username(),
        options.get_database().unwrap_or_default()
    ))
}

/// `text` with the password of `url` (if any) blanked out.
pub(crate) fn without_password(url: &str, text: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|p| !p.is_empty());
    match password {
        Some(p) => text.replace(p, "***"),
        None => text.to_owned(),
    }
}

/// What an existing database holds, as a reading command sees it.
#[derive(Debug)]
pub enum ReadOnly {
    /// The schema of this binary: read away.
    Current(AnyPool),
    /// No tables at all: nothing was ever stored.
    Empty,
    /// An older schema: it must be migrated (written) before it is read.
    Older,
}

/// Opens the existing database at `path` for reading only: nothing is
/// created, migrated or written (not even `skillmeat.db.lock`), so a
/// read-only home can be read.
pub async fn open_read_only(path: &Path) -> Result<ReadOnly> {
    utf8(path)?;
    // Waits while another process creates or migrates the database.
    let _turn = shared_open_lock(path).await?;
    let options = SqliteUrl::new(path, "ro");
    let pool = match connect(path, options.clone()).await {
        // SQLite cannot create the `-shm` index of a WAL database in a
        // folder we cannot write. None exists, so no process has the
        // database open: read the file as it is (`immutable`). A writer
        // that starts meanwhile needs write access we lack, i.e. another
        // user; our reads then race its checkpoint, which we accept.
        Err(Error::Database(e)) if result_code(&e) == Some(SQLITE_READONLY_DIRECTORY) => {
            connect(path, options.immutable()).await?
        }
        other => other?,
    };
    Ok(match schema(&pool, path).await? {
        Schema::Current => ReadOnly::Current(pool),
        Schema::Empty => ReadOnly::Empty,
        Schema::Older => ReadOnly::Older,
    })
}

/// The URL of the SQLite file at a path: `Any` takes nothing else (sqlx's
/// defaults: foreign keys on), so what the URL cannot say is set on every
/// new connection ([`SQLITE_SESSION`]).
#[derive(Debug, Clone)]
struct SqliteUrl(String);

impl SqliteUrl {
    /// `mode`: `rwc` (create if missing), `rw` or `ro`.
    fn new(path: &Path, mode: &str) -> SqliteUrl {
        SqliteUrl(format!("sqlite://{}?mode={mode}", url_path(path)))
    }

    /// The file read as it is, without the WAL index (`immutable`).
    fn immutable(self) -> SqliteUrl {
        SqliteUrl(format!("{}&immutable=true", self.0))
    }
}

/// sqlx's SQLite driver opens only a UTF-8 path (it decodes the URL's
/// path as UTF-8): any other is refused before anything is written.
fn utf8(path: &Path) -> Result<()> {
    match path.to_str() {
        Some(_) => Ok(()),
        None => Err(Error::BadInput {
            path: path.to_owned(),
            reason: "is not a UTF-8 path, which the SQLite driver cannot open; \
                     use a home (SKILLMEAT_HOME) whose path is UTF-8"
                .into(),
        }),
    }
}

/// `path` percent-encoded for the URL (sqlx decodes it back).
fn url_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Set on every SQLite connection: the busy timeout (a writer waits for
/// another process's transaction) and `synchronous = NORMAL` (safe with WAL).
const SQLITE_SESSION: &str = "PRAGMA busy_timeout = 60000; PRAGMA synchronous = NORMAL;";
const _: () = assert!(BUSY_TIMEOUT.as_secs() == 60, "SQLITE_SESSION says 60000 ms");

/// A pool with one connection made (so a file that is not a database
/// fails here, naming it).
async fn connect(path: &Path, url: SqliteUrl) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    // One connection and one read first: the pool retries a connection
    // that fails (in `after_connect`) until it times out, and then says
    // only that; this says what is wrong with the file.
    let mut first = AnyConnection::connect(&url.0)
        .await
        .map_err(|e| classify(path, e))?;
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut first)
        .await
        .map_err(|e| classify(path, e))?;
    first.close().await.map_err(|e| classify(path, e))?;
    let pool = pool_options(4)?
        .after_connect(|conn, _| {
            Box::pin(async move { sqlx::raw_sql(SQLITE_SESSION).execute(conn).await.map(drop) })
        })
        .connect(&url.0)
        .await
        .map_err(|e| classify(path, e))?;
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&pool)
        .await
        .map_err(|e| classify(path, e))?;
    Ok(pool)
}

/// `SQLITE_NOTADB` is the user's file, not our bug.
fn classify(path: &Path, e: sqlx::Error) -> Error {
    if result_code(&e) == Some(SQLITE_NOTADB) {
        return Error::NotADatabase {
            path: path.to_owned(),
            reason: "the file is not a SQLite database",
        };
    }
    Error::Database(e)
}

/// The extended SQLite result code of a database error.
fn result_code(e: &sqlx::Error) -> Option<i32> {
    e.as_database_error()?.code()?.parse().ok()
}

/// Whether an error says the database could not be written.
pub fn is_read_only(e: &Error) -> bool {
    match e {
        Error::Io { source, .. } => matches!(
            source.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
        Error::Database(e) => result_code(e).is_some_and(|c| c & 0xff == SQLITE_READONLY),
        Error::Migration(MigrateError::Execute(e)) => {
            result_code(e).is_some_and(|c| c & 0xff == SQLITE_READONLY)
        }
        _ => false,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Schema {
    Current,
    Empty,
    Older,
}

/// Which of this binary's migrations the database has; a SQLite file with
/// tables but not sqlx's migration table is someone else's.
async fn schema(pool: &AnyPool, path: &Path) -> Result<Schema> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(pool)
            .await?;
    if tables.is_empty() {
        return Ok(Schema::Empty);
    }
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(Error::NotADatabase {
            path: path.to_owned(),
            reason: "a SQLite database without skillmeat's tables",
        });
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(pool)
            .await?;
    let current = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| applied.contains(&m.version));
    Ok(if current {
        Schema::Current
    } else {
        Schema::Older
    })
}

/// Holds `<database>.lock` (`flock`) until dropped; waits up to
/// [`BUSY_TIMEOUT`] for another process that is opening the database.
async fn open_lock(database: &Path) -> Result<File> {
    let path = database.with_extension("db.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    take_turn(file, &path, File::try_lock).await
}

/// A shared hold of `<database>.lock`, so a reader never sees a database
/// half created or migrated; none if the lock file cannot be opened (a
/// database made before it existed, or a home we may not write: its opener
/// created the file first).
async fn shared_open_lock(database: &Path) -> Result<Option<File>> {
    let path = database.with_extension("db.lock");
    let Ok(file) = File::open(&path) else {
        return Ok(None);
    };
    take_turn(file, &path, File::try_lock_shared)
        .await
        .map(Some)
}

async fn take_turn(
    file: File,
    path: &Path,
    try_lock: fn(&File) -> std::result::Result<(), TryLockError>,
) -> Result<File> {
    let started = Instant::now();
    loop {
        match try_lock(&file) {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if started.elapsed() < BUSY_TIMEOUT => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Internal(format!(
                    "{} is held by another process for more than {} s",
                    path.display(),
                    BUSY_TIMEOUT.as_secs()
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
    }
}

/// Ends a command that wrote: copies the WAL into the database file and
/// truncates it (`wal_checkpoint(TRUNCATE)`), then closes every connection
/// (the last connection to close deletes the WAL). Without it the process
/// exited with connections open and the rows of a large import stayed in
/// `skillmeat.db-wal`: a backup of `skillmeat.db` alone held none of them.
/// A checkpoint that cannot finish (another process is reading) is logged;
/// the data is committed either way.
pub async fn close(pool: &AnyPool) {
    if pool.connect_options().database_url.scheme() != "sqlite" {
        return pool.close().await;
    }
    if let Err(e) = checkpoint(pool).await {
        tracing::warn!(error = %e, "the WAL could not be checkpointed");
    }
    pool.close().await;
}

async fn checkpoint(pool: &AnyPool) -> Result<()> {
    let mut conn = pool.acquire().await?;
    // Wait 2 s (not BUSY_TIMEOUT) for another process's readers, then
    // leave the WAL to the next checkpoint.
    sqlx::query("PRAGMA busy_timeout = 2000")
        .execute(&mut *conn)
        .await?;
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await?;
    if busy != 0 {
        tracing::info!("another process is using the database: the WAL is checkpointed later");
    }
    Ok(())
}

/// Whether `conn` is a SQLite connection (else a database server's).
pub fn is_sqlite(conn: &AnyConnection) -> bool {
    conn.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME
}

/// A write transaction that takes SQLite's write lock up front
/// (`BEGIN IMMEDIATE`), so read-then-write never fails to upgrade. On a
/// database server, one writer at a time: a transaction-level advisory
/// lock ([`WRITE_LOCK`]) held alone, which waits for running imports
/// ([`begin_import`]) and keeps new ones out (`remove`, `use`, recording
/// a deployment).
pub async fn begin_write(pool: &AnyPool) -> Result<Tx> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        return Ok(pool.begin_with("BEGIN IMMEDIATE").await?);
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// An import's transaction. On SQLite, [`begin_write`]'s. On a database
/// server, imports run side by side (unique constraints decide between
/// them, see [`is_contention`]); they hold [`WRITE_LOCK`] shared, so that
/// `remove` and `use`, which take it alone, never run during one.
pub async fn begin_import(pool: &AnyPool) -> Result<Tx> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        return begin_write(pool).await;
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Makes the imports of plugin `name_key` of collection `collection` take
/// turns (a transaction-level advisory lock on the pair; PostgreSQL only:
/// SQLite has one writer at a time anyway).
pub async fn lock_name(tx: &mut AnyConnection, collection: &str, name_key: &str) -> Result<()> {
    if is_sqlite(tx) {
        return Ok(());
    }
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("skillmeat-plugin:{collection}:{name_key}"))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Whether `e` is the database deciding between two transactions (a
/// unique constraint another one's commit took, a serialization failure,
/// a deadlock): the loser may run again. PostgreSQL's SQLSTATE codes.
pub fn is_contention(e: &Error) -> bool {
    const RETRYABLE: [&str; 3] = ["23505", "40001", "40P01"];
    match e {
        Error::Database(sqlx::Error::Database(db)) => db
            .code()
            .is_some_and(|code| RETRYABLE.contains(&code.as_ref())),
        _ => false,
    }
}

/// The advisory lock key of [`begin_write`] on PostgreSQL ("skillmeat" in
/// ASCII, so other applications' keys are unlikely to collide).
const WRITE_LOCK: i64 = 0x736b_696c_6c6d_6561;

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQLite migrations keep the checksums (SHA-384 of each file)
    /// that every existing home recorded when it applied them: sqlx refuses
    /// a database whose applied migration's checksum differs, so a changed
    /// byte here would lock every user out of their collection.
    #[test]
    fn the_sqlite_migrations_keep_their_checksums() {
        // Versions released so far; later ones are added here once shipped.
        let got: Vec<(i64, String)> = MIGRATOR
            .iter()
            .filter(|m| m.version <= 6)
            .map(|m| {
                let hex: String = m.checksum.iter().map(|b| format!("{b:02x}")).collect();
                (m.version, hex)
            })
            .collect();
        let want = [
            (
                1,
                "db0ce4df4971c3c867c239b56bcde0d8cc327b4155b0d699d273cafa60f7159be965b624feacf39f6823f64e6d38f3ac",
            ),
            (
                2,
                "0b450e2aac9e379f511c5309d417d05eeede16bdbf0228d8b5fd9f9c75e8227be28618221169e4af9de4b0777bf8564c",
            ),
            (
                3,
                "f8de82de1be98dad100ca123886e9bb03a26fa3bb36952bec3b955730f3d70418d2148a5ff4598443839a1b30d96d38d",
            ),
            (
                4,
                "c9ece35529b02c6ea32b85c067e7ea203ee510dcf46d5b7692b57b25f750610cc9d6fec532a5616c1765e75de6115263",
            ),
            (
                5,
                "e89694f16f293aa8b2cf5920a4ecaed53de5b81d40dfd07cf4152cdc904841a2caf9d7930f71d30d4d9678ba556e8ed2",
            ),
            (
                6,
                "9ae0bb69ac40b5041efd9dc0f58b80d7fa8f814501d5cdc35ebc81d34bb8df54c098c3021986b940b68d79dc335d3b2a",
            ),
        ];
        let want: Vec<(i64, String)> = want.iter().map(|(v, h)| (*v, (*h).to_owned())).collect();
        assert_eq!(got, want);
    }

    /// Both schemas end at the same version, migration for migration.
    #[test]
    fn the_postgres_migrations_mirror_the_sqlite_ones() {
        let versions = |m: &Migrator| -> Vec<(i64, String)> {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        assert_eq!(versions(&SERVER_MIGRATOR), versions(&MIGRATOR));
    }

    #[test]
    fn a_shown_url_has_no_password() {
        let cases = [
            (
                "postgres://alice:pw@db.example:5433/team",
                Ok("postgres://alice@db.example:5433/team"),
            ),
            (
                "postgresql://bob@localhost/c?host=/run/pg",
                Ok("postgres://bob@/run/pg/c"),
            ),
            ("mysql://alice:pw@db/team", Err("mysql://…")),
            ("postgres://alice:pw@db:99999/team", Err("postgres://…")),
        ];
        for (url, want) in cases {
            let got = server_url(url).map_err(|e| match e {
                Error::DatabaseUnavailable { url, reason } => {
                    assert!(!reason.contains("pw"), "{reason}");
                    url
                }
                other => panic!("{url}: {other}"),
            });
            assert_eq!(
                got.as_deref(),
                want.map_err(|u| u.to_owned()).as_deref(),
                "{url}"
            );
        }
        assert_eq!(
            without_password("postgres://a:p%40ss@h/d", "error: p%40ss at h"),
            "error: *** at h"
        );
    }

    /// The rebuild of `artifacts` for the `lsp_server` kind keeps every
    /// row, and every reference to it: nothing cascades away, and the
    /// foreign keys still hold afterwards.
    #[tokio::test]
    async fn the_lsp_migration_keeps_a_collection() {
        let dir = tempfile::TempDir::new().expect("a temp dir");
        let path = dir.path().join("skillmeat.db");
        let pool = connect(&path, SqliteUrl::new(&path, "rwc"))
            .await
            .expect("a database");
        MIGRATOR
            .run_to(2, &pool)
            .await
            .expect("the schema before LSP servers");
        let setup = "
            BEGIN;
            INSERT INTO collections VALUES ('c', 'default', 't');
            INSERT INTO artifacts VALUES ('p', 'c', 'composite', 'p', 'p', NULL, NULL, 'pv', 't', 't');
            INSERT INTO artifacts VALUES ('s', 'c', 'skill', 's', 's', NULL, NULL, 'sv', 't', 't');
            INSERT INTO artifact_versions VALUES ('pv', 'p', 'h1', 1, 't');
            INSERT INTO artifact_versions VALUES ('sv', 's', 'h2', 1, 't');
            INSERT INTO version_files VALUES ('sv', 'SKILL.md', 'b', 1, 0);
            INSERT INTO composite_memberships VALUES ('m', 'p', 's', 'MEMBER', 'h2', 'skills/s', 0, 't');
            INSERT INTO deployments VALUES ('d', 'c', 's', '/x', 'p', 'h2', 'claude-code', 't');
            COMMIT;";
        sqlx::raw_sql(setup)
            .execute(&pool)
            .await
            .expect("a collection");
        let lsp = "INSERT INTO artifacts VALUES ('l', 'c', 'lsp_server', 'ra', 'ra', NULL, NULL, NULL, 't', 't')";
        assert!(
            sqlx::query(lsp).execute(&pool).await.is_err(),
            "the old CHECK refuses lsp_server"
        );
        MIGRATOR.run(&pool).await.expect("the LSP migration");
        let count = |table: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                    "SELECT count(*) FROM {table}"
                )))
                .fetch_one(&pool)
                .await
                .expect("a count")
            }
        };
        for (table, rows) in [
            ("artifacts", 2),
            ("artifact_versions", 2),
            ("version_files", 1),
            ("composite_memberships", 1),
            ("deployments", 1),
        ] {
            assert_eq!(count(table).await, rows, "{table}");
        }
        sqlx::query(lsp)
            .execute(&pool)
            .await
            .expect("lsp_server is a kind now");
        let bad: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .expect("a check");
        assert!(bad.is_empty(), "{bad:?}");
        // Foreign keys are on again, and still point at the new table.
        sqlx::query("DELETE FROM artifacts WHERE id = 's'")
            .execute(&pool)
            .await
            .expect("a delete");
        assert_eq!(count("composite_memberships").await, 0);
        assert_eq!(count("deployments").await, 0);
    }
}

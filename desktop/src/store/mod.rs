//! The SQLite database: one file under `$SKILLMEAT_HOME`, WAL, foreign keys
//! on, a generous busy timeout so concurrent processes wait instead of
//! failing, migrations embedded in the binary.

mod kind;
pub mod rows;
pub mod sources;

pub use kind::KindColumn;

use std::fs::{File, TryLockError};
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::error::{Error, Result};

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

pub type Tx = Transaction<'static, Sqlite>;

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// SQLite's result codes the opening tells apart (`sqlite3.h`).
const SQLITE_NOTADB: i32 = 26;
const SQLITE_READONLY: i32 = 8;
/// A WAL database in a folder we cannot write, without its `-shm` file.
const SQLITE_READONLY_DIRECTORY: i32 = 1544;

/// Opens (creating if needed) and migrates the database at `path`.
pub async fn open(path: &Path) -> Result<SqlitePool> {
    if let Some(parent) = path.parent() {
        crate::fsx::create_private_dir(parent)?;
    }
    let options = base_options(path)?.create_if_missing(true);
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

/// What an existing database holds, as a reading command sees it.
#[derive(Debug)]
pub enum ReadOnly {
    /// The schema of this binary: read away.
    Current(SqlitePool),
    /// No tables at all: nothing was ever stored.
    Empty,
    /// An older schema: it must be migrated (written) before it is read.
    Older,
}

/// Opens the existing database at `path` for reading only: nothing is
/// created, migrated or written (not even `skillmeat.db.lock`), so a
/// read-only home can be read.
pub async fn open_read_only(path: &Path) -> Result<ReadOnly> {
    // Waits while another process creates or migrates the database.
    let _turn = shared_open_lock(path).await?;
    let options = base_options(path)?.read_only(true);
    let pool = match connect(path, options.clone()).await {
        // SQLite cannot create the `-shm` index of a WAL database in a
        // folder we cannot write. None exists, so no process has the
        // database open: read the file as it is (`immutable`). A writer
        // that starts meanwhile needs write access we lack, i.e. another
        // user; our reads then race its checkpoint, which we accept.
        Err(Error::Database(e)) if result_code(&e) == Some(SQLITE_READONLY_DIRECTORY) => {
            connect(path, options.immutable(true)).await?
        }
        other => other?,
    };
    Ok(match schema(&pool, path).await? {
        Schema::Current => ReadOnly::Current(pool),
        Schema::Empty => ReadOnly::Empty,
        Schema::Older => ReadOnly::Older,
    })
}

fn base_options(path: &Path) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str("sqlite://")
        .map_err(Error::Database)?
        .filename(path)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT))
}

/// A pool with one connection made (so a file that is not a database
/// fails here, naming it).
async fn connect(path: &Path, options: SqliteConnectOptions) -> Result<SqlitePool> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
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
async fn schema(pool: &SqlitePool, path: &Path) -> Result<Schema> {
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
pub async fn close(pool: &SqlitePool) {
    if let Err(e) = checkpoint(pool).await {
        tracing::warn!(error = %e, "the WAL could not be checkpointed");
    }
    pool.close().await;
}

async fn checkpoint(pool: &SqlitePool) -> Result<()> {
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

/// A write transaction that takes SQLite's write lock up front
/// (`BEGIN IMMEDIATE`), so read-then-write never fails to upgrade.
pub async fn begin_write(pool: &SqlitePool) -> Result<Tx> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rebuild of `artifacts` for the `lsp_server` kind keeps every
    /// row, and every reference to it: nothing cascades away, and the
    /// foreign keys still hold afterwards.
    #[tokio::test]
    async fn the_lsp_migration_keeps_a_collection() {
        let dir = tempfile::TempDir::new().expect("a temp dir");
        let path = dir.path().join("skillmeat.db");
        let options = base_options(&path)
            .expect("options")
            .create_if_missing(true);
        let pool = connect(&path, options).await.expect("a database");
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

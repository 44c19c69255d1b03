//! The SQLite database: one file under `$SKILLMEAT_HOME`, WAL, foreign keys
//! on, a generous busy timeout so concurrent processes wait instead of
//! failing, migrations embedded in the binary.

pub mod rows;

use std::fs::{File, TryLockError};
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::error::{Error, Result};

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

pub type Tx = Transaction<'static, Sqlite>;

/// Opens (creating if needed) and migrates the database at `path`.
pub async fn open(path: &Path) -> Result<SqlitePool> {
    if let Some(parent) = path.parent() {
        crate::fsx::create_private_dir(parent)?;
    }
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(Error::Database)?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    // sqlx's migrator takes no lock of its own on SQLite, and creating the
    // file and switching it to WAL race too: processes opening the database
    // at the same moment take turns through a lock file beside it.
    let _turn = open_lock(path).await?;
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
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
    let started = Instant::now();
    loop {
        match file.try_lock() {
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
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
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

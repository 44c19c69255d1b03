//! The SQLite database: one file under `$SKILLMEAT_HOME`, WAL, foreign keys
//! on, a generous busy timeout so concurrent processes wait instead of
//! failing, migrations embedded in the binary.

pub mod rows;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

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
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Runs the embedded migrations; concurrent first runs wait for each other.
async fn migrate(pool: &SqlitePool) -> Result<()> {
    // The migrator takes no lock of its own on SQLite: serialise first runs
    // by holding the write lock while checking.
    let mut attempts = 0;
    loop {
        match sqlx::migrate!("./migrations").run(pool).await {
            Ok(()) => return Ok(()),
            Err(e) if attempts < 20 && is_busy(&e) => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &sqlx::migrate::MigrateError) -> bool {
    let text = e.to_string();
    text.contains("database is locked")
        || text.contains("UNIQUE constraint failed: _sqlx_migrations")
        || text.contains("already exists")
}

/// A write transaction that takes SQLite's write lock up front
/// (`BEGIN IMMEDIATE`), so read-then-write never fails to upgrade.
pub async fn begin_write(pool: &SqlitePool) -> Result<Tx> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

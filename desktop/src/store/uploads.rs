//! Uploads on a database server (DESIGN.md §12, §14): the `uploads` table,
//! one row per blob a client sent and the server verified, waiting for an
//! import. Any server of the database can import what another received.
//! An embedded collection keeps its uploads as files instead
//! (`crate::upload::Area`).

use std::collections::HashSet;
use std::time::Duration;

use skillmeat_core::hash::ContentHash;
use sqlx::AnyConnection;

use super::contents::{CHUNK, placeholders};
use crate::error::Result;

/// The database's clock, in whole seconds since the epoch: every server
/// ages uploads by the same clock.
const NOW: &str = "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)";

/// Keeps `bytes` as the upload of `hash` (the caller hashed them); an
/// upload of a blob already there replaces its bytes (mending a damaged
/// row) and restarts its time.
pub async fn put(conn: &mut AnyConnection, hash: &ContentHash, bytes: &[u8]) -> Result<()> {
    let sql = format!(
        "INSERT INTO uploads (hash, size, bytes, uploaded_at) VALUES ($1, $2, $3, {NOW})
         ON CONFLICT (hash) DO UPDATE SET size = EXCLUDED.size, bytes = EXCLUDED.bytes,
             uploaded_at = EXCLUDED.uploaded_at"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(hash.to_hex())
        .bind(bytes.len() as i64)
        .bind(bytes)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Those of `hashes` uploaded and not yet deleted.
pub async fn present(
    conn: &mut AnyConnection,
    hashes: &[ContentHash],
) -> Result<HashSet<ContentHash>> {
    let mut found = HashSet::new();
    for chunk in hashes.chunks(CHUNK) {
        let sql = format!(
            "SELECT hash FROM uploads WHERE hash IN ({})",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for h in chunk {
            query = query.bind(h.to_hex());
        }
        for hex in query.fetch_all(&mut *conn).await? {
            found.insert(super::rows::parse_hash(&hex)?);
        }
    }
    Ok(found)
}

/// The bytes uploaded as `hash`, as stored (the caller checks them).
pub async fn read(conn: &mut AnyConnection, hash: &ContentHash) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT bytes FROM uploads WHERE hash = $1")
            .bind(hash.to_hex())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Deletes the upload of `hash` (its bytes were found not to be it).
pub async fn forget(conn: &mut AnyConnection, hash: &ContentHash) -> Result<()> {
    sqlx::query("DELETE FROM uploads WHERE hash = $1")
        .bind(hash.to_hex())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the uploads of `hashes` that `contents` now holds (an import
/// stored them); returns how many went.
pub async fn release(conn: &mut AnyConnection, hashes: &[ContentHash]) -> Result<u64> {
    let mut gone = 0;
    for chunk in hashes.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM uploads WHERE hash IN ({})
             AND hash IN (SELECT hash FROM contents)",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for h in chunk {
            query = query.bind(h.to_hex());
        }
        gone += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(gone)
}

/// The uploads older than `ttl`, by hash.
pub async fn stale(conn: &mut AnyConnection, ttl: Duration) -> Result<Vec<String>> {
    let sql = format!("SELECT hash FROM uploads WHERE uploaded_at <= {NOW} - $1 ORDER BY hash");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(seconds(ttl))
        .fetch_all(&mut *conn)
        .await?)
}

/// Deletes the uploads older than `ttl`; returns how many went.
pub async fn sweep(conn: &mut AnyConnection, ttl: Duration) -> Result<u64> {
    let sql = format!("DELETE FROM uploads WHERE uploaded_at <= {NOW} - $1");
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(seconds(ttl))
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

fn seconds(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)
}

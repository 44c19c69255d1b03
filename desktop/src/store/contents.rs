//! File contents on a database server (DESIGN.md §14): the `contents`
//! table, one row per distinct SHA-256 (lowercase hex, as
//! `version_files.blob_hash`), shared by every collection of the database.
//! An embedded collection keeps its contents as files instead
//! (`collection::layout::blob_path`).

use std::collections::{HashMap, HashSet};

use skillmeat_core::hash::ContentHash;
use sqlx::AnyConnection;

use crate::error::Result;

/// How many hashes one `IN (…)` names.
pub(super) const CHUNK: usize = 500;

/// `$1, $2, …, $n`.
pub(super) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sizes of those of `hashes` the database holds.
pub async fn sizes(
    conn: &mut AnyConnection,
    hashes: &[ContentHash],
) -> Result<HashMap<ContentHash, u64>> {
    let mut found = HashMap::new();
    for chunk in hashes.chunks(CHUNK) {
        let sql = format!(
            "SELECT hash, size FROM contents WHERE hash IN ({})",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql));
        for h in chunk {
            query = query.bind(h.to_hex());
        }
        for (hex, size) in query.fetch_all(&mut *conn).await? {
            found.insert(super::rows::parse_hash(&hex)?, size as u64);
        }
    }
    Ok(found)
}

/// Those of `hashes` the database holds.
pub async fn present(
    conn: &mut AnyConnection,
    hashes: &[ContentHash],
) -> Result<HashSet<ContentHash>> {
    Ok(sizes(conn, hashes).await?.into_keys().collect())
}

/// Stores `bytes` under `hash` (the caller hashed them); storing what is
/// already there does nothing. Inside an import's transaction, a second
/// import storing the same hash waits for the first and then does nothing.
pub async fn insert(conn: &mut AnyConnection, hash: &ContentHash, bytes: &[u8]) -> Result<()> {
    sqlx::query(
        "INSERT INTO contents (hash, size, bytes) VALUES ($1, $2, $3)
         ON CONFLICT (hash) DO NOTHING",
    )
    .bind(hash.to_hex())
    .bind(bytes.len() as i64)
    .bind(bytes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The bytes stored under `hash`, as stored (the caller checks them).
pub async fn read(conn: &mut AnyConnection, hash: &ContentHash) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT bytes FROM contents WHERE hash = $1")
            .bind(hash.to_hex())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Deletes the contents of `hashes`.
pub async fn delete(conn: &mut AnyConnection, hashes: &[ContentHash]) -> Result<()> {
    for chunk in hashes.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM contents WHERE hash IN ({})",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for h in chunk {
            query = query.bind(h.to_hex());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Every stored hash, in order (for `verify`).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM contents ORDER BY hash")
            .fetch_all(&mut *conn)
            .await?,
    )
}

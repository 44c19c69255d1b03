//! The collection index as one value, for the page's wasm `planImport`.

use std::collections::HashMap;

use super::dto::{IndexSnapshot, Kind, SnapshotArtifact};
use crate::collection::Collection;
use crate::error::Result;

/// Every artifact with its current hash and the hashes of all its versions.
pub async fn index(collection: &Collection) -> Result<IndexSnapshot> {
    let mut conn = collection.pool.acquire().await?;
    let heads: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT a.id, a.kind, a.name, v.content_hash
         FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id
         WHERE a.collection_id = ? ORDER BY a.kind, a.name_key",
    )
    .bind(&collection.id)
    .fetch_all(&mut *conn)
    .await?;
    let versions: Vec<(String, String)> = sqlx::query_as(
        "SELECT v.artifact_id, v.content_hash
         FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id
         WHERE a.collection_id = ? ORDER BY v.created_at, v.id",
    )
    .bind(&collection.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut hashes: HashMap<String, Vec<String>> = HashMap::new();
    for (id, hash) in versions {
        hashes.entry(id).or_default().push(hash);
    }
    let mut artifacts = Vec::with_capacity(heads.len());
    for (id, kind, name, current_hash) in heads {
        artifacts.push(SnapshotArtifact {
            hashes: hashes.remove(&id).unwrap_or_default(),
            kind: Kind::parse(&kind)?,
            id,
            name,
            current_hash,
        });
    }
    Ok(IndexSnapshot { artifacts })
}

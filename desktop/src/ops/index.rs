//! The collection index as one value, for the page's wasm `planImport`.

use std::collections::HashMap;

use skillmeat_core::ArtifactKind;

use super::scope::Scope;
use super::transfer::{IndexSnapshot, Kind, SnapshotArtifact};
use crate::collection::Collection;
use crate::error::Result;
use crate::store::KindColumn;

/// An artifact with its current hash.
#[derive(Debug, sqlx::FromRow)]
struct Head {
    id: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    name: String,
    content_hash: String,
}

/// Every artifact with its current hash and the hashes of all its versions
/// (none when the collection does not exist yet).
pub async fn index(scope: &Scope) -> Result<IndexSnapshot> {
    match scope.read().await? {
        Some(c) => snapshot(&c).await,
        None => Ok(IndexSnapshot {
            artifacts: Vec::new(),
        }),
    }
}

async fn snapshot(collection: &Collection) -> Result<IndexSnapshot> {
    let mut conn = collection.pool.acquire().await?;
    let heads: Vec<Head> = sqlx::query_as(
        "SELECT a.id, a.kind, a.name, v.content_hash
         FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id
         WHERE a.collection_id = $1 ORDER BY a.kind, a.name_key",
    )
    .bind(&collection.id)
    .fetch_all(&mut *conn)
    .await?;
    let versions: Vec<(String, String)> = sqlx::query_as(
        "SELECT v.artifact_id, v.content_hash
         FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id
         WHERE a.collection_id = $1 ORDER BY v.created_at, v.id",
    )
    .bind(&collection.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut hashes: HashMap<String, Vec<String>> = HashMap::new();
    for (id, hash) in versions {
        hashes.entry(id).or_default().push(hash);
    }
    let mut artifacts = Vec::with_capacity(heads.len());
    for h in heads {
        artifacts.push(SnapshotArtifact {
            hashes: hashes.remove(&h.id).unwrap_or_default(),
            kind: Kind::from(h.kind),
            id: h.id,
            name: h.name,
            current_hash: h.content_hash,
        });
    }
    Ok(IndexSnapshot { artifacts })
}

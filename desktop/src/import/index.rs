//! The dedup index over SQLite: the lookups a plan needs, fetched with
//! index-backed queries, then handed to the pure planner in core.

use std::collections::HashMap;

use skillmeat_core::ArtifactKind;
use skillmeat_core::artifact::name_key;
use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::{ArtifactIndex, ConflictPolicy, Incoming, IndexedArtifact};
use sqlx::SqliteConnection;

use crate::error::Result;
use crate::store::rows;

/// Answers for exactly the `(kind, name_key, hash)` questions a plan asks.
#[derive(Debug, Default)]
pub struct Prefetched {
    answers: HashMap<(ArtifactKind, String, ContentHash), Option<IndexedArtifact>>,
}

impl Prefetched {
    pub async fn load(
        conn: &mut SqliteConnection,
        collection: &str,
        plugin: &str,
        children: &[Incoming],
        policy: ConflictPolicy,
    ) -> Result<Prefetched> {
        let mut answers = HashMap::with_capacity(children.len() * 2);
        for c in children {
            let mut keys = vec![name_key(&c.name)];
            if policy == ConflictPolicy::Fork {
                keys.push(name_key(&format!("{}--{plugin}", c.name)));
            }
            for key in keys {
                let found =
                    rows::find_identity(conn, collection, c.kind, &key, &c.content_hash).await?;
                answers.insert((c.kind, key, c.content_hash), found);
            }
        }
        Ok(Prefetched { answers })
    }
}

impl ArtifactIndex for Prefetched {
    fn find(&self, kind: ArtifactKind, key: &str, hash: &ContentHash) -> Option<IndexedArtifact> {
        self.answers
            .get(&(kind, key.to_owned(), *hash))
            .cloned()
            .flatten()
    }
}

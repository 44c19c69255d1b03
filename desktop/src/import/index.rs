//! The dedup index over SQLite: the lookups a plan needs, fetched with
//! index-backed queries, then handed to the pure planner in core.

use std::collections::{HashMap, HashSet};

use skillmeat_core::ArtifactKind;
use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::{self, ArtifactIndex, ConflictChoices, Incoming, IndexedArtifact};
use sqlx::AnyConnection;

use crate::error::Result;
use crate::store::rows;

/// Answers for exactly the `(kind, name_key, hash)` questions a plan asks.
#[derive(Debug, Default)]
pub struct Prefetched {
    answers: HashMap<(ArtifactKind, String, ContentHash), Option<IndexedArtifact>>,
}

impl Prefetched {
    pub async fn load(
        conn: &mut AnyConnection,
        collection: &str,
        plugin: &str,
        children: &[Incoming],
        choices: &ConflictChoices,
    ) -> Result<Prefetched> {
        let questions = plan::lookups(plugin, children, choices);
        let answers = rows::find_identities(conn, collection, &questions).await?;
        Ok(Prefetched { answers })
    }

    /// [`Prefetched::load`] for the questions of many plugins at once
    /// (each a name and its children), each question asked once.
    pub async fn load_many(
        conn: &mut AnyConnection,
        collection: &str,
        plugins: &[(&str, Vec<Incoming>)],
        choices: &ConflictChoices,
    ) -> Result<Prefetched> {
        let mut seen = HashSet::new();
        let questions: Vec<_> = plugins
            .iter()
            .flat_map(|(plugin, children)| plan::lookups(plugin, children, choices))
            .filter(|q| seen.insert(q.clone()))
            .collect();
        let answers = rows::find_identities(conn, collection, &questions).await?;
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

//! The collection the operations run against, and how it is opened.

use std::ops::Deref;

use skillmeat_core::ArtifactKind;

use crate::collection::{Collection, Contents};
use crate::error::{Error, Result};
use crate::home::Home;
use crate::query;
use crate::upload::Area;

use super::cache::Cache;
use super::jobs::Imports;

/// A skillmeat home and one collection in it. The CLI opens the collection
/// per operation, in the mode the operation needs (a reading one never
/// creates or writes anything), and closes it after a write; the desktop
/// app and the server hold it open for the life of the process.
#[derive(Debug)]
pub struct Scope {
    home: Home,
    name: String,
    held: Option<Collection>,
    /// Imports running in the background (the server's hash-first import).
    imports: Imports,
    /// Answers to repeated reads of the held collection.
    cache: Cache,
}

impl Scope {
    /// Collection `name`, opened by each operation (the CLI).
    pub fn per_call(home: Home, name: &str) -> Scope {
        Scope {
            home,
            name: name.to_owned(),
            held: None,
            imports: Imports::default(),
            cache: Cache::default(),
        }
    }

    /// Collection `name`, opened now (created on first use) and held.
    pub async fn held(home: Home, name: &str) -> Result<Scope> {
        let collection = Collection::open(&home, name).await?;
        Ok(Scope {
            home,
            name: name.to_owned(),
            held: Some(collection),
            imports: Imports::default(),
            cache: Cache::default(),
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    /// The collection's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The imports started in the background against this collection.
    pub fn imports(&self) -> &Imports {
        &self.imports
    }

    /// The answers kept for `open`, when it is the held collection (one
    /// opened for a single operation keeps none).
    pub(super) fn cache(&self, open: &Open<'_>) -> Option<&Cache> {
        matches!(open, Open::Held(_)).then_some(&self.cache)
    }

    /// The collection's upload area (hash-first import).
    pub(super) fn upload_area(&self) -> Result<Area> {
        let dir = self.home.collection_dir(&self.name)?;
        Ok(match Contents::of(&self.home) {
            Contents::Folder => Area::of(&dir),
            Contents::Database { cache } => {
                let root = self.home.root().join("uploads").join(&self.name);
                Area::for_database(&root, &cache)
            }
        })
    }

    /// For reading, if the collection exists.
    pub(super) async fn read(&self) -> Result<Option<Open<'_>>> {
        Ok(match &self.held {
            Some(c) => Some(Open::Held(c)),
            None => Collection::open_read(&self.home, &self.name)
                .await?
                .map(Open::Read),
        })
    }

    /// For writing, if the collection exists (nothing is created).
    pub(super) async fn existing(&self) -> Result<Option<Open<'_>>> {
        Ok(match &self.held {
            Some(c) => Some(Open::Held(c)),
            None => Collection::open_existing(&self.home, &self.name)
                .await?
                .map(Open::Written),
        })
    }

    /// For writing, created on first use.
    pub(super) async fn create(&self) -> Result<Open<'_>> {
        Ok(match &self.held {
            Some(c) => Open::Held(c),
            None => Open::Written(Collection::open(&self.home, &self.name).await?),
        })
    }

    /// For reading about artifact `name`: a collection that does not exist
    /// yet has no artifact of that name.
    pub(super) async fn read_for(&self, name: &str) -> Result<Open<'_>> {
        self.read().await?.ok_or_else(|| self.empty(name))
    }

    /// For writing about artifact `name`, which must exist.
    pub(super) async fn existing_for(&self, name: &str) -> Result<Open<'_>> {
        self.existing().await?.ok_or_else(|| self.empty(name))
    }

    fn empty(&self, name: &str) -> Error {
        Error::UnknownArtifact {
            name: name.to_owned(),
            within: format!("collection {:?} (it is empty)", self.name),
        }
    }
}

/// An open collection: held by the scope, or opened for one operation.
#[derive(Debug)]
pub(super) enum Open<'a> {
    Held(&'a Collection),
    Read(Collection),
    Written(Collection),
}

impl Deref for Open<'_> {
    type Target = Collection;

    fn deref(&self) -> &Collection {
        match self {
            Open::Held(c) => c,
            Open::Read(c) | Open::Written(c) => c,
        }
    }
}

impl Open<'_> {
    /// Ends the operation: a collection opened for writing is checkpointed
    /// and closed (the database file alone then holds everything).
    pub(super) async fn close(self) {
        if let Open::Written(c) = self {
            c.close().await;
        }
    }

    /// What the engine looks `reference` up by: an id, a name (with `kind`
    /// to pick among several), or `type:name` — resolved here to the
    /// artifact's id. A `type:name` that names nothing is tried as a plain
    /// name (names may hold a `:`).
    pub(super) async fn lookup(
        &self,
        reference: &str,
        kind: Option<ArtifactKind>,
    ) -> Result<(String, Option<ArtifactKind>)> {
        let typed = match kind {
            None => split_typed(reference),
            Some(_) => None,
        };
        let Some((kind, name)) = typed else {
            return Ok((reference.to_owned(), kind));
        };
        let mut conn = self.pool.acquire().await?;
        match query::resolve(&mut conn, self, name, Some(kind.as_str())).await {
            Ok(found) => Ok((found.id, None)),
            Err(Error::UnknownArtifact { .. }) => Ok((reference.to_owned(), None)),
            Err(e) => Err(e),
        }
    }
}

/// `skill:brainstorming` → (skill, "brainstorming"); `None` unless the part
/// before the first `:` names a kind (as `--type` does: `plugin`, `mcp` …).
pub(super) fn split_typed(reference: &str) -> Option<(ArtifactKind, &str)> {
    let (kind, name) = reference.split_once(':')?;
    let kind = kind.parse().ok()?;
    (!name.is_empty()).then_some((kind, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_references_split_on_a_kind_only() {
        for (reference, expected) in [
            (
                "skill:brainstorming",
                Some((ArtifactKind::Skill, "brainstorming")),
            ),
            (
                "composite:superpowers",
                Some((ArtifactKind::Composite, "superpowers")),
            ),
            (
                "mcp_server:db:main",
                Some((ArtifactKind::McpServer, "db:main")),
            ),
            (
                "plugin:superpowers",
                Some((ArtifactKind::Composite, "superpowers")),
            ),
            ("brainstorming", None),
            ("note:x", None),
            ("skill:", None),
            ("01JZ8Y4W5N3K9Q2R7T6V0XABCD", None),
        ] {
            assert_eq!(split_typed(reference), expected, "{reference}");
        }
    }
}

//! Where a collection's file contents live: files in its folder's
//! `objects/` (the embedded default), or rows of the `contents` table of a
//! database server (DESIGN.md §14), which deploy, export and the file
//! routes read through a local cache of checked copies.

use std::path::PathBuf;

use skillmeat_core::hash::{ContentHash, hash_bytes};
use sqlx::AnyPool;

use super::layout;
use crate::error::{Error, Result};
use crate::fsx;
use crate::home::Home;
use crate::store::contents;

/// Where a collection's file contents live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// `objects/ab/cdef…` in the collection folder.
    Folder,
    /// The database's `contents` table. What is read is copied into
    /// `cache` (`objects/ab/cdef…` below it), each copy checked against its
    /// hash: content-addressed copies never go stale, so the cache may be
    /// deleted at any time and is shared by every database the home uses.
    Database { cache: PathBuf },
}

impl Contents {
    /// A home on a database server keeps contents there.
    pub fn of(home: &Home) -> Contents {
        match home.server() {
            Some(_) => Contents::Database {
                cache: home.root().join("cache").join("contents"),
            },
            None => Contents::Folder,
        }
    }

    pub fn in_database(&self) -> bool {
        matches!(self, Contents::Database { .. })
    }
}

/// Copies into `cache` each of `hashes` it lacks, read from the database
/// and checked: a content the database lacks, or whose bytes no longer
/// hash to its name, is an error and nothing of it is kept.
pub(super) async fn fetch(
    pool: &AnyPool,
    cache: &std::path::Path,
    hashes: impl IntoIterator<Item = ContentHash>,
) -> Result<()> {
    let mut wanted: Vec<ContentHash> = hashes.into_iter().filter(|h| !cached(cache, h)).collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    for hash in wanted {
        let bytes = contents::read(&mut conn, &hash)
            .await?
            .ok_or_else(|| missing(&hash))?;
        if hash_bytes(&bytes) != hash {
            return Err(Error::DatabaseContent {
                hash: hash.to_hex(),
                reason: "no longer matches its SHA-256",
            });
        }
        let path = layout::blob_path(cache, &hash);
        if let Some(parent) = path.parent() {
            fsx::create_private_dir(parent)?;
        }
        fsx::write_atomic(&path, &bytes)?;
    }
    Ok(())
}

/// Whether the cache holds a good copy of `hash`. A copy that no longer
/// hashes to its name (damaged on disk) is not one: it is fetched again.
fn cached(cache: &std::path::Path, hash: &ContentHash) -> bool {
    crate::tree::hash_file(&layout::blob_path(cache, hash)).is_ok_and(|h| h == *hash)
}

fn missing(hash: &ContentHash) -> Error {
    Error::DatabaseContent {
        hash: hash.to_hex(),
        reason: "is missing from the database",
    }
}

//! A collection: its row in the database and its folder
//! `$SKILLMEAT_HOME/collections/<name>/` (current versions, plugin meta
//! files, the content-addressed store of every version, `manifest.toml`,
//! `skillmeat.lock`). A collection on a database server has no folder: its
//! contents are rows of the database's `contents` table
//! ([`Contents::Database`]), and its records files are made on demand.

mod contents;
pub mod layout;
pub mod migrate;
pub mod records;
pub mod txn;

use std::path::{Path, PathBuf};

use skillmeat_core::hash::ContentHash;
use sqlx::AnyPool;

pub use contents::Contents;
pub use records::{changed_entries, lock_file, manifest_file};

use crate::error::{Error, Result};
use crate::home::Home;
use crate::store::{self, rows};

/// An open collection.
#[derive(Debug, Clone)]
pub struct Collection {
    pub name: String,
    pub id: String,
    pub dir: PathBuf,
    pub pool: AnyPool,
    pub contents: Contents,
}

impl Collection {
    /// Opens collection `name`, creating it on first use, and recovers any
    /// import a killed process left behind.
    pub async fn open(home: &Home, name: &str) -> Result<Collection> {
        let dir = home.collection_dir(name)?;
        let pool = Collection::database(home).await?;
        let mut conn = pool.acquire().await?;
        let id = rows::ensure_collection(&mut conn, name).await?;
        drop(conn);
        let contents = Contents::of(home);
        if !contents.in_database() {
            crate::fsx::create_private_dir(&dir)?;
            claim(&dir, &id)?;
        }
        let collection = Collection {
            name: name.to_owned(),
            id,
            dir,
            pool,
            contents,
        };
        collection.recover().await?;
        Ok(collection)
    }

    /// Opens collection `name` only if it exists (nothing is created).
    pub async fn open_existing(home: &Home, name: &str) -> Result<Option<Collection>> {
        let dir = home.collection_dir(name)?;
        if home.server().is_none() && !home.database().exists() {
            return Ok(None);
        }
        let pool = Collection::database(home).await?;
        let Some(collection) = Collection::found(pool, name, dir, Contents::of(home)).await? else {
            return Ok(None);
        };
        if !collection.in_database() {
            check_owner(&collection.dir, &collection.id)?;
        }
        collection.recover().await?;
        Ok(Some(collection))
    }

    /// Opens collection `name` for a command that only reads, if it
    /// exists. Nothing is created, migrated, recovered or written, so a
    /// read-only home can be read; a database of an older schema or an
    /// interrupted import needs writing first: the collection is then
    /// opened as by [`Collection::open_existing`], and if the home cannot
    /// be written the error says what needed the write.
    pub async fn open_read(home: &Home, name: &str) -> Result<Option<Collection>> {
        if home.server().is_some() {
            return Collection::open_existing(home, name).await;
        }
        let dir = home.collection_dir(name)?;
        let database = home.database();
        if !database.exists() {
            return Ok(None);
        }
        let needs = if txn::dead_transactions(&dir).is_empty() {
            match store::open_read_only(&database).await? {
                store::ReadOnly::Empty => return Ok(None),
                store::ReadOnly::Current(pool) => {
                    let found = Collection::found(pool, name, dir, Contents::Folder).await?;
                    if let Some(c) = &found {
                        check_owner(&c.dir, &c.id)?;
                    }
                    return Ok(found);
                }
                store::ReadOnly::Older => {
                    "the database was made by an older skillmeat and must be upgraded"
                }
            }
        } else {
            "an interrupted import must be recovered"
        };
        Collection::open_existing(home, name).await.map_err(|e| {
            if store::is_read_only(&e) {
                Error::NeedsWrite {
                    path: database,
                    needs,
                    source: Box::new(e),
                }
            } else {
                e
            }
        })
    }

    /// The home's database: its server's, else its SQLite file.
    async fn database(home: &Home) -> Result<AnyPool> {
        match home.server() {
            Some(url) => store::open_server(url).await,
            None => store::open(&home.database()).await,
        }
    }

    /// The collection `name` of an open database, if it has that row.
    async fn found(
        pool: AnyPool,
        name: &str,
        dir: PathBuf,
        contents: Contents,
    ) -> Result<Option<Collection>> {
        let mut conn = pool.acquire().await?;
        let id = rows::collection_id(&mut conn, name).await?;
        drop(conn);
        Ok(id.map(|id| Collection {
            name: name.to_owned(),
            id,
            dir,
            pool,
            contents,
        }))
    }

    /// Whether the collection lives on a database server (rows and
    /// contents; no folder).
    pub fn in_database(&self) -> bool {
        self.contents.in_database()
    }

    /// Where the bytes of `hash` are read: the store in the folder, or for
    /// a database collection the local copy [`Collection::fetch`] made.
    pub fn blob_path(&self, hash: &ContentHash) -> PathBuf {
        match &self.contents {
            Contents::Folder => layout::blob_path(&self.dir, hash),
            Contents::Database { cache } => layout::blob_path(cache, hash),
        }
    }

    /// Makes the contents `hashes` readable at [`Collection::blob_path`]:
    /// for a database collection, the ones not yet copied are read from
    /// the database, checked against their hash and copied into the local
    /// cache; a folder collection has them already.
    pub async fn fetch(&self, hashes: impl IntoIterator<Item = ContentHash>) -> Result<()> {
        match &self.contents {
            Contents::Folder => Ok(()),
            Contents::Database { cache } => contents::fetch(&self.pool, cache, hashes).await,
        }
    }

    /// [`Collection::fetch`] for everything deploying or exporting
    /// `artifact` may read: the files of each of its stored versions and,
    /// for a plugin, of each of its members' (one query; nothing for a
    /// folder collection).
    pub async fn fetch_artifact(&self, artifact: &str) -> Result<()> {
        if !self.in_database() {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT f.blob_hash FROM version_files f
             JOIN artifact_versions v ON v.id = f.version_id
             WHERE v.artifact_id = $1 OR v.artifact_id IN
               (SELECT child_id FROM composite_memberships WHERE composite_id = $1)",
        )
        .bind(artifact)
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        let hashes = hashes
            .iter()
            .map(|h| rows::parse_hash(h))
            .collect::<Result<Vec<_>>>()?;
        self.fetch(hashes).await
    }

    /// Recovers dead import transactions, if there are any.
    pub async fn recover(&self) -> Result<usize> {
        if self.in_database() || txn::dead_transactions(&self.dir).is_empty() {
            return Ok(0);
        }
        let mut tx = store::begin_write(&self.pool).await?;
        let n = txn::recover(&mut tx, &self.dir).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Ends a command that wrote: the database file alone then holds
    /// everything (see [`store::close`]).
    pub async fn close(&self) {
        store::close(&self.pool).await;
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The file in a collection folder naming the database collection (its row
/// id) whose rows describe the folder's files. One folder never serves two
/// databases: each one's `remove` and recovery would delete or undo the
/// other's files.
const OWNER: &str = ".collection-id";

/// Checks the folder's owner and, on first use, records it.
fn claim(dir: &Path, id: &str) -> Result<()> {
    if owner(dir)?.is_some() {
        return check_owner(dir, id);
    }
    crate::fsx::write_atomic(&dir.join(OWNER), format!("{id}\n").as_bytes())
}

/// Refuses a folder recorded as another database collection's.
fn check_owner(dir: &Path, id: &str) -> Result<()> {
    match owner(dir)? {
        Some(found) if found != id => Err(Error::ForeignFolder {
            dir: dir.to_owned(),
            owner: format!("the database collection {found}"),
        }),
        _ => Ok(()),
    }
}

/// The owner recorded in `dir`, if any.
fn owner(dir: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(dir.join(OWNER)) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: dir.join(OWNER),
            source,
        }),
    }
}

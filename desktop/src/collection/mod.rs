//! A collection: its row in the database and its folder
//! `$SKILLMEAT_HOME/collections/<name>/` (current versions, plugin meta
//! files, the content-addressed store of every version, `manifest.toml`,
//! `skillmeat.lock`).

pub mod layout;
pub mod records;
pub mod txn;

use std::path::{Path, PathBuf};

use sqlx::AnyPool;

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
        crate::fsx::create_private_dir(&dir)?;
        claim(&dir, &id, home.server().is_some())?;
        let collection = Collection {
            name: name.to_owned(),
            id,
            dir,
            pool,
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
        let Some(collection) = Collection::found(pool, name, dir).await? else {
            return Ok(None);
        };
        check_owner(&collection.dir, &collection.id)?;
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
                    let found = Collection::found(pool, name, dir).await?;
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
    async fn found(pool: AnyPool, name: &str, dir: PathBuf) -> Result<Option<Collection>> {
        let mut conn = pool.acquire().await?;
        let id = rows::collection_id(&mut conn, name).await?;
        drop(conn);
        Ok(id.map(|id| Collection {
            name: name.to_owned(),
            id,
            dir,
            pool,
        }))
    }

    /// Recovers dead import transactions, if there are any.
    pub async fn recover(&self) -> Result<usize> {
        if txn::dead_transactions(&self.dir).is_empty() {
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

/// Checks the folder's owner and, on first use, records it. A folder of
/// files without an owner predates the record: it is the home's SQLite
/// collection's, so a database server may not take it.
fn claim(dir: &Path, id: &str, server: bool) -> Result<()> {
    if owner(dir)?.is_some() {
        return check_owner(dir, id);
    }
    let has_files = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?
        .next()
        .is_some();
    if server && has_files {
        return Err(Error::ForeignFolder {
            dir: dir.to_owned(),
            owner: "the home's skillmeat.db".to_owned(),
        });
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

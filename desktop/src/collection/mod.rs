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
                    return Collection::found(pool, name, dir).await;
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

//! `skillmeat migrate`: an embedded collection (rows in the home's SQLite
//! file, contents in its folder) copied into a database server (DESIGN.md
//! §14): every row keeps its id, so every version, pin, provenance and
//! deployment record comes along, and a second run finds everything there
//! and copies nothing. One transaction on the server: all of it or none.

use skillmeat_core::hash::ContentHash;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::{Collection, layout, lock_file, manifest_file};
use crate::error::{Error, Result};
use crate::store::{self, contents, rows};

/// How a column is read from SQLite and written to the server.
#[derive(Debug, Clone, Copy)]
enum Type {
    Text,
    Int,
    /// 0/1 in SQLite, BOOLEAN on the server.
    Bool,
}

use Type::{Bool, Int, Text};

/// One table of a collection: its columns, and which of its rows are the
/// collection's (`$1` is the collection's id). In the order foreign keys
/// need (`artifacts.current_version_id` is checked at the commit).
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Type)],
    of_collection: &'static str,
}

const ARTIFACTS_OF: &str = "SELECT id FROM artifacts WHERE collection_id = $1";

const TABLES: &[Table] = &[
    Table {
        name: "collections",
        columns: &[("id", Text), ("name", Text), ("created_at", Text)],
        of_collection: "id = $1",
    },
    Table {
        name: "artifacts",
        columns: &[
            ("id", Text),
            ("collection_id", Text),
            ("kind", Text),
            ("name", Text),
            ("name_key", Text),
            ("description", Text),
            ("source", Text),
            ("current_version_id", Text),
            ("created_at", Text),
            ("updated_at", Text),
        ],
        of_collection: "collection_id = $1",
    },
    Table {
        name: "artifact_versions",
        columns: &[
            ("id", Text),
            ("artifact_id", Text),
            ("content_hash", Text),
            ("file_count", Int),
            ("created_at", Text),
        ],
        of_collection: "artifact_id IN (SELECT id FROM artifacts WHERE collection_id = $1)",
    },
    Table {
        name: "version_files",
        columns: &[
            ("version_id", Text),
            ("path", Text),
            ("blob_hash", Text),
            ("size", Int),
            ("executable", Bool),
        ],
        of_collection: "version_id IN (SELECT v.id FROM artifact_versions v \
                        JOIN artifacts a ON a.id = v.artifact_id WHERE a.collection_id = $1)",
    },
    Table {
        name: "composites",
        columns: &[
            ("artifact_id", Text),
            ("subtype", Text),
            ("version", Text),
            ("manifest", Text),
        ],
        of_collection: "artifact_id IN (SELECT id FROM artifacts WHERE collection_id = $1)",
    },
    Table {
        name: "composite_memberships",
        columns: &[
            ("id", Text),
            ("composite_id", Text),
            ("child_id", Text),
            ("relationship_type", Text),
            ("pinned_version_hash", Text),
            ("path", Text),
            ("position", Int),
            ("created_at", Text),
        ],
        of_collection: "composite_id IN (SELECT id FROM artifacts WHERE collection_id = $1)",
    },
    Table {
        name: "import_transactions",
        columns: &[
            ("id", Text),
            ("collection_id", Text),
            ("plugin_name", Text),
            ("started_at", Text),
            ("committed_at", Text),
        ],
        of_collection: "collection_id = $1",
    },
    Table {
        name: "deployments",
        columns: &[
            ("id", Text),
            ("collection_id", Text),
            ("artifact_id", Text),
            ("project", Text),
            ("parent_id", Text),
            ("content_hash", Text),
            ("platform", Text),
            ("deployed_at", Text),
        ],
        of_collection: "collection_id = $1",
    },
    Table {
        name: "plugin_sources",
        columns: &[
            ("artifact_id", Text),
            ("kind", Text),
            ("url", Text),
            ("git_ref", Text),
            ("resolved_commit", Text),
            ("path", Text),
            ("market_name", Text),
            ("market_kind", Text),
            ("market_url", Text),
            ("market_ref", Text),
            ("market_commit", Text),
            ("market_path", Text),
        ],
        of_collection: "artifact_id IN (SELECT id FROM artifacts WHERE collection_id = $1)",
    },
];

/// Rows per `INSERT`.
const BATCH: usize = 200;

/// What a migration copied, and what it found already there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    pub rows_copied: u64,
    pub rows_present: u64,
    pub contents_copied: u64,
    pub contents_present: u64,
    pub bytes_copied: u64,
}

/// Copies `from` (an embedded collection, read in one read transaction:
/// one state of it) into the database of `to`, in one transaction that
/// keeps imports, `remove` and `use` out. Before it commits, the records
/// files made from each side must be the same bytes; a server that holds
/// another collection of the same name, or the same one changed since an
/// earlier migration, is refused and nothing is copied.
pub async fn copy(from: &Collection, to: &AnyPool, shown_url: &str) -> Result<Copied> {
    let mut source = from.pool.begin().await?;
    let mut tx = store::begin_write(to).await?;
    if let Some(id) = rows::collection_id(&mut tx, &from.name).await?
        && id != from.id
    {
        return Err(Error::MigrateConflict {
            collection: from.name.clone(),
            url: shown_url.to_owned(),
        });
    }
    let mut copied = Copied::default();
    for table in TABLES {
        let (new, present) = copy_table(&mut source, &mut tx, table, &from.id).await?;
        copied.rows_copied += new;
        copied.rows_present += present;
    }
    copy_contents(&mut source, &mut tx, from, &mut copied).await?;
    let differ = differences(&mut source, &mut tx, from).await?;
    if !differ.is_empty() {
        return Err(Error::MigrateDiffers {
            collection: from.name.clone(),
            url: shown_url.to_owned(),
            files: differ.join(" and "),
        });
    }
    tx.commit().await?;
    Ok(copied)
}

/// The records files whose bytes differ when made from `source` and from
/// `copy` (the copy inside its transaction).
async fn differences(
    source: &mut AnyConnection,
    copy: &mut AnyConnection,
    from: &Collection,
) -> Result<Vec<&'static str>> {
    let mut differ = Vec::new();
    if lock_file(source, &from.id).await? != lock_file(copy, &from.id).await? {
        differ.push(layout::LOCK);
    }
    let name = &from.name;
    if manifest_file(source, &from.id, name).await? != manifest_file(copy, &from.id, name).await? {
        differ.push(layout::MANIFEST);
    }
    Ok(differ)
}

/// One table's rows of the collection; returns (inserted, already there).
async fn copy_table(
    source: &mut AnyConnection,
    tx: &mut AnyConnection,
    table: &Table,
    collection: &str,
) -> Result<(u64, u64)> {
    let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let select = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {}",
        names.join(", "),
        table.name,
        table.of_collection,
        names[0]
    );
    let found: Vec<AnyRow> = sqlx::query(sqlx::AssertSqlSafe(select))
        .bind(collection)
        .fetch_all(&mut *source)
        .await?;
    let mut inserted = 0;
    for batch in found.chunks(BATCH) {
        inserted += insert(tx, table, &names, batch).await?;
    }
    Ok((inserted, found.len() as u64 - inserted))
}

/// `INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING`; how many went in.
async fn insert(
    tx: &mut AnyConnection,
    table: &Table,
    names: &[&str],
    batch: &[AnyRow],
) -> Result<u64> {
    let width = names.len();
    let tuples: Vec<String> = (0..batch.len())
        .map(|r| {
            let cells: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {} ON CONFLICT DO NOTHING",
        table.name,
        names.join(", "),
        tuples.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in batch {
        for (i, (_, ty)) in table.columns.iter().enumerate() {
            query = match ty {
                Text => query.bind(row.try_get::<Option<String>, _>(i)?),
                Int => query.bind(row.try_get::<Option<i64>, _>(i)?),
                Bool => query.bind(row.try_get::<Option<i64>, _>(i)?.map(|n| n != 0)),
            };
        }
    }
    Ok(query.execute(&mut *tx).await?.rows_affected())
}

/// The contents the collection's versions use that the server lacks, read
/// from the folder's store and checked on the way.
async fn copy_contents(
    source: &mut AnyConnection,
    tx: &mut AnyConnection,
    from: &Collection,
    copied: &mut Copied,
) -> Result<()> {
    let used: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT f.blob_hash FROM version_files f JOIN artifact_versions v ON v.id = f.version_id \
         WHERE v.artifact_id IN ({ARTIFACTS_OF}) ORDER BY f.blob_hash"
    )))
    .bind(&from.id)
    .fetch_all(&mut *source)
    .await?;
    let used = used
        .iter()
        .map(|h| rows::parse_hash(h))
        .collect::<Result<Vec<ContentHash>>>()?;
    let present = contents::present(tx, &used).await?;
    copied.contents_present = present.len() as u64;
    for hash in used.iter().filter(|h| !present.contains(h)) {
        let path = layout::blob_path(&from.dir, hash);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if skillmeat_core::hash::hash_bytes(&bytes) != *hash {
            return Err(Error::StoredBlobChanged { blob: path });
        }
        contents::insert(tx, hash, &bytes).await?;
        copied.contents_copied += 1;
        copied.bytes_copied += bytes.len() as u64;
    }
    Ok(())
}

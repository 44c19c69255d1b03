//! Changing what a collection holds after an import: `remove` (a plugin
//! with the children only it contains, or one artifact) and `use` (an
//! earlier stored version made current again). Both run the import's
//! transaction protocol (`collection::txn`): under SQLite's write lock the
//! rows change, the new current-version files and records files are
//! staged, the journal lists every file that moves, the files move, and
//! the database commit (with a row in `import_transactions`) is the single
//! commit point. A killed `remove` or `use` is rolled back or cleaned up by
//! the next command that opens the collection.

mod remove;
mod switch;

use sqlx::AnyConnection;

pub use remove::{Gone, Kept, Removal, RemoveOptions, remove};
pub use switch::{Switch, use_version};

use crate::collection::layout::{self, LOCK, MANIFEST, SINGLE_FILE, Shape};
use crate::collection::txn::{self, FileTxn};
use crate::collection::{Collection, lock_file, manifest_file};
use crate::error::Result;
use crate::failpoint;
use crate::fsx;
use crate::store::{self, rows};

/// Runs `write` (rows, then staged files) as transaction `label` of
/// operation `op` (`remove`, `use`: the failpoints' prefix), then moves
/// the files and commits.
async fn transact<T>(
    collection: &Collection,
    op: &'static str,
    label: &str,
    write: impl AsyncFnOnce(&mut AnyConnection, &mut FileTxn) -> Result<T>,
) -> Result<T> {
    let id = rows::new_id();
    let started_at = fsx::now_rfc3339();
    let hit = |point: &str| failpoint::hit(&format!("{op}.{point}"));
    if collection.in_database() {
        return in_database(collection, op, (&id, label, &started_at), write).await;
    }
    let mut tx = store::begin_write(&collection.pool).await?;
    txn::recover(&mut tx, &collection.dir).await?;
    let mut files = FileTxn::begin_for(&collection.dir, &id, op)?;
    hit("locked");
    let written = match write(&mut tx, &mut files).await {
        Ok(v) => rows::record_transaction(&mut tx, &id, &collection.id, label, &started_at)
            .await
            .map(|()| v),
        Err(e) => Err(e),
    };
    let value = match written {
        Ok(v) => v,
        Err(e) => {
            // Nothing has moved; the folder goes before the write lock.
            let _ = files.finish();
            drop(tx);
            return Err(e);
        }
    };
    if let Err(e) = files.apply() {
        files.undo()?;
        let _ = files.finish();
        drop(tx);
        return Err(e);
    }
    hit("files_moved");
    if let Err(e) = tx.commit().await {
        files.undo()?;
        let _ = files.finish();
        return Err(e.into());
    }
    hit("committed");
    files.finish()?;
    hit("cleaned");
    Ok(value)
}

/// [`transact`] for a collection on a database server: the rows and the
/// contents no version needs any more go in one database transaction.
async fn in_database<T>(
    collection: &Collection,
    op: &'static str,
    (id, label, started_at): (&str, &str, &str),
    write: impl AsyncFnOnce(&mut AnyConnection, &mut FileTxn) -> Result<T>,
) -> Result<T> {
    let mut tx = store::begin_write(&collection.pool).await?;
    failpoint::hit(&format!("{op}.locked"));
    let mut files = FileTxn::detached(op);
    let value = write(&mut tx, &mut files).await?;
    rows::record_transaction(&mut tx, id, &collection.id, label, started_at).await?;
    store::contents::delete(&mut tx, files.removed_blobs()).await?;
    tx.commit().await?;
    failpoint::hit(&format!("{op}.committed"));
    Ok(value)
}

/// Stages `skillmeat.lock` and `manifest.toml` regenerated from the rows as
/// they now are (inside the transaction). Whole files, not splices: a
/// splice only adds or replaces lines, and these operations take some away.
/// A collection without a folder has no records files.
async fn stage_records(
    conn: &mut AnyConnection,
    files: &mut FileTxn,
    collection: &Collection,
) -> Result<()> {
    if collection.in_database() {
        return Ok(());
    }
    let lock = lock_file(conn, &collection.id).await?;
    fsx::write_atomic(&files.stage_target_path(LOCK), lock.as_bytes())?;
    let manifest = manifest_file(conn, &collection.id, &collection.name).await?;
    fsx::write_atomic(&files.stage_target_path(MANIFEST), manifest.as_bytes())?;
    Ok(())
}

/// The shape of a stored version, from its file rows.
fn shape_of(files: &[rows::VersionFile]) -> Shape {
    match files {
        [only] if only.path == SINGLE_FILE => Shape::File,
        _ => Shape::Folder,
    }
}

/// Where `version`'s files live when it is the current version of the
/// artifact `kind` `name` (relative to the collection).
async fn current_target(
    conn: &mut AnyConnection,
    kind: skillmeat_core::ArtifactKind,
    name: &str,
    version: &str,
) -> Result<(String, Vec<rows::VersionFile>)> {
    let files = rows::version_files(conn, version).await?;
    let path = layout::current_path(kind, name, shape_of(&files))?;
    Ok((path.as_str().to_owned(), files))
}

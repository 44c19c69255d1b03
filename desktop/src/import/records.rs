//! The records files of an import: `skillmeat.lock` and `manifest.toml`
//! with the lines the database gives for it spliced in, staged in the
//! transaction folder.

use std::fs::File;
use std::path::PathBuf;

use sqlx::AnyConnection;

use crate::collection::layout::{LOCK, MANIFEST};
use crate::collection::records::{self, Changes};
use crate::collection::txn::FileTxn;
use crate::collection::{Collection, lock_file, manifest_file};
use crate::error::{Error, Result};
use crate::fsx;

/// A records file (the lock file or the manifest) to write into staging.
#[derive(Debug)]
pub(super) enum RecordsWrite {
    /// The old file with this import's lines spliced in.
    Splice {
        old: File,
        splice: records::Splice,
        to: PathBuf,
    },
    /// Regenerated from the database (no usable old file).
    Whole { text: String, to: PathBuf },
}

impl RecordsWrite {
    pub(super) fn run(&self) -> Result<()> {
        match self {
            RecordsWrite::Splice { old, splice, to } => {
                let mut out = fsx::create(to)?;
                splice.write(old, &mut out).map_err(|e| Error::io(to, e))
            }
            RecordsWrite::Whole { text, to } => fsx::write_atomic(to, text.as_bytes()),
        }
    }

    /// The file this one replaces, if it is open.
    pub(super) fn into_old(self) -> Option<File> {
        match self {
            RecordsWrite::Splice { old, .. } => Some(old),
            RecordsWrite::Whole { .. } => None,
        }
    }
}

/// Plans the lock file and the manifest with the lines this import changed
/// (`changes`, read from the database once its rows are written) spliced
/// in, regenerated from the database when there is no usable file, and
/// records their staged paths; an unchanged file is not staged.
pub(super) async fn plan_records(
    tx: &mut AnyConnection,
    files: &mut FileTxn,
    collection: &Collection,
    changes: Changes,
) -> Result<Vec<RecordsWrite>> {
    let mut out = Vec::with_capacity(2);
    let Changes {
        lock,
        artifacts,
        plugins,
    } = changes;
    match records::splice_file(&collection.path(LOCK), |f| records::splice_lock(f, lock))? {
        Some((old, splice)) => out.extend(staged_splice(files, LOCK, old, splice)),
        None => {
            let text = lock_file(tx, &collection.id).await?;
            let to = files.stage_target_path(LOCK);
            out.push(RecordsWrite::Whole { text, to });
        }
    }
    match records::splice_file(&collection.path(MANIFEST), |f| {
        records::splice_manifest(f, &collection.name, plugins, artifacts)
    })? {
        Some((old, splice)) => out.extend(staged_splice(files, MANIFEST, old, splice)),
        None => {
            let text = manifest_file(tx, &collection.id, &collection.name).await?;
            let to = files.stage_target_path(MANIFEST);
            out.push(RecordsWrite::Whole { text, to });
        }
    }
    Ok(out)
}

/// A splice to stage, if it changes the file.
fn staged_splice(
    files: &mut FileTxn,
    name: &str,
    old: File,
    splice: records::Splice,
) -> Option<RecordsWrite> {
    splice.changed.then(|| RecordsWrite::Splice {
        old,
        splice,
        to: files.stage_target_path(name),
    })
}

//! The records files of an import: `skillmeat.lock` and `manifest.toml`
//! with the lines it changed spliced in, staged in the transaction folder
//! (written ahead of the rows when [`super::ahead`] predicted them right).

use std::fs::File;
use std::path::{Path, PathBuf};

use sqlx::SqliteConnection;

use super::ahead::Ahead;
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
    /// Already staged, written ahead ([`super::ahead`]); `old` is the file it replaces.
    Staged { old: File },
}

impl RecordsWrite {
    pub(super) fn run(&self) -> Result<()> {
        match self {
            RecordsWrite::Splice { old, splice, to } => write_splice(old, splice, to),
            RecordsWrite::Whole { text, to } => fsx::write_atomic(to, text.as_bytes()),
            RecordsWrite::Staged { .. } => Ok(()),
        }
    }

    /// The file this one replaces, if it is open.
    pub(super) fn into_old(self) -> Option<File> {
        match self {
            RecordsWrite::Splice { old, .. } | RecordsWrite::Staged { old } => Some(old),
            RecordsWrite::Whole { .. } => None,
        }
    }
}

/// Writes the old records file with a splice applied to `to`.
pub(super) fn write_splice(old: &File, splice: &records::Splice, to: &Path) -> Result<()> {
    let mut out = fsx::create(to)?;
    splice.write(old, &mut out).map_err(|e| Error::io(to, e))
}

/// Plans the lock file and the manifest with the lines this import changed
/// spliced in (regenerated from the database when there is no usable file)
/// and records their staged paths; an unchanged file is not staged. Files
/// written ahead for exactly these changes are taken as they are.
pub(super) async fn plan_records(
    tx: &mut SqliteConnection,
    files: &mut FileTxn,
    collection: &Collection,
    changes: Changes,
    ahead: Option<Ahead>,
) -> Result<Vec<RecordsWrite>> {
    let mut out = Vec::with_capacity(2);
    if let Some(a) = ahead
        && let Some(written) = a.finish(&changes)
    {
        for (target, old, changed) in written.files {
            if changed {
                files.stage_target_path(target);
                out.push(RecordsWrite::Staged { old });
            }
        }
        return Ok(out);
    }
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

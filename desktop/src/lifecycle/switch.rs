//! `use NAME@HASH`: an earlier stored version becomes current again. The
//! current-version files are rewritten from the store (each file re-hashed
//! on the way), the lock file and the manifest follow; plugins keep their
//! pins.

use skillmeat_core::hash::ContentHash;
use sqlx::AnyConnection;

use super::{current_target, stage_records, transact};
use crate::collection::Collection;
use crate::collection::layout::{self, SINGLE_FILE};
use crate::collection::txn::FileTxn;
use crate::error::{Error, Result};
use crate::fsx;
use crate::query::Resolved;
use crate::store::rows;

/// What `use` did.
#[derive(Debug, Clone)]
pub struct Switch {
    pub artifact: Resolved,
    /// The version that was current, and the one that is now.
    pub from_hash: String,
    pub to_hash: String,
    /// False when the version asked for was already current.
    pub changed: bool,
}

/// The shortest hash prefix `use` accepts.
pub const MIN_PREFIX: usize = 8;

/// Makes the stored version of `artifact` that `hash` names (`sha256:<hex>`
/// or a unique hex prefix of at least [`MIN_PREFIX`] characters) current.
pub async fn use_version(
    collection: &Collection,
    artifact: &Resolved,
    hash: &str,
) -> Result<Switch> {
    let prefix = hash_prefix(hash)?;
    let label = format!("use {}:{}", artifact.kind.as_str(), artifact.name);
    let mut conn = collection.pool.acquire().await?;
    let (to_id, to_hash) = pick(&mut conn, artifact, &prefix).await?;
    let (from_id, from_hash) = current(&mut conn, &artifact.id).await?;
    drop(conn);
    let switch = Switch {
        artifact: artifact.clone(),
        from_hash,
        to_hash,
        changed: from_id != to_id,
    };
    if !switch.changed {
        return Ok(switch);
    }
    transact(collection, "use", &label, async |tx, files| {
        // Under the write lock: the rows as they are now.
        let (from_id, _) = current(tx, &artifact.id).await?;
        rows::set_current(tx, &artifact.id, &to_id, None, None).await?;
        crate::failpoint::hit("use.rows_written");
        stage_records(tx, files, collection).await?;
        stage_version(tx, files, collection, artifact, (&from_id, &to_id)).await?;
        crate::failpoint::hit("use.staged");
        Ok(switch)
    })
    .await
}

/// The lowercase hex a hash argument starts with.
fn hash_prefix(given: &str) -> Result<String> {
    let hex = given
        .strip_prefix("sha256:")
        .unwrap_or(given)
        .to_ascii_lowercase();
    if hex.len() < MIN_PREFIX || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Usage(format!(
            "{given:?} is not a version hash: give sha256:<64 hex characters> or at least {MIN_PREFIX} hex characters of one"
        )));
    }
    Ok(hex)
}

/// The one version of `artifact` whose hash starts with `prefix`.
async fn pick(
    conn: &mut AnyConnection,
    artifact: &Resolved,
    prefix: &str,
) -> Result<(String, String)> {
    let versions: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, content_hash FROM artifact_versions WHERE artifact_id = $1 ORDER BY created_at, id",
    )
    .bind(&artifact.id)
    .fetch_all(conn)
    .await?;
    let matching: Vec<&(String, String)> = versions
        .iter()
        .filter(|(_, h)| h.starts_with(prefix))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::UnknownVersion {
            artifact: format!("{} {}", artifact.kind, artifact.name),
            given: prefix.to_owned(),
            versions: versions.into_iter().map(|(_, h)| h).collect(),
        }),
        _ => Err(Error::Usage(format!(
            "{prefix} is the start of {} versions of {} {}: give more of the hash",
            matching.len(),
            artifact.kind,
            artifact.name
        ))),
    }
}

async fn current(conn: &mut AnyConnection, artifact: &str) -> Result<(String, String)> {
    Ok(sqlx::query_as(
        "SELECT v.id, v.content_hash FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id WHERE a.id = $1",
    )
    .bind(artifact)
    .fetch_one(conn)
    .await?)
}

/// Stages version `to` at its current-version path, copied from the store
/// and re-hashed; the path of version `from` goes if it differs (a
/// one-file command whose other version is a folder).
async fn stage_version(
    conn: &mut AnyConnection,
    files: &mut FileTxn,
    collection: &Collection,
    artifact: &Resolved,
    (from, to): (&str, &str),
) -> Result<()> {
    if collection.in_database() {
        return Ok(());
    }
    let (old_path, _) = current_target(conn, artifact.kind, &artifact.name, from).await?;
    let (new_path, version_files) = current_target(conn, artifact.kind, &artifact.name, to).await?;
    if old_path != new_path && fsx::exists(&collection.path(&old_path)) {
        files.remove_target(&old_path);
    }
    let staged = files.stage_target_path(&new_path);
    if version_files.is_empty() {
        return fsx::create_private_dir(&staged);
    }
    for f in &version_files {
        let to = match f.path.as_str() {
            SINGLE_FILE => staged.clone(),
            rel => staged.join(rel),
        };
        copy_blob(collection, artifact, f, &to)?;
    }
    Ok(())
}

/// Copies a stored file to `to`, checking its hash on the way.
fn copy_blob(
    collection: &Collection,
    artifact: &Resolved,
    f: &rows::VersionFile,
    to: &std::path::Path,
) -> Result<()> {
    use std::io::Write;
    let hash: ContentHash = rows::parse_hash(&f.blob_hash)?;
    let blob = layout::blob_path(collection.dir(), &hash);
    let mut out = fsx::create(to)?;
    let got = crate::tree::hash_file_with(&blob, |chunk| {
        out.write_all(chunk).map_err(|e| Error::io(to, e))
    })?;
    if got != hash {
        return Err(Error::StoredContentChanged {
            artifact: format!("{} {}", artifact.kind, artifact.name),
            blob,
        });
    }
    if f.executable {
        fsx::set_mode(to, true)?;
    }
    Ok(())
}

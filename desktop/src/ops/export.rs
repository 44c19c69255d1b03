//! Exporting a plugin (or one artifact) as a bundle zip, and verifying the
//! collection.

use std::path::{Path, PathBuf};

use super::artifacts::count;
use super::scope::Scope;
use super::transfer::{ExportArgs, ExportResult, LockArgs, LockWritten, VerifyReport};
use crate::bundle::{self, Secrets};
use crate::collection::layout::{LOCK, MANIFEST};
use crate::collection::{lock_file, manifest_file, records};
use crate::error::{Error, Result};
use crate::{fsx, verify};

/// Writes the bundle of `args.name` (files that look like secrets refused
/// unless `allow_secrets`) to `args.out`: a file, or a folder to put
/// `<name>-<version>.zip` in (the current folder by default).
pub async fn export(scope: &Scope, args: ExportArgs) -> Result<ExportResult> {
    let c = scope.read_for(&args.name).await?;
    let (name, _) = c.lookup(&args.name, None).await?;
    let secrets = match args.allow_secrets.unwrap_or(false) {
        true => Secrets::Allow,
        false => Secrets::Refuse,
    };
    let out = args.out.as_deref().map(Path::new);
    let r = bundle::export(&c, &name, out, secrets).await?;
    Ok(ExportResult {
        path: r.path.display().to_string(),
        content_hash: r.content_hash.to_hex(),
        files: count(r.files),
        bytes: r.bytes,
        plugin: r.plugin,
        version: r.version,
    })
}

/// Writes `skillmeat.lock` and `manifest.toml`, made from the database,
/// into the folder `args.out` (each replaced whole, atomically): for a
/// collection on a database server, which keeps no records files, the
/// same bytes an embedded collection with the same content holds.
pub async fn lock(scope: &Scope, args: LockArgs) -> Result<LockWritten> {
    let c = scope
        .read()
        .await?
        .ok_or_else(|| Error::NotFound(PathBuf::from(format!("collection {}", scope.name()))))?;
    let mut conn = c.pool.acquire().await?;
    let lock = lock_file(&mut conn, &c.id).await?;
    let manifest = manifest_file(&mut conn, &c.id, &c.name).await?;
    drop(conn);
    let out = Path::new(&args.out);
    if !out.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a folder to write skillmeat.lock and manifest.toml in",
            out.display()
        )));
    }
    let artifacts = records::parse_lock(&lock)
        .map_err(|e| Error::Internal(format!("the lock file made: {e}")))?
        .len();
    let (lock_path, manifest_path) = (out.join(LOCK), out.join(MANIFEST));
    fsx::write_atomic(&lock_path, lock.as_bytes())?;
    fsx::write_atomic(&manifest_path, manifest.as_bytes())?;
    Ok(LockWritten {
        lock: lock_path.display().to_string(),
        manifest: manifest_path.display().to_string(),
        artifacts: count(artifacts),
    })
}

/// Re-hashes everything stored and checks the database, the files and the
/// records files against each other. A collection the database does not
/// know is checked for leftovers in its folder.
pub async fn verify(scope: &Scope) -> Result<VerifyReport> {
    let r = match scope.read().await? {
        Some(c) => verify::verify(&c).await?,
        None => verify::verify_folder(&scope.home().collection_dir(scope.name())?, scope.name()),
    };
    Ok(VerifyReport {
        ok: r.ok,
        artifacts: count(r.artifacts),
        versions: count(r.versions),
        blobs: count(r.blobs),
        problems: r.problems,
        notes: super::upload::upload_notes(scope).await?,
    })
}

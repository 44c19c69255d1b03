//! Exporting a plugin (or one artifact) as a bundle zip, and verifying the
//! collection.

use std::path::Path;

use super::artifacts::count;
use super::scope::Scope;
use super::transfer::{ExportArgs, ExportResult, VerifyReport};
use crate::bundle::{self, Secrets};
use crate::error::Result;
use crate::{upload, verify};

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
        notes: scope.upload_area()?.notes(upload::ttl()),
    })
}

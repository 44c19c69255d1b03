//! Removing a plugin or an artifact, making an earlier version current.

use super::artifacts::{count, resolve};
use super::scope::Scope;
use super::transfer::{
    KeptArtifact, RemoveArgs, RemoveResult, RemovedArtifact, UseArgs, UseResult,
};
use crate::error::Result;
use crate::lifecycle::{self, RemoveOptions};

/// Removes the plugin or artifact `args.name` (with `dry_run`, says what
/// would go). Refused ([`crate::Error::RemoveRefused`], a conflict) for an
/// artifact that is part of a plugin or deployed, unless `force`.
pub async fn remove(scope: &Scope, args: RemoveArgs) -> Result<RemoveResult> {
    let c = match args.dry_run {
        true => scope.read_for(&args.name).await?,
        false => scope.existing_for(&args.name).await?,
    };
    let opts = RemoveOptions {
        keep_children: args.keep_children,
        force: args.force,
        dry_run: args.dry_run,
    };
    let outcome = match resolve(&c, &args.name).await {
        Ok(artifact) => lifecycle::remove(&c, &artifact, opts).await,
        Err(e) => Err(e),
    };
    c.close().await;
    let r = outcome?;
    Ok(RemoveResult {
        id: r.id,
        name: r.name,
        kind: r.kind.into(),
        dry_run: r.dry_run,
        removed: r
            .removed
            .into_iter()
            .map(|g| RemovedArtifact {
                id: g.id,
                kind: g.kind.into(),
                name: g.name,
                versions: count(g.versions),
            })
            .collect(),
        kept: r
            .kept
            .into_iter()
            .map(|k| KeptArtifact {
                kind: k.kind.into(),
                name: k.name,
                reason: k.reason,
            })
            .collect(),
        overridden: r.overridden,
        blobs_freed: count(r.blobs_freed),
        bytes_freed: r.bytes_freed,
    })
}

/// Makes the stored version of `args.name` that `args.hash` names current.
pub async fn use_version(scope: &Scope, args: UseArgs) -> Result<UseResult> {
    let c = scope.existing_for(&args.name).await?;
    let outcome = match resolve(&c, &args.name).await {
        Ok(artifact) => lifecycle::use_version(&c, &artifact, &args.hash).await,
        Err(e) => Err(e),
    };
    c.close().await;
    let s = outcome?;
    Ok(UseResult {
        id: s.artifact.id,
        name: s.artifact.name,
        kind: s.artifact.kind.into(),
        from_hash: s.from_hash,
        to_hash: s.to_hash,
        changed: s.changed,
    })
}

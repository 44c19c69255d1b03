//! `remove`: a plugin with its memberships and the children no other plugin
//! contains, or one artifact; stored contents no remaining version
//! references are deleted.

use std::collections::BTreeSet;

use skillmeat_core::ArtifactKind;
use skillmeat_core::hash::ContentHash;
use sqlx::AnyConnection;

use super::{current_target, stage_records, transact};
use crate::collection::Collection;
use crate::collection::layout;
use crate::collection::txn::FileTxn;
use crate::error::{Error, Result};
use crate::fsx;
use crate::query::Resolved;
use crate::store::{KindColumn, rows};

#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveOptions {
    /// A plugin's children stay in the collection.
    pub keep_children: bool,
    /// Remove an artifact that is part of a plugin or deployed.
    pub force: bool,
    /// Only say what would go.
    pub dry_run: bool,
}

/// What a removal takes away (or would, in a dry run).
#[derive(Debug, Clone)]
pub struct Removal {
    pub id: String,
    pub kind: ArtifactKind,
    pub name: String,
    pub dry_run: bool,
    /// The artifact itself first, then the children that go with it.
    pub removed: Vec<Gone>,
    /// A plugin's children that stay, and why.
    pub kept: Vec<Kept>,
    /// What `force` overrode (empty without it).
    pub overridden: Vec<String>,
    /// Stored files (blobs) deleted, and the sum of their sizes on disk.
    pub blobs_freed: usize,
    pub bytes_freed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gone {
    pub id: String,
    pub kind: ArtifactKind,
    pub name: String,
    /// Its stored versions, all removed.
    pub versions: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub kind: ArtifactKind,
    pub name: String,
    /// `also in plugin x`, or `--keep-children`.
    pub reason: String,
}

/// Removes `artifact` (or, with `dry_run`, says what would go). An
/// artifact that is part of a plugin, or deployed (it or a child that
/// would go) in a project, is refused unless `force`.
pub async fn remove(
    collection: &Collection,
    artifact: &Resolved,
    opts: RemoveOptions,
) -> Result<Removal> {
    if opts.dry_run {
        let mut conn = collection.pool.acquire().await?;
        let plan = Plan::make(&mut conn, collection, artifact, opts).await?;
        return Ok(plan.removal);
    }
    let label = format!("remove {}:{}", artifact.kind.as_str(), artifact.name);
    transact(collection, "remove", &label, async |tx, files| {
        let plan = Plan::make(tx, collection, artifact, opts).await?;
        plan.write(tx, files, collection).await?;
        crate::failpoint::hit("remove.staged");
        Ok(plan.removal)
    })
    .await
}

/// A removal decided from the rows: what goes, what stays, which stored
/// files no remaining version references.
struct Plan {
    removal: Removal,
    /// The current-version paths that go (relative to the collection).
    targets: Vec<String>,
    blobs: Vec<ContentHash>,
}

impl Plan {
    async fn make(
        conn: &mut AnyConnection,
        collection: &Collection,
        artifact: &Resolved,
        opts: RemoveOptions,
    ) -> Result<Plan> {
        let mut removed = vec![gone(conn, artifact).await?];
        let mut kept = Vec::new();
        if artifact.kind == ArtifactKind::Composite {
            for child in children(conn, &artifact.id).await? {
                match (&child.other_plugin, opts.keep_children) {
                    (Some(other), _) => kept.push(child.kept(format!("also in plugin {other}"))),
                    (None, true) => kept.push(child.kept("--keep-children".to_owned())),
                    (None, false) => removed.push(gone(conn, &child.resolved()).await?),
                }
            }
        }
        let ids: BTreeSet<&str> = removed.iter().map(|g| g.id.as_str()).collect();
        let reasons = refusals(conn, artifact, &ids).await?;
        if !reasons.is_empty() && !opts.force {
            return Err(Error::RemoveRefused {
                name: format!("{} {}", artifact.kind, artifact.name),
                reasons,
            });
        }
        let mut targets = Vec::new();
        for g in &removed {
            let version = crate::query::current_version(conn, &g.id).await?;
            let (path, _) = current_target(conn, g.kind, &g.name, &version).await?;
            if fsx::exists(&collection.path(&path)) {
                targets.push(path);
            }
        }
        let (blobs, bytes_freed) = unreferenced_blobs(conn, collection, &ids).await?;
        Ok(Plan {
            removal: Removal {
                id: artifact.id.clone(),
                kind: artifact.kind,
                name: artifact.name.clone(),
                dry_run: opts.dry_run,
                blobs_freed: blobs.len(),
                bytes_freed,
                removed,
                kept,
                overridden: reasons,
            },
            targets,
            blobs,
        })
    }

    /// Deletes the rows (versions, files, memberships, deployment rows go
    /// with them) and records in the journal what leaves the folder.
    async fn write(
        &self,
        tx: &mut AnyConnection,
        files: &mut FileTxn,
        collection: &Collection,
    ) -> Result<()> {
        for g in &self.removal.removed {
            sqlx::query("DELETE FROM artifacts WHERE id = $1")
                .bind(&g.id)
                .execute(&mut *tx)
                .await?;
        }
        crate::failpoint::hit("remove.rows_written");
        stage_records(tx, files, collection).await?;
        for t in &self.targets {
            files.remove_target(t);
        }
        for b in &self.blobs {
            files.remove_blob(*b);
        }
        Ok(())
    }
}

async fn gone(conn: &mut AnyConnection, a: &Resolved) -> Result<Gone> {
    let versions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM artifact_versions WHERE artifact_id = $1")
            .bind(&a.id)
            .fetch_one(conn)
            .await?;
    Ok(Gone {
        id: a.id.clone(),
        kind: a.kind,
        name: a.name.clone(),
        versions: usize::try_from(versions).unwrap_or(0),
    })
}

/// A child of the plugin being removed, with another plugin that also
/// contains it (the first by name), if any.
#[derive(Debug, sqlx::FromRow)]
struct Child {
    id: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    name: String,
    other_plugin: Option<String>,
}

impl Child {
    fn kept(&self, reason: String) -> Kept {
        Kept {
            kind: self.kind,
            name: self.name.clone(),
            reason,
        }
    }

    fn resolved(&self) -> Resolved {
        Resolved {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind,
        }
    }
}

async fn children(conn: &mut AnyConnection, plugin: &str) -> Result<Vec<Child>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.kind, c.name,
            (SELECT MIN(p.name) FROM composite_memberships o JOIN artifacts p ON p.id = o.composite_id
             WHERE o.child_id = c.id AND o.composite_id <> m.composite_id) AS other_plugin
         FROM composite_memberships m JOIN artifacts c ON c.id = m.child_id
         WHERE m.composite_id = $1 ORDER BY m.position",
    )
    .bind(plugin)
    .fetch_all(conn)
    .await?)
}

/// Why the removal needs `force`: the artifact is part of a plugin, or it
/// (or a child that would go with it) is deployed in a project.
async fn refusals(
    conn: &mut AnyConnection,
    artifact: &Resolved,
    ids: &BTreeSet<&str>,
) -> Result<Vec<String>> {
    let mut reasons = Vec::new();
    let parents: Vec<String> = sqlx::query_scalar(
        "SELECT p.name FROM composite_memberships m JOIN artifacts p ON p.id = m.composite_id
         WHERE m.child_id = $1 ORDER BY p.name_key",
    )
    .bind(&artifact.id)
    .fetch_all(&mut *conn)
    .await?;
    for p in parents {
        reasons.push(format!("it is part of plugin {p}"));
    }
    let mut projects = BTreeSet::new();
    for id in ids {
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT project FROM deployments WHERE artifact_id = $1 OR parent_id = $1",
        )
        .bind(*id)
        .fetch_all(&mut *conn)
        .await?;
        projects.extend(found);
    }
    for p in projects {
        reasons.push(format!("it is deployed in {p}"));
    }
    Ok(reasons)
}

/// The stored files of the removed artifacts' versions that no other
/// artifact's version references, with the sum of their sizes on disk (a
/// blob already missing from the store frees nothing and is not moved).
async fn unreferenced_blobs(
    conn: &mut AnyConnection,
    collection: &Collection,
    ids: &BTreeSet<&str>,
) -> Result<(Vec<ContentHash>, u64)> {
    let mut candidates = BTreeSet::new();
    for id in ids {
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT f.blob_hash FROM version_files f
             JOIN artifact_versions v ON v.id = f.version_id WHERE v.artifact_id = $1",
        )
        .bind(*id)
        .fetch_all(&mut *conn)
        .await?;
        candidates.extend(hashes);
    }
    // A folder's store is the collection's; the database's contents are
    // shared by every collection in it.
    let mut unused = Vec::new();
    for hash in &candidates {
        let query = if collection.in_database() {
            sqlx::query_scalar(
                "SELECT DISTINCT v.artifact_id FROM version_files f
                 JOIN artifact_versions v ON v.id = f.version_id
                 WHERE f.blob_hash = $1",
            )
            .bind(hash)
        } else {
            sqlx::query_scalar(
                "SELECT DISTINCT v.artifact_id FROM version_files f
                 JOIN artifact_versions v ON v.id = f.version_id
                 JOIN artifacts a ON a.id = v.artifact_id
                 WHERE f.blob_hash = $1 AND a.collection_id = $2",
            )
            .bind(hash)
            .bind(&collection.id)
        };
        let artifacts: Vec<String> = query.fetch_all(&mut *conn).await?;
        if artifacts.iter().all(|a| ids.contains(a.as_str())) {
            unused.push(rows::parse_hash(hash)?);
        }
    }
    stored_sizes(conn, collection, unused).await
}

/// Those of `hashes` the collection stores, with the sum of their sizes
/// (a blob already missing frees nothing and is not removed).
async fn stored_sizes(
    conn: &mut AnyConnection,
    collection: &Collection,
    hashes: Vec<ContentHash>,
) -> Result<(Vec<ContentHash>, u64)> {
    if collection.in_database() {
        let sizes = crate::store::contents::sizes(conn, &hashes).await?;
        let blobs: Vec<ContentHash> = hashes
            .into_iter()
            .filter(|h| sizes.contains_key(h))
            .collect();
        return Ok((blobs, sizes.values().sum()));
    }
    let mut blobs = Vec::new();
    let mut bytes = 0;
    for hash in hashes {
        if let Ok(meta) = std::fs::symlink_metadata(layout::blob_path(collection.dir(), &hash)) {
            bytes += meta.len();
            blobs.push(hash);
        }
    }
    Ok((blobs, bytes))
}

//! `skillmeat deploy`: under the project lock, finish whatever an earlier
//! command left, plan, refuse conflicts, then carry the plan out as one
//! transaction (see `txn`) and note the deployment in the collection.

use std::path::Path;

use super::lock::ProjectLock;
use super::plan::{self, Change, Inputs, Options, Outcome, Planned, Replaces, Source};
use super::project::{Entry, Project};
use super::record::{Mode, Place, Record, place};
use super::txn::{self, Perms, Started, Txn};
use super::units::{self, Target};
use skillmeat_core::ContentHash;

use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::store::rows;

pub async fn deploy(
    home: &Home,
    collection: &Collection,
    name: &str,
    project: &Path,
    opts: &Options,
) -> Result<Outcome> {
    let mut target = units::load(collection, name, opts.use_current).await?;
    plan::check_platform(&target, &opts.platform)?;
    let tree = match plan::mode_for(&target, opts)? {
        Mode::Plugin => Some(crate::bundle::plugin_tree(collection, &target.artifact.id).await?),
        Mode::Unpacked => {
            target.unpacked_only()?;
            None
        }
    };
    let project = Project::open(project)?;
    let mut inputs = Inputs {
        collection,
        project: &project,
        target: &target,
        tree: tree.as_ref(),
        opts,
        made_claude: false,
    };
    if opts.dry_run {
        // Reads only: no lock, nothing finished or rolled back.
        let record = Record::load(&project)?;
        if record.transaction.is_some() {
            return Err(interrupted(&project));
        }
        let planned = plan::plan(&inputs, &record)?;
        return without_conflicts(planned, &target).map(|p| p.outcome);
    }
    let started = Started::of(home);
    let mut lock = ProjectLock::acquire(&project).await?;
    let mut record = Record::load(&project)?;
    lock.note_record(&record);
    txn::recover(&project, &started, &mut record)?;
    inputs.made_claude = lock.made_claude();
    let mut planned = plan::plan(&inputs, &record)?;
    if let Some(d) = planned.after.deployments.last_mut() {
        d.collection = collection.name.clone();
    }
    let planned = without_conflicts(planned, &target)?;
    let work = Work {
        op: "deploy",
        what: &target.artifact.name,
        blobs: Some(collection),
        changes: &planned.changes,
        rmdirs: planned.rmdirs,
    };
    transaction(&project, &started, work, &record, planned.after)?;
    // Still under the lock: an undeploy that follows deletes these rows.
    register(collection, &target, &project, &opts.platform).await?;
    drop(lock);
    Ok(planned.outcome)
}

/// A plan with conflicts is an error that carries it.
fn without_conflicts(planned: Planned, target: &Target) -> Result<Planned> {
    let conflicts = planned.outcome.conflicts();
    if conflicts.is_empty() {
        return Ok(planned);
    }
    Err(Error::DeployConflict {
        name: target.artifact.name.clone(),
        conflicts,
        plan: Box::new(planned.outcome),
    })
}

/// A record holding a journal, met by a command that only reads.
pub(super) fn interrupted(project: &Project) -> Error {
    Error::BadInput {
        path: project.path(&super::record::state_path(super::record::RECORD)),
        reason: format!(
            "a deploy or undeploy is running here or was interrupted; `skillmeat status --project {}` finishes it if this skillmeat started it (a dry run changes nothing)",
            project.root().display()
        ),
    }
}

/// What a transaction does.
#[derive(Debug)]
pub(super) struct Work<'a> {
    /// `deploy` or `undeploy`.
    pub op: &'static str,
    /// The plugin or artifact.
    pub what: &'a str,
    /// The collection folder stored files are copied from.
    pub blobs: Option<&'a Collection>,
    pub changes: &'a [Change],
    /// Folders to remove after the commit if nothing but junk is left in them.
    pub rmdirs: Vec<Place>,
}

/// Stages the changes and runs them as one transaction: `before` is the
/// record as read, `after` the record they leave.
pub(super) fn transaction(
    project: &Project,
    started: &Started,
    work: Work,
    before: &Record,
    after: Record,
) -> Result<()> {
    let mut txn = Txn::begin(project, started, work.op, work.what)?;
    for change in work.changes {
        if let Err(e) = add(project, &mut txn, work.blobs, change) {
            txn.abandon();
            return Err(e);
        }
    }
    for dir in work.rmdirs {
        txn.rmdir_after(dir);
    }
    txn.run(before, after)
}

/// One change as staged files and renames.
fn add(
    project: &Project,
    txn: &mut Txn,
    blobs: Option<&Collection>,
    change: &Change,
) -> Result<()> {
    match change {
        Change::Put {
            path,
            source,
            mode,
            artifact,
            replaces,
        } => {
            let perms = Perms {
                mode: *mode,
                owner: match replaces {
                    Replaces::Nothing => project.owner_for_new(path.rel()),
                    _ => project.owner(path.rel()),
                },
            };
            let staged = match (source, blobs) {
                (Source::Blob(hash), Some(collection)) => {
                    txn.stage_blob(&collection.blob_path(hash), hash, perms, artifact)?
                }
                (Source::Bytes(bytes), _) => txn.stage_bytes(bytes, perms)?,
                (Source::Blob(_), None) => {
                    return Err(Error::Internal("a stored file without a collection".into()));
                }
            };
            make_parents(project, txn, path)?;
            aside(project, txn, path, replaces)?;
            txn.put(staged, path.clone());
        }
        Change::Remove { path, keep } => {
            let to = match keep {
                Some(keep) => keep.clone(),
                None => txn.scratch()?,
            };
            txn.rename(path.clone(), to, content(project, path)?);
        }
        Change::Restore {
            backup,
            path,
            replaces,
        } => {
            make_parents(project, txn, path)?;
            aside(project, txn, path, replaces)?;
            txn.rename(backup.clone(), path.clone(), content(project, backup)?);
        }
    }
    Ok(())
}

fn make_parents(project: &Project, txn: &mut Txn, path: &Place) -> Result<()> {
    for dir in project.missing_parents(path.rel())? {
        txn.mkdir(place(dir.as_str().to_owned())?);
    }
    Ok(())
}

/// What is at `path` makes way: into the staging folder, or to its backup.
fn aside(project: &Project, txn: &mut Txn, path: &Place, replaces: &Replaces) -> Result<()> {
    let to = match replaces {
        Replaces::Nothing => return Ok(()),
        Replaces::Ours => txn.scratch()?,
        Replaces::Theirs(backup) => backup.clone(),
    };
    txn.rename(path.clone(), to, content(project, path)?);
    Ok(())
}

/// The content of a regular file about to be moved (the journal keeps it,
/// so that a rollback moves back only that).
fn content(project: &Project, path: &Place) -> Result<ContentHash> {
    match project.entry(path.rel())? {
        Entry::File { hash, .. } => Ok(hash),
        _ => Err(Error::BadInput {
            path: project.path(path.rel()),
            reason: "is not a regular file (it changed while deploying)".into(),
        }),
    }
}

/// Records the deployment in the collection database (for `show`).
async fn register(
    collection: &Collection,
    target: &Target,
    project: &Project,
    platform: &str,
) -> Result<()> {
    let mut tx = crate::store::begin_write(&collection.pool).await?;
    let project = project.root().display().to_string();
    let plugin = target.artifact.kind == skillmeat_core::ArtifactKind::Composite;
    let parent = plugin.then(|| target.artifact.id.clone());
    rows::delete_deployment(&mut tx, &project, &target.artifact.id).await?;
    let mut rows_to_add: Vec<(&str, &str)> = target
        .units
        .iter()
        .map(|u| (u.artifact_id.as_str(), u.content_hash.as_str()))
        .collect();
    if plugin {
        rows_to_add.push((&target.artifact.id, &target.content_hash));
    }
    for (artifact, hash) in rows_to_add {
        sqlx::query(
            "INSERT INTO deployments (id, collection_id, artifact_id, project, parent_id, content_hash, platform, deployed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT(artifact_id, project, parent_id) DO UPDATE SET content_hash = excluded.content_hash,
               platform = excluded.platform, deployed_at = excluded.deployed_at",
        )
        .bind(rows::new_id())
        .bind(&collection.id)
        .bind(artifact)
        .bind(&project)
        .bind(if artifact == target.artifact.id { None } else { parent.as_deref() })
        .bind(hash)
        .bind(platform)
        .bind(&target.deployed_at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

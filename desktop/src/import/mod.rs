//! The transactional import of one plugin (DESIGN.md §5–§6): rows and files
//! change together or not at all. See `collection::txn` for the file
//! protocol and its recovery.

mod index;
pub mod payload;

use std::collections::HashSet;
use std::time::Instant;

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::discovery::Plugin;
use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::{self, Bucket, ConflictPolicy, Decision, ImportPlan};
use sqlx::SqliteConnection;
use tracing::{Instrument, error, info, info_span};

use self::payload::{Payload, copy_verified};
use crate::collection::layout::{self, LOCK, MANIFEST, Shape};
use crate::collection::txn::{self, FileTxn};
use crate::collection::{Collection, lock_file, manifest_file};
use crate::error::{Error, Result};
use crate::failpoint;
use crate::fsx;
use crate::inspect::Source;
use crate::store::{self, rows};

/// The outcome of importing one plugin (the seed's `ImportResult`).
#[derive(Debug, Clone, Serialize)]
pub struct ImportResult {
    pub success: bool,
    pub plugin_name: String,
    pub plugin_id: Option<String>,
    /// Children that became new artifacts.
    pub children_imported: usize,
    /// Children linked to content already in the collection.
    pub children_reused: usize,
    /// Children added as a new version of an existing artifact.
    pub children_new_version: usize,
    pub errors: Vec<String>,
    pub transaction_id: String,
    pub dry_run: bool,
}

impl ImportResult {
    /// A failed import: nothing was written.
    pub fn failed(plugin: &str, transaction_id: String, error: &Error) -> ImportResult {
        ImportResult {
            success: false,
            plugin_name: plugin.to_owned(),
            plugin_id: None,
            children_imported: 0,
            children_reused: 0,
            children_new_version: 0,
            errors: vec![error.to_string()],
            transaction_id,
            dry_run: false,
        }
    }

    /// What an import would do (`--dry-run`).
    pub fn planned(plan: &ImportPlan) -> ImportResult {
        ImportResult::from_plan(plan, None, String::new(), true)
    }

    fn from_plan(
        plan: &ImportPlan,
        plugin_id: Option<String>,
        transaction_id: String,
        dry_run: bool,
    ) -> ImportResult {
        let count = |d: Decision| plan.children.iter().filter(|c| c.decision == d).count();
        ImportResult {
            success: true,
            plugin_name: plan.plugin.clone(),
            plugin_id,
            children_imported: count(Decision::CreateNewArtifact),
            children_reused: count(Decision::LinkExisting),
            children_new_version: count(Decision::CreateNewVersion),
            errors: Vec::new(),
            transaction_id,
            dry_run,
        }
    }
}

/// The plan for one plugin against the collection (nothing is written).
pub async fn plan(
    collection: Option<&Collection>,
    source: &Source,
    plugin: &Plugin,
    policy: ConflictPolicy,
) -> Result<ImportPlan> {
    let (children, _) = payload::build(source, plugin)?;
    let incoming: Vec<_> = children.iter().map(|c| c.incoming.clone()).collect();
    let index = match collection {
        Some(c) => {
            let mut conn = c.pool.acquire().await?;
            index::Prefetched::load(&mut conn, &c.id, &plugin.name, &incoming, policy).await?
        }
        None => index::Prefetched::default(),
    };
    Ok(plan::plan_import(&index, &plugin.name, &incoming, policy))
}

/// Imports one plugin in one transaction.
pub async fn import_plugin(
    collection: &Collection,
    source: &Source,
    plugin: &Plugin,
    policy: ConflictPolicy,
    transaction_id: &str,
) -> Result<ImportResult> {
    let span = info_span!(
        "plugin.import_transactional",
        plugin_name = %plugin.name,
        child_count = plugin.children.len(),
        transaction_id = %transaction_id
    );
    let started = Instant::now();
    let result = run(collection, source, plugin, policy, transaction_id)
        .instrument(span)
        .await;
    let elapsed = started.elapsed();
    match &result {
        Ok((res, plan)) => {
            metrics::counter!("plugin_import_total", "status" => "success").increment(1);
            metrics::histogram!("plugin_import_duration_seconds").record(elapsed.as_secs_f64());
            metrics::counter!("dedup_hit_total").increment(res.children_reused as u64);
            metrics::counter!("dedup_miss_total")
                .increment((res.children_imported + res.children_new_version) as u64);
            metrics::counter!("composite_conflict_total")
                .increment(plan.count(Bucket::Conflict) as u64);
            info!(
                plugin_name = %plugin.name,
                child_count = plugin.children.len(),
                new_count = plan.count(Bucket::New),
                existing_count = plan.count(Bucket::Existing),
                conflict_count = plan.count(Bucket::Conflict),
                transaction_id = %transaction_id,
                duration_ms = elapsed.as_millis() as u64,
                "plugin_imported"
            );
        }
        Err(e) => {
            metrics::counter!("plugin_import_total", "status" => "failure").increment(1);
            error!(
                plugin_name = %plugin.name,
                transaction_id = %transaction_id,
                error_msg = %e,
                partial_imports_rolled_back = true,
                "import_failure"
            );
        }
    }
    result.map(|(r, _)| r)
}

async fn run(
    collection: &Collection,
    source: &Source,
    plugin: &Plugin,
    policy: ConflictPolicy,
    transaction_id: &str,
) -> Result<(ImportResult, ImportPlan)> {
    let (children, composite) = payload::build(source, plugin)?;
    // Check every storage path before anything is written.
    for c in children.iter().chain([&composite]) {
        layout::current_path(c.kind, &c.name, c.shape)?;
    }
    let started_at = fsx::now_rfc3339();
    let mut files = FileTxn::begin(&collection.dir, transaction_id)?;
    let mut tx = store::begin_write(&collection.pool).await?;
    failpoint::hit("import.locked");
    txn::recover(&mut tx, &collection.dir).await?;

    let outcome = write(
        &mut tx,
        &mut files,
        collection,
        plugin,
        &source.tree.root,
        &children,
        &composite,
        policy,
        transaction_id,
        &started_at,
    )
    .await;
    let outcome = match outcome {
        Ok(v) => v,
        Err(e) => {
            // Nothing has moved yet; the staged files go with the folder.
            drop(tx);
            let _ = files.finish();
            return Err(e);
        }
    };
    if let Err(e) = files.apply() {
        let undo = files.undo();
        drop(tx);
        undo?;
        let _ = files.finish();
        return Err(e);
    }
    failpoint::hit("import.files_moved");
    if let Err(e) = tx.commit().await {
        files.undo()?;
        let _ = files.finish();
        return Err(e.into());
    }
    failpoint::hit("import.committed");
    files.finish()?;
    failpoint::hit("import.cleaned");
    Ok(outcome)
}

/// Rows, staged files and the journal's contents, inside the transaction.
#[allow(clippy::too_many_arguments)]
async fn write(
    tx: &mut SqliteConnection,
    files: &mut FileTxn,
    collection: &Collection,
    plugin: &Plugin,
    origin: &std::path::Path,
    children: &[Payload],
    composite: &Payload,
    policy: ConflictPolicy,
    transaction_id: &str,
    started_at: &str,
) -> Result<(ImportResult, ImportPlan)> {
    let incoming: Vec<_> = children.iter().map(|c| c.incoming.clone()).collect();
    let index =
        index::Prefetched::load(tx, &collection.id, &plugin.name, &incoming, policy).await?;
    let plan = plan::plan_import(&index, &plugin.name, &incoming, policy);
    let source = origin.join(plugin.root.as_str()).display().to_string();
    let mut staged_blobs: HashSet<ContentHash> = HashSet::new();
    let mut members = Vec::with_capacity(children.len());

    for (payload, decision) in children.iter().zip(&plan.children) {
        let id = match (decision.decision, &decision.artifact_id) {
            (Decision::LinkExisting, Some(id)) => id.clone(),
            (Decision::CreateNewVersion, Some(id)) => {
                add_version(
                    tx,
                    files,
                    collection,
                    &mut staged_blobs,
                    id,
                    &decision.target_name,
                    payload,
                )
                .await?;
                id.clone()
            }
            (Decision::CreateNewArtifact, _) => {
                let id = rows::insert_artifact(
                    tx,
                    &collection.id,
                    payload.kind,
                    &decision.target_name,
                    payload.description.as_deref(),
                    Some(&source),
                )
                .await?;
                add_version(
                    tx,
                    files,
                    collection,
                    &mut staged_blobs,
                    &id,
                    &decision.target_name,
                    payload,
                )
                .await?;
                id
            }
            (d, None) => {
                return Err(Error::Internal(format!(
                    "{d} without an artifact for {}",
                    payload.name
                )));
            }
        };
        members.push(rows::NewMembership {
            child_id: id,
            relationship: decision.relationship,
            pinned: decision.pinned_hash,
            path: payload.path.clone(),
        });
    }

    // The plugin itself: a composite whose versions are the plugin's hashes.
    let key = skillmeat_core::artifact::name_key(&plugin.name);
    let existing = rows::find_identity(
        tx,
        &collection.id,
        ArtifactKind::Composite,
        &key,
        &composite.content_hash,
    )
    .await?;
    let plugin_id = match existing {
        Some(found) if found.has_hash => {
            if found.current_hash != composite.content_hash {
                // An earlier content of the plugin: make it current again.
                let vid = rows::version_id(tx, &found.id, &composite.content_hash)
                    .await?
                    .ok_or_else(|| Error::Internal("composite version vanished".into()))?;
                rows::set_current(
                    tx,
                    &found.id,
                    &vid,
                    composite.description.as_deref(),
                    Some(&source),
                )
                .await?;
                stage_current(files, collection, &mut staged_blobs, &found.name, composite)?;
            }
            found.id
        }
        Some(found) => {
            add_version(
                tx,
                files,
                collection,
                &mut staged_blobs,
                &found.id,
                &found.name,
                composite,
            )
            .await?;
            found.id
        }
        None => {
            let id = rows::insert_artifact(
                tx,
                &collection.id,
                ArtifactKind::Composite,
                &plugin.name,
                composite.description.as_deref(),
                Some(&source),
            )
            .await?;
            add_version(
                tx,
                files,
                collection,
                &mut staged_blobs,
                &id,
                &plugin.name,
                composite,
            )
            .await?;
            id
        }
    };
    let manifest = plugin.manifest.as_ref().map(|m| m.to_string());
    rows::upsert_composite(
        tx,
        &plugin_id,
        plugin.version.as_deref(),
        manifest.as_deref(),
    )
    .await?;
    {
        let span = info_span!("association.write", plugin_name = %plugin.name, child_count = members.len());
        let _guard = span.enter();
        rows::reconcile_memberships(tx, &plugin_id, &members).await?;
    }
    rows::record_transaction(tx, transaction_id, &collection.id, &plugin.name, started_at).await?;
    failpoint::hit("import.rows_written");

    let lock = lock_file(tx, &collection.id).await?;
    let manifest = manifest_file(tx, &collection.id, &collection.name).await?;
    for (name, body) in [(LOCK, lock), (MANIFEST, manifest)] {
        let unchanged =
            std::fs::read(collection.path(name)).is_ok_and(|old| old == body.as_bytes());
        if !unchanged {
            let staged = files.stage_target_path(name);
            fsx::write_atomic(&staged, body.as_bytes())?;
        }
    }
    failpoint::hit("import.staged");
    Ok((
        ImportResult::from_plan(&plan, Some(plugin_id), transaction_id.to_owned(), false),
        plan,
    ))
}

/// A new version of `artifact` (becoming current): rows, new blobs and the
/// staged current-version path.
async fn add_version(
    tx: &mut SqliteConnection,
    files: &mut FileTxn,
    collection: &Collection,
    staged_blobs: &mut HashSet<ContentHash>,
    artifact: &str,
    name: &str,
    payload: &Payload,
) -> Result<()> {
    let vid = rows::insert_version(
        tx,
        artifact,
        &payload.content_hash,
        &payload.version_files(),
    )
    .await?;
    rows::set_current(tx, artifact, &vid, payload.description.as_deref(), None).await?;
    stage_current(files, collection, staged_blobs, name, payload)
}

/// Stages the blobs a payload needs and its current-version path.
fn stage_current(
    files: &mut FileTxn,
    collection: &Collection,
    staged_blobs: &mut HashSet<ContentHash>,
    name: &str,
    payload: &Payload,
) -> Result<()> {
    for f in &payload.files {
        let live = layout::blob_path(&collection.dir, &f.blob);
        if !fsx::exists(&live) && staged_blobs.insert(f.blob) {
            copy_verified(f, &files.stage_blob_path(f.blob))?;
        }
    }
    let target = layout::current_path(payload.kind, name, payload.shape)?;
    let staged = files.stage_target_path(target.as_str());
    for f in &payload.files {
        let to = match payload.shape {
            Shape::File => staged.clone(),
            Shape::Folder => staged.join(&f.rel),
        };
        copy_verified(f, &to)?;
        fsx::set_mode(&to, f.executable)?;
    }
    if payload.shape == Shape::Folder && payload.files.is_empty() {
        fsx::create_private_dir(&staged)?;
    }
    Ok(())
}

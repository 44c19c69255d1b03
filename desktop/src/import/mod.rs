//! The transactional import of one plugin (DESIGN.md §5–§6): rows and files
//! change together or not at all. See `collection::txn` for the file
//! protocol and its recovery.

mod index;
pub mod payload;
mod records;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::discovery::Plugin;
use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::{self, Bucket, ConflictChoices, Decision, ImportPlan, IndexedArtifact};
use sqlx::AnyConnection;
use tracing::{Instrument, error, info, info_span};

use self::payload::{Payload, PayloadFile, StagedCopy, copy_verified};
use self::records::{RecordsWrite, plan_records};
use crate::collection::layout::{self, Shape};
use crate::collection::txn::{self, FileTxn};
use crate::collection::{Collection, changed_entries};
use crate::error::{Error, Result};
use crate::failpoint;
use crate::fsx;
use crate::inspect::Source;
use crate::origin::Provenance;
use crate::store::{self, rows, sources};

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
    /// The memberships written (or planned), in the plugin's order: each
    /// child's kind, the name of the artifact it links and the hash pinned.
    #[serde(skip)]
    pub members: Vec<(ArtifactKind, String, ContentHash)>,
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
            members: Vec::new(),
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
            members: members_of(plan),
        }
    }
}

/// The memberships `plan` writes, as [`rows::reconcile_memberships`] keeps
/// them: one per artifact, the last of the plan's children naming it (two
/// children may: a fork named like a sibling).
fn members_of(plan: &ImportPlan) -> Vec<(ArtifactKind, String, ContentHash)> {
    let key = skillmeat_core::artifact::name_key;
    let mut members: Vec<(ArtifactKind, String, ContentHash)> = Vec::new();
    for c in &plan.children {
        let target = key(&c.target_name);
        members.retain(|(kind, name, _)| !(*kind == c.kind && key(name) == target));
        members.push((c.kind, c.target_name.clone(), c.pinned_hash));
    }
    members
}

/// The plan for one plugin against the collection (nothing is written).
/// `choices` is one policy for every conflict, or a [`ConflictChoices`].
pub async fn plan(
    collection: Option<&Collection>,
    source: &Source,
    plugin: &Plugin,
    choices: impl Into<ConflictChoices>,
) -> Result<ImportPlan> {
    let mut plans = plans(collection, &[(source, plugin)], choices).await?;
    plans
        .pop()
        .ok_or_else(|| Error::Internal("a plan of one plugin came back empty".into()))
}

/// [`plan`] for many plugins, in their order, with one round of lookups
/// for all of them (a marketplace's hundreds of plugins are one question
/// to the database, not one each).
pub async fn plans(
    collection: Option<&Collection>,
    plugins: &[(&Source, &Plugin)],
    choices: impl Into<ConflictChoices>,
) -> Result<Vec<ImportPlan>> {
    let incoming = plugins
        .iter()
        .map(|(source, plugin)| Ok((plugin.name.as_str(), payload::incoming(source, plugin)?)))
        .collect::<Result<Vec<_>>>()?;
    plans_incoming(collection, &incoming, choices).await
}

/// The plans of plugins whose children are given by kind, name and hash
/// only (the hash-first import's plan: a client hashed them; nothing is
/// read), each plugin a name and its children, with one round of lookups
/// for all of them.
pub async fn plans_incoming(
    collection: Option<&Collection>,
    plugins: &[(&str, Vec<plan::Incoming>)],
    choices: impl Into<ConflictChoices>,
) -> Result<Vec<ImportPlan>> {
    let choices = choices.into();
    let index = match collection {
        Some(c) => {
            let mut conn = c.pool.acquire().await?;
            index::Prefetched::load_many(&mut conn, &c.id, plugins, &choices).await?
        }
        None => index::Prefetched::default(),
    };
    Ok(plugins
        .iter()
        .map(|(name, incoming)| plan::plan_import_with(&index, name, incoming, &choices))
        .collect())
}

/// Imports one plugin in one transaction. `choices` is one policy for every
/// conflict, or a [`ConflictChoices`] (a default plus a policy per child).
pub async fn import_plugin(
    collection: &Collection,
    source: &Source,
    plugin: &Plugin,
    choices: impl Into<ConflictChoices>,
    transaction_id: &str,
) -> Result<ImportResult> {
    import_from(collection, (source, plugin, None), choices, transaction_id).await
}

/// A plugin of a source, and where it came from (recorded with it; without
/// it the plugin's source is the folder it was read from, unrecorded).
pub type FromSource<'a> = (&'a Source, &'a Plugin, Option<&'a Provenance>);

/// [`import_plugin`], recording the plugin's provenance.
pub async fn import_from(
    collection: &Collection,
    (source, plugin, provenance): FromSource<'_>,
    choices: impl Into<ConflictChoices>,
    transaction_id: &str,
) -> Result<ImportResult> {
    let choices = choices.into();
    let span = info_span!(
        "plugin.import_transactional",
        plugin_name = %plugin.name,
        child_count = plugin.children.len(),
        transaction_id = %transaction_id
    );
    let started = Instant::now();
    let result = run(
        collection,
        (source, plugin, provenance),
        &choices,
        transaction_id,
    )
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
    (source, plugin, provenance): FromSource<'_>,
    choices: &ConflictChoices,
    transaction_id: &str,
) -> Result<(ImportResult, ImportPlan)> {
    let (children, composite) = payload::build(source, plugin)?;
    // Check every storage path before anything is written.
    for c in children.iter().chain([&composite]) {
        layout::current_path(c.kind, &c.name, c.shape)?;
    }
    let started_at = fsx::now_rfc3339();
    let from = (source, plugin, provenance);
    if collection.in_database() {
        let payloads = (&children[..], &composite);
        return in_database(
            collection,
            from,
            payloads,
            choices,
            transaction_id,
            &started_at,
        )
        .await;
    }
    // The transaction folder is created only under SQLite's write lock, and
    // recovery runs only under it: no process ever sees a half-made folder.
    let mut tx = store::begin_write(&collection.pool).await?;
    txn::recover(&mut tx, &collection.dir).await?;
    let mut files = FileTxn::begin(&collection.dir, transaction_id)?;
    failpoint::hit("import.locked");

    let outcome = write(
        &mut tx,
        Sink::folder(&mut files),
        collection,
        from,
        &children,
        &composite,
        choices,
        transaction_id,
        &started_at,
    )
    .await;
    let Outcome {
        result,
        plan,
        old_records,
    } = match outcome {
        Ok(v) => v,
        Err(e) => {
            // Nothing has moved yet; the staged files go with the folder.
            // It is removed before the write lock is released, so that a
            // folder another process sees vanishing is a committed one.
            let _ = files.finish();
            drop(tx);
            return Err(e);
        }
    };
    if let Err(e) = files.apply() {
        // Put everything back and remove the folder under the write lock;
        // if the undo itself fails, the folder stays for recovery.
        files.undo()?;
        let _ = files.finish();
        drop(tx);
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
    fsx::close_in_background(old_records);
    Ok((result, plan))
}

/// What the writes of one import produced.
struct Outcome {
    result: ImportResult,
    plan: ImportPlan,
    /// The replaced records files, still open: once the transaction folder
    /// holding them is removed, closing them frees megabytes of pages, which
    /// happens on another thread ([`fsx::close_in_background`]).
    old_records: Vec<std::fs::File>,
}

/// What an import does to the plugin's own artifact (a composite whose
/// versions are the plugin's hashes), decided before any row is written.
#[derive(Debug)]
enum PluginStep {
    /// Its current content is this one.
    Unchanged(IndexedArtifact),
    /// An earlier content of the plugin: that version becomes current again
    /// (and the plugin's source is refreshed).
    MakeCurrent(IndexedArtifact),
    /// New content: a new version that becomes current (source kept).
    NewVersion(IndexedArtifact),
    /// A plugin the collection does not have.
    New,
}

impl PluginStep {
    async fn look_up(
        conn: &mut AnyConnection,
        collection: &Collection,
        plugin: &Plugin,
        composite: &Payload,
    ) -> Result<PluginStep> {
        let key = skillmeat_core::artifact::name_key(&plugin.name);
        let hash = &composite.content_hash;
        let kind = ArtifactKind::Composite;
        let found = rows::find_identity(conn, &collection.id, kind, &key, hash).await?;
        Ok(match found {
            Some(f) if f.has_hash && f.current_hash == *hash => PluginStep::Unchanged(f),
            Some(f) if f.has_hash => PluginStep::MakeCurrent(f),
            Some(f) => PluginStep::NewVersion(f),
            None => PluginStep::New,
        })
    }
}

/// The rows of `payload` as a new current version of `artifact` (a new
/// artifact when `new` is given).
fn new_version<'a>(
    artifact: String,
    payload: &'a Payload,
    new: Option<rows::NewArtifact<'a>>,
) -> rows::NewVersion<'a> {
    rows::NewVersion {
        artifact,
        new,
        hash: payload.content_hash,
        files: payload.version_files(),
        description: payload.description.as_deref(),
    }
}

/// The writes of one import, inside its database transaction: rows as it
/// goes, files collected to be written once every row is.
struct Writer<'a> {
    tx: &'a mut AnyConnection,
    sink: Sink<'a>,
    collection: &'a Collection,
    /// Artifacts whose current version this import changes.
    touched: Vec<String>,
}

/// Where an import's files go.
enum Sink<'a> {
    /// Staged in the collection folder's transaction ([`FileTxn`]) and
    /// moved into place before the commit.
    Folder {
        files: &'a mut FileTxn,
        staged_blobs: HashSet<ContentHash>,
        /// Every payload file to stage (new blobs, new current versions).
        copies: Vec<StagedCopy<'a>>,
        /// Current versions that are empty folders.
        empty_dirs: Vec<PathBuf>,
    },
    /// Rows of the database's `contents` table, written inside the
    /// import's transaction: each blob a new current version needs, once.
    Database {
        blobs: Vec<&'a PayloadFile>,
        seen: HashSet<ContentHash>,
    },
}

impl<'a> Sink<'a> {
    fn folder(files: &'a mut FileTxn) -> Sink<'a> {
        Sink::Folder {
            files,
            staged_blobs: HashSet::new(),
            copies: Vec::new(),
            empty_dirs: Vec::new(),
        }
    }

    fn database() -> Sink<'a> {
        Sink::Database {
            blobs: Vec::new(),
            seen: HashSet::new(),
        }
    }
}

/// Rows, staged files and the journal's contents, inside the transaction.
#[allow(clippy::too_many_arguments)]
async fn write<'a>(
    tx: &'a mut AnyConnection,
    sink: Sink<'a>,
    collection: &'a Collection,
    (source, plugin, provenance): FromSource<'_>,
    children: &'a [Payload],
    composite: &'a Payload,
    choices: &ConflictChoices,
    transaction_id: &str,
    started_at: &str,
) -> Result<Outcome> {
    let incoming: Vec<_> = children.iter().map(|c| c.incoming.clone()).collect();
    let index =
        index::Prefetched::load(tx, &collection.id, &plugin.name, &incoming, choices).await?;
    let plan = plan::plan_import_within(&index, &plugin.name, &incoming, choices, |i| {
        payload::check_hash(source, plugin, i, &children[i])
    })?;
    let origin = &source.tree.root;
    let source = match provenance {
        Some(p) => p.location.display(),
        None if plugin.root.is_root() => origin.display().to_string(),
        None => origin.join(plugin.root.as_str()).display().to_string(),
    };
    let step = PluginStep::look_up(tx, collection, plugin, composite).await?;
    let mut w = Writer {
        tx,
        sink,
        collection,
        touched: Vec::new(),
    };
    let (plugin_id, members_changed) = w
        .rows(plugin, children, (composite, step), &plan, &source)
        .await?;
    let source_changed = match provenance {
        Some(p) => sources::record(w.tx, &plugin_id, p).await?,
        None => false,
    };
    if source_changed && !w.touched.contains(&plugin_id) {
        w.touched.push(plugin_id.clone());
    }
    rows::record_transaction(
        w.tx,
        transaction_id,
        &collection.id,
        &plugin.name,
        started_at,
    )
    .await?;
    failpoint::hit("import.rows_written");

    let Writer {
        tx, sink, touched, ..
    } = w;
    let old_records = match sink {
        Sink::Folder {
            files,
            copies,
            empty_dirs,
            ..
        } => {
            let records = if !touched.is_empty() || members_changed {
                let changes = changed_entries(tx, &collection.id, &touched, &plugin_id).await?;
                plan_records(tx, files, collection, changes).await?
            } else {
                Vec::new()
            };
            stage(&copies, &empty_dirs, &records)?;
            records
                .into_iter()
                .filter_map(RecordsWrite::into_old)
                .collect()
        }
        Sink::Database { blobs, .. } => {
            store_contents(tx, &blobs).await?;
            Vec::new()
        }
    };
    failpoint::hit("import.staged");
    let result = ImportResult::from_plan(&plan, Some(plugin_id), transaction_id.to_owned(), false);
    Ok(Outcome {
        result,
        plan,
        old_records,
    })
}

impl<'a> Writer<'a> {
    /// Every row of the import but its transaction record: the children's
    /// artifacts and versions, the plugin and its memberships. Returns the
    /// plugin's id and whether its memberships changed.
    async fn rows(
        &mut self,
        plugin: &Plugin,
        children: &'a [Payload],
        (composite, step): (&'a Payload, PluginStep),
        plan: &ImportPlan,
        source: &str,
    ) -> Result<(String, bool)> {
        let mut members = Vec::with_capacity(children.len());
        // The children's new versions, written together (a statement is a
        // round trip), then staged in the plan's order.
        let (mut versions, mut staged) = (Vec::new(), Vec::new());
        for (payload, decision) in children.iter().zip(&plan.children) {
            let name = decision.target_name.as_str();
            let id = match (decision.decision, &decision.artifact_id) {
                (Decision::LinkExisting, Some(id)) => id.clone(),
                (Decision::CreateNewVersion, Some(id)) => {
                    versions.push(new_version(id.clone(), payload, None));
                    staged.push((name, payload));
                    id.clone()
                }
                (Decision::CreateNewArtifact, _) => {
                    let artifact = rows::NewArtifact {
                        kind: payload.kind,
                        name,
                        source: Some(source),
                    };
                    let id = rows::new_id();
                    versions.push(new_version(id.clone(), payload, Some(artifact)));
                    staged.push((name, payload));
                    id
                }
                (d, None) => {
                    let name = &payload.name;
                    return Err(Error::Internal(format!(
                        "{d} without an artifact for {name}"
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
        self.write_versions(&versions, staged).await?;
        let plugin_id = self.composite(plugin, composite, step, source).await?;
        let manifest = plugin.manifest.as_ref().map(|m| m.to_string());
        rows::upsert_composite(
            self.tx,
            &plugin_id,
            plugin.version.as_deref(),
            manifest.as_deref(),
        )
        .await?;
        let span = info_span!(
            "association.write",
            plugin_name = %plugin.name,
            child_count = members.len()
        );
        let members_changed = rows::reconcile_memberships(self.tx, &plugin_id, &members)
            .instrument(span)
            .await?;
        Ok((plugin_id, members_changed))
    }

    /// New current versions (of new artifacts, or existing ones): their
    /// rows together (a statement is a round trip), then each staged, in
    /// order, as `staged` names them.
    async fn write_versions(
        &mut self,
        versions: &[rows::NewVersion<'_>],
        staged: Vec<(&str, &'a Payload)>,
    ) -> Result<()> {
        rows::insert_versions(self.tx, &self.collection.id, versions).await?;
        for (v, (name, payload)) in versions.iter().zip(staged) {
            self.stage_current(&v.artifact, name, payload)?;
        }
        Ok(())
    }

    /// The plugin itself: a composite whose versions are the plugin's hashes.
    async fn composite(
        &mut self,
        plugin: &Plugin,
        composite: &'a Payload,
        step: PluginStep,
        source: &str,
    ) -> Result<String> {
        let hash = &composite.content_hash;
        match step {
            PluginStep::Unchanged(found) => Ok(found.id),
            PluginStep::MakeCurrent(found) => {
                let vid = rows::version_id(self.tx, &found.id, hash)
                    .await?
                    .ok_or_else(|| Error::Internal("composite version vanished".into()))?;
                let description = composite.description.as_deref();
                rows::set_current(self.tx, &found.id, &vid, description, Some(source)).await?;
                self.stage_current(&found.id, &found.name, composite)?;
                Ok(found.id)
            }
            PluginStep::NewVersion(found) => {
                let version = new_version(found.id.clone(), composite, None);
                self.write_versions(&[version], vec![(&found.name, composite)])
                    .await?;
                Ok(found.id)
            }
            PluginStep::New => {
                let artifact = rows::NewArtifact {
                    kind: composite.kind,
                    name: &plugin.name,
                    source: Some(source),
                };
                let version = new_version(rows::new_id(), composite, Some(artifact));
                let id = version.artifact.clone();
                self.write_versions(&[version], vec![(&plugin.name, composite)])
                    .await?;
                Ok(id)
            }
        }
    }

    /// Records where the blobs a payload needs and its current version are
    /// staged (in the journal), and the copies that will put them there;
    /// for a database collection, the blobs to store.
    fn stage_current(&mut self, artifact: &str, name: &str, payload: &'a Payload) -> Result<()> {
        self.touched.push(artifact.to_owned());
        let target = layout::current_path(payload.kind, name, payload.shape)?;
        let (files, staged_blobs, copies, empty_dirs) = match &mut self.sink {
            Sink::Database { blobs, seen } => {
                blobs.extend(payload.files.iter().filter(|f| seen.insert(f.blob)));
                return Ok(());
            }
            Sink::Folder {
                files,
                staged_blobs,
                copies,
                empty_dirs,
            } => (files, staged_blobs, copies, empty_dirs),
        };
        let staged = files.stage_target_path(target.as_str());
        for f in &payload.files {
            let mut to = Vec::with_capacity(2);
            let live = layout::blob_path(&self.collection.dir, &f.blob);
            if !fsx::exists(&live) && staged_blobs.insert(f.blob) {
                to.push(files.stage_blob_path(f.blob));
            }
            to.push(match payload.shape {
                Shape::File => staged.clone(),
                Shape::Folder => staged.join(&f.rel),
            });
            copies.push(StagedCopy { file: f, to });
        }
        if payload.shape == Shape::Folder && payload.files.is_empty() {
            empty_dirs.push(staged);
        }
        Ok(())
    }
}

/// How many times an import into a database collection is tried when
/// another import's transaction decided first (a unique constraint, a
/// serialization failure or a deadlock).
const ATTEMPTS: u32 = 5;

/// An import into a database collection: rows and contents in one
/// transaction on the server, no files. Imports run side by side (from any
/// number of servers); when two create the same artifact at once, the
/// database's unique constraints let one commit and the other runs again
/// and finds it.
async fn in_database(
    collection: &Collection,
    from: FromSource<'_>,
    (children, composite): (&[Payload], &Payload),
    choices: &ConflictChoices,
    transaction_id: &str,
    started_at: &str,
) -> Result<(ImportResult, ImportPlan)> {
    let mut attempt = 1;
    loop {
        let mut tx = store::begin_import(&collection.pool).await?;
        // Imports of one plugin take turns: each then plans from what the
        // one before it committed (without this, a re-import planned as
        // "unchanged" could rewrite the memberships another import of the
        // same plugin had just changed).
        let key = skillmeat_core::artifact::name_key(&from.1.name);
        store::lock_name(&mut tx, &collection.id, &key).await?;
        failpoint::hit("import.locked");
        let sink = Sink::database();
        let written = write(
            &mut tx,
            sink,
            collection,
            from,
            children,
            composite,
            choices,
            transaction_id,
            started_at,
        )
        .await;
        let committed = match written {
            Ok(outcome) => tx.commit().await.map(|()| outcome).map_err(Error::from),
            Err(e) => {
                // Rolled back now, not after the back-off below: its locks
                // and its connection go back at once.
                drop(tx);
                Err(e)
            }
        };
        match committed {
            Ok(outcome) => {
                failpoint::hit("import.committed");
                return Ok((outcome.result, outcome.plan));
            }
            Err(e) if store::is_contention(&e) => {
                if attempt == ATTEMPTS {
                    tracing::warn!(transaction_id, attempts = attempt, error = %e, "import contended");
                    return Err(Error::Contended { attempts: attempt });
                }
                tracing::info!(transaction_id, attempt, error = %e, "import retried");
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Stores the blobs the database lacks, each read and checked on the way.
async fn store_contents(tx: &mut AnyConnection, blobs: &[&PayloadFile]) -> Result<()> {
    let hashes: Vec<ContentHash> = blobs.iter().map(|f| f.blob).collect();
    let present = store::contents::present(tx, &hashes).await?;
    for f in blobs.iter().filter(|f| !present.contains(&f.blob)) {
        let bytes = payload::read_verified(f)?;
        store::contents::insert(tx, &f.blob, &bytes).await?;
    }
    Ok(())
}

/// Writes every staged file: the payload copies in parallel (each re-hashed
/// on the way), and at the same time the records files, whose rewrite is
/// the one part of an import that grows with the collection.
fn stage(
    copies: &[StagedCopy<'_>],
    empty_dirs: &[PathBuf],
    records: &[RecordsWrite],
) -> Result<()> {
    use rayon::prelude::*;
    for dir in empty_dirs {
        fsx::create_private_dir(dir)?;
    }
    let (copied, written) = rayon::join(
        || copies.par_iter().try_for_each(copy_verified),
        || records.par_iter().try_for_each(RecordsWrite::run),
    );
    copied.and(written)
}

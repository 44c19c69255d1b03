//! The composite import of the HTTP API: accepted at once (202) with the
//! plan the server made from its own discovery, run in the background, and
//! followed by its id.
//!
//! The source is a file list whose bytes were uploaded first (the folder is
//! rebuilt from the blobs, each file read where its blob is, and read like
//! any folder: discovered, hashed and imported by the one transactional
//! import, which re-hashes every byte it stores; nothing the client
//! computed but the paths and modes is used), or a folder, marketplace or
//! bundle on the server's machine.
//!
//! Each plugin is imported in its own transaction, one after the other.
//! [`Imports::stop`] (the server's shutdown) lets the plugin in flight
//! finish and starts no other; a task still running when the grace period
//! ends is aborted, and the transaction it leaves is rolled back by the
//! collection's recovery. Never a partial plugin.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::{Bucket, ChildPlan, ConflictChoices, ConflictPolicy, Decision};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::blocking;
use super::import::{From, Target, conflict_choices, engine_limits, import_all, summary_warnings};
use super::scope::{Open, Scope};
use super::transfer::{
    BundlePlanArgs, ChildChoice, CompositeImportArgs, ErrorCode, ImportJob, ImportPreview,
    ImportStarted, ImportSummary, JobStatus, OutdatedState, PendingChild, PendingParent,
    PendingPlugin, PublicError, SizeLimits, UpdateJob, UpdateResult, UpdateStarted, UploadedFile,
};
use super::upload::MAX_ITEMS;
use crate::bundle::{self, Opened};
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::import;
use crate::inspect::Source;
use crate::origin::{self, Resolved};
use crate::store::rows;
use crate::upload::{self, Area, Kept, Rebuilt, TreeEntry};

/// Finished imports are answered for this long …
pub const KEEP_FOR: Duration = Duration::from_secs(60 * 60);
/// … and at most this many of them.
pub const KEEP_FINISHED: usize = 100;

/// The background work of one scope (imports, and updates): their state
/// by id, and their tasks.
#[derive(Debug, Clone, Default)]
pub struct Imports(Arc<Registry>);

#[derive(Debug, Default)]
struct Registry {
    jobs: Mutex<HashMap<String, Entry<ImportJob>>>,
    updates: Mutex<HashMap<String, Entry<UpdateJob>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    stopping: AtomicBool,
}

#[derive(Debug)]
struct Entry<J> {
    job: J,
    finished: Option<Instant>,
}

/// A table of jobs, poisoned or not.
fn locked<J>(
    table: &Mutex<HashMap<String, Entry<J>>>,
) -> MutexGuard<'_, HashMap<String, Entry<J>>> {
    table.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records `job` under `id`: running, or finished now.
fn put<J>(table: &Mutex<HashMap<String, Entry<J>>>, id: &str, job: J, finished: bool) {
    let now = Instant::now();
    let mut jobs = locked(table);
    jobs.insert(
        id.to_owned(),
        Entry {
            job,
            finished: finished.then_some(now),
        },
    );
    prune(&mut jobs, now);
}

/// The job recorded under `id`, if it is still kept.
fn get<J: Clone>(table: &Mutex<HashMap<String, Entry<J>>>, id: &str) -> Option<J> {
    let mut jobs = locked(table);
    prune(&mut jobs, Instant::now());
    jobs.get(id).map(|e| e.job.clone())
}

impl Imports {
    fn start(&self, id: &str) {
        let job = ImportJob {
            transaction_id: id.to_owned(),
            status: JobStatus::InProgress,
            result: None,
            error: None,
        };
        put(&self.0.jobs, id, job, false);
    }

    fn finish(&self, job: ImportJob) {
        put(&self.0.jobs, &job.transaction_id.clone(), job, true);
    }

    fn get(&self, id: &str) -> Option<ImportJob> {
        get(&self.0.jobs, id)
    }

    fn track(&self, task: JoinHandle<()>) {
        let mut tasks = self.0.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// The server is stopping: no import or update starts, and a running
    /// one starts no further plugin.
    pub(super) fn stopping(&self) -> bool {
        self.0.stopping.load(Ordering::SeqCst)
    }

    /// Starts no further plugin, and waits up to `grace` for the imports
    /// and updates running (each finishes the plugin it is in). Returns how
    /// many were still running then; those are aborted.
    pub async fn stop(&self, grace: Duration) -> usize {
        self.0.stopping.store(true, Ordering::SeqCst);
        let tasks = std::mem::take(&mut *self.0.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let deadline = tokio::time::Instant::now() + grace;
        let mut cut = 0;
        for mut task in tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
                cut += 1;
            }
        }
        cut
    }
}

/// Stops the imports and updates running against `scope` ([`Imports::stop`]:
/// each finishes the plugin it is in, for at most `grace`) and rolls back
/// at once what a plugin import cut off had written to the collection's
/// folder (its database transaction is rolled back as it is dropped), so
/// the collection holds whole plugins only before the process exits.
/// Returns how many were cut off.
pub async fn stop_jobs(scope: &Scope, grace: Duration) -> Result<usize> {
    let cut = scope.imports().stop(grace).await;
    if cut > 0
        && let Some(collection) = scope.read().await?
    {
        collection.recover().await?;
    }
    Ok(cut)
}

/// Forgets finished jobs older than [`KEEP_FOR`], and the oldest beyond
/// [`KEEP_FINISHED`].
fn prune<J>(jobs: &mut HashMap<String, Entry<J>>, now: Instant) {
    jobs.retain(|_, e| e.finished.is_none_or(|t| now.duration_since(t) < KEEP_FOR));
    let mut finished: Vec<(Instant, String)> = jobs
        .iter()
        .filter_map(|(id, e)| e.finished.map(|t| (t, id.clone())))
        .collect();
    if finished.len() > KEEP_FINISHED {
        finished.sort();
        let extra = finished.len() - KEEP_FINISHED;
        for (_, id) in finished.into_iter().take(extra) {
            jobs.remove(&id);
        }
    }
}

/// The state of import `id`: in progress, or its result or error.
pub async fn import_status(scope: &Scope, id: &str) -> Result<ImportJob> {
    scope
        .imports()
        .get(id)
        .ok_or_else(|| Error::UnknownImport(id.to_owned()))
}

/// Starts `update` (the server's [`super::update`] over its held scope) in
/// the background; follow it with [`update_status`]. Refused while the
/// server stops.
pub fn start_update<F>(scope: &Scope, update: F) -> Result<UpdateStarted>
where
    F: Future<Output = Result<UpdateResult>> + Send + 'static,
{
    let imports = scope.imports().clone();
    if imports.stopping() {
        return Err(Error::Usage(
            "the server is stopping; no update starts".into(),
        ));
    }
    let id = rows::new_id();
    let job = |status, result, error| UpdateJob {
        transaction_id: id.clone(),
        status,
        result,
        error,
    };
    put(
        &imports.0.updates,
        &id,
        job(JobStatus::InProgress, None, None),
        false,
    );
    let finished = imports.clone();
    let done = job(JobStatus::InProgress, None, None);
    let span = crate::telemetry::in_current_trace(tracing::info_span!(
        parent: None,
        "plugin.update_job",
        transaction_id = %id
    ));
    let task = async move {
        let outcome = update.await;
        let job = update_outcome(done, outcome, finished.stopping());
        put(&finished.0.updates, &job.transaction_id.clone(), job, true);
    };
    imports.track(tokio::spawn(task.instrument(span)));
    Ok(UpdateStarted {
        transaction_id: id,
        status: JobStatus::InProgress,
    })
}

/// How an update ended: `succeeded` with its result (each plugin's import
/// says whether it worked), `failed` with the error, or with what it did
/// when the server stopped before every changed plugin was imported.
fn update_outcome(job: UpdateJob, outcome: Result<UpdateResult>, stopped: bool) -> UpdateJob {
    let result = match outcome {
        Ok(r) => r,
        Err(e) => {
            return UpdateJob {
                status: JobStatus::Failed,
                error: Some(PublicError::from(e)),
                ..job
            };
        }
    };
    let changed = (result.checked.iter())
        .filter(|p| p.state == OutdatedState::Changed)
        .count();
    let status = match stopped && !result.dry_run && result.results.len() < changed {
        true => JobStatus::Failed,
        false => JobStatus::Succeeded,
    };
    let error = (status == JobStatus::Failed).then(|| {
        PublicError::new(
            ErrorCode::Conflict,
            "the server stopped before updating every changed plugin (each plugin updated is whole)",
        )
    });
    UpdateJob {
        status,
        result: Some(result),
        error,
        ..job
    }
}

/// The state of update `id`: in progress, or its result or error.
pub async fn update_status(scope: &Scope, id: &str) -> Result<UpdateJob> {
    get(&scope.imports().0.updates, id).ok_or_else(|| Error::UnknownImport(id.to_owned()))
}

/// What an import reads from: a folder rebuilt from uploads, or a path.
#[derive(Debug)]
enum Held {
    Uploaded {
        resolved: Resolved,
        kept: Kept,
        area: Area,
    },
    Path(Resolved),
}

impl Held {
    fn resolved(&self) -> &Resolved {
        match self {
            Held::Uploaded { resolved, .. } => resolved,
            Held::Path(resolved) => resolved,
        }
    }
}

/// Checks `args`, reads the source, plans every plugin against the
/// collection and starts the import in the background: the answer names
/// the import (its `transaction_id`) and says what it will do. A blob not
/// uploaded is [`Error::MissingBlobs`]; nothing is written then.
pub async fn start_import(scope: &Scope, args: CompositeImportArgs) -> Result<ImportStarted> {
    if scope.imports().stopping() {
        return Err(Error::Usage(
            "the server is stopping; no import starts".into(),
        ));
    }
    let held = match (&args.files, &args.source, &args.bundle) {
        (Some(files), None, None) => {
            let only = args.plugins.clone();
            uploaded(scope, files, args.root_name.as_deref(), only).await?
        }
        (None, None, Some(zip)) => uploaded_bundle(scope, zip, args.plugins.clone()).await?,
        (None, Some(path), None) => {
            let from = From::of(
                &PathBuf::from(path),
                SizeLimits::default(),
                None,
                args.plugins.clone(),
            )?;
            let scratch = scope.home().root().to_owned();
            Held::Path(from.resolve(scope, scratch).await?)
        }
        _ => {
            return Err(Error::Usage(
                "give one of files (uploaded first), bundle (a zip uploaded first) or source (a path on the server)"
                    .into(),
            ));
        }
    };
    let each = args.conflict_choices.as_deref().unwrap_or_default();
    check_choices(held.resolved(), each)?;
    let choices = conflict_choices(args.on_conflict.unwrap_or_default(), each);
    let (collection, close) = match scope.create().await? {
        Open::Held(c) => (c.clone(), false),
        Open::Read(c) | Open::Written(c) => (c, true),
    };
    let plugins = pending(&collection, held.resolved(), &choices).await?;
    let id = rows::new_id();
    let started = started(&id, plugins)?;
    let imports = scope.imports().clone();
    imports.start(&id);
    let run = Run {
        id,
        collection,
        close,
        held,
        choices,
        imports: imports.clone(),
    };
    // The import's spans belong to the request that started it (its trace,
    // continued from the client's `traceparent`), under one span of its own.
    let job = crate::telemetry::in_current_trace(tracing::info_span!(
        parent: None,
        "composite.import_job",
        transaction_id = %run.id
    ));
    imports.track(tokio::spawn(run.go().instrument(job)));
    Ok(started)
}

/// Every per-child choice names a child of a plugin being imported (a
/// choice that names nothing would be dropped without a word).
fn check_choices(resolved: &Resolved, each: &[ChildChoice]) -> Result<()> {
    let key = skillmeat_core::artifact::name_key;
    for ch in each {
        let kind = ch.kind.engine();
        let found = resolved.plugins().any(|(_, p, _)| {
            key(&p.name) == key(&ch.plugin)
                && p.children
                    .iter()
                    .any(|c| c.kind == kind && key(&c.name) == key(&ch.name))
        });
        if !found {
            return Err(Error::Usage(format!(
                "conflict_choices: plugin {:?} has no {kind} {:?} among the plugins imported",
                ch.plugin, ch.name
            )));
        }
    }
    Ok(())
}

/// Rebuilds the folder `files` describes from the blobs held.
async fn uploaded(
    scope: &Scope,
    files: &[UploadedFile],
    root_name: Option<&str>,
    only: Option<Vec<String>>,
) -> Result<Held> {
    if files.len() > MAX_ITEMS {
        return Err(Error::TooLarge(format!(
            "{} files; at most {MAX_ITEMS} in one import",
            files.len()
        )));
    }
    let entries = files
        .iter()
        .map(|f| {
            Ok(TreeEntry {
                blob: upload::parse_hash(&f.sha256)
                    .map_err(|e| Error::Usage(format!("files: {:?}: sha256: {e}", f.path)))?,
                path: f.path.clone(),
                size: f.size,
                executable: f.executable,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let area = scope.upload_area()?;
    let blobs: Vec<ContentHash> = entries.iter().map(|e| e.blob).collect();
    super::upload::fetch_held(scope, &blobs).await?;
    let name = root_name.unwrap_or("plugin").to_owned();
    let limits = engine_limits(SizeLimits::default());
    blocking(move || {
        let Rebuilt { tree, meta, kept } = area.rebuild(&entries, &name)?;
        let root_name = tree.root.display().to_string();
        let mut source =
            Source::of_listed(tree, meta, &root_name, &limits).map_err(|e| match e {
                // A blob the server held is gone or unreadable: ours to fix.
                Error::Unreadable { path, source } => {
                    Error::Internal(format!("reading the blob {}: {source}", path.display()))
                }
                e if e.code() == ErrorCode::Internal => e,
                e => Error::Usage(format!(
                    "the files do not hold a plugin skillmeat can read: {e}"
                )),
            })?;
        // Imported artifacts record where they came from, not scratch space.
        source.tree.root = PathBuf::from(format!("upload:{name}"));
        let resolved = origin::uploaded(Opened::folder(source), &name, only.as_deref())?;
        Ok(Held::Uploaded {
            resolved,
            kept,
            area,
        })
    })
    .await
}

/// `POST /api/v1/plan/bundle`: the preview of a bundle zip uploaded as one
/// blob, as `skillmeat preview BUNDLE.zip` gives it. The server opens and
/// verifies the zip as an import of it does (the same refusals), then plans
/// its plugins against the collection; nothing is written.
pub async fn plan_bundle(scope: &Scope, args: BundlePlanArgs) -> Result<ImportPreview> {
    let held = uploaded_bundle(scope, &args.bundle, args.plugins).await?;
    let resolved = held.resolved();
    let each = resolved
        .plugins()
        .map(|(source, plugin, _)| (source, plugin));
    super::import::plan_all(scope, each, args.on_conflict, resolved.warnings()).await
}

/// Opens a bundle zip uploaded as one blob as `skillmeat add` opens a zip
/// (verified, then extracted into scratch space); its errors name the zip
/// by the name the client gave, never by the server's path.
async fn uploaded_bundle(
    scope: &Scope,
    zip: &UploadedFile,
    only: Option<Vec<String>>,
) -> Result<Held> {
    let blob = upload::parse_hash(&zip.sha256)
        .map_err(|e| Error::Usage(format!("bundle: {:?}: sha256: {e}", zip.path)))?;
    let name = zip_name(&zip.path)?;
    let size = zip.size;
    let area = scope.upload_area()?;
    super::upload::fetch_held(scope, &[blob]).await?;
    let scratch = scope.home().root().to_owned();
    let limits = engine_limits(SizeLimits::default());
    blocking(move || {
        let path = area
            .find(&blob)
            .ok_or_else(|| Error::MissingBlobs(vec![blob.to_hex()]))?;
        let held = std::fs::metadata(&path)
            .map_err(|e| Error::io(&path, e))?
            .len();
        if held != size {
            return Err(Error::Usage(format!(
                "bundle: {name:?}: size {size} is not the uploaded zip's {held} bytes"
            )));
        }
        let renamed = |e: Error| match e {
            Error::BadBundle { reason, .. } => Error::BadBundle {
                bundle: PathBuf::from(&name),
                reason,
            },
            e => e,
        };
        if !bundle::is_bundle(&path) {
            // Not a zip by its first bytes: the refusal `add` gives a `.zip`
            // that is not one.
            let refused = bundle::verify(&path, &limits).err();
            return Err(renamed(refused.unwrap_or(Error::BadBundle {
                bundle: path,
                reason: "is not a zip file".into(),
            })));
        }
        let mut opened = bundle::open_with(&path, &scratch, &limits).map_err(renamed)?;
        // Imported artifacts record the upload as their source, not the blob.
        opened.source.tree.root = PathBuf::from(format!("upload:{name}"));
        let resolved = origin::uploaded(opened, &name, only.as_deref())?;
        Ok(Held::Path(resolved))
    })
    .await
}

/// A bundle's name as given: one file name (no folder), for messages and
/// provenance.
fn zip_name(path: &str) -> Result<String> {
    let plain = !matches!(path, "" | "." | "..")
        && path.len() <= 255
        && !path.contains(['/', '\\'])
        && !path.chars().any(char::is_control);
    match plain {
        true => Ok(path.to_owned()),
        false => Err(Error::Usage(format!(
            "bundle: {path:?}: give the zip's file name as its path (no folder, no control character, at most 255 bytes)"
        ))),
    }
}

/// The plan of each plugin to import, as the 202 tells it.
async fn pending(
    c: &Collection,
    resolved: &Resolved,
    choices: &ConflictChoices,
) -> Result<Vec<PendingPlugin>> {
    let plugins: Vec<_> = resolved.plugins().map(|(s, p, _)| (s, p)).collect();
    let plans = import::plans(Some(c), &plugins, choices.clone()).await?;
    let mut out = Vec::with_capacity(plans.len());
    for ((_, plugin), plan) in plugins.iter().zip(plans) {
        out.push(PendingPlugin {
            parent: PendingParent {
                name: plugin.name.clone(),
                pending: true,
            },
            children: plan
                .children
                .iter()
                .map(|ch| pending_child(ch, choices.policy(&plan.plugin, ch.kind, &ch.name)))
                .collect(),
        });
    }
    Ok(out)
}

fn pending_child(c: &ChildPlan, policy: ConflictPolicy) -> PendingChild {
    let (status, hash_status) = match (c.bucket, c.decision, policy) {
        (Bucket::New, ..) => ("imported", "new"),
        (Bucket::Existing, ..) => ("linked", "existing"),
        (Bucket::Conflict, _, ConflictPolicy::Fork) => ("forked", "conflict"),
        (Bucket::Conflict, Decision::LinkExisting, _) => ("kept", "conflict"),
        (Bucket::Conflict, ..) => ("new_version", "conflict"),
    };
    PendingChild {
        name: c.name.clone(),
        kind: c.kind.into(),
        status: status.into(),
        hash_status: hash_status.into(),
        content_hash: c.content_hash.to_hex(),
        existing_hash: c.current_hash.map(|h| h.to_hex()),
    }
}

fn started(id: &str, plugins: Vec<PendingPlugin>) -> Result<ImportStarted> {
    let first = plugins
        .first()
        .cloned()
        .ok_or_else(|| Error::Internal("a source without plugins was opened".into()))?;
    Ok(ImportStarted {
        transaction_id: id.to_owned(),
        status: JobStatus::InProgress,
        parent: first.parent,
        children: first.children,
        plugins,
    })
}

/// Those of `blobs` the database now holds (a database collection's
/// uploads that may go), their uploads in the database deleted; none if
/// the database cannot say.
async fn stored(collection: &Collection, blobs: HashSet<ContentHash>) -> HashSet<ContentHash> {
    let hashes: Vec<ContentHash> = blobs.into_iter().collect();
    let Ok(mut conn) = collection.pool.acquire().await else {
        return HashSet::new();
    };
    // An upload left behind is swept after its time.
    let _ = crate::store::uploads::release(&mut conn, &hashes).await;
    crate::store::contents::present(&mut conn, &hashes)
        .await
        .unwrap_or_default()
}

/// One import in the background, with everything it holds.
struct Run {
    id: String,
    collection: Collection,
    /// The collection was opened for this import: close it after.
    close: bool,
    held: Held,
    choices: ConflictChoices,
    imports: Imports,
}

impl Run {
    async fn go(self) {
        let imports = self.imports.clone();
        let stop = || imports.stopping();
        let target = Target {
            collection: Some(&self.collection),
            resolved: self.held.resolved(),
            choices: &self.choices,
            dry_run: false,
            stop: &stop,
        };
        let planned: Vec<String> = (target.resolved.plugins())
            .map(|(_, p, _)| p.name.clone())
            .collect();
        let results = import_all(&target, &mut |_| {}).await;
        let job = self.outcome(results, &planned);
        let Run {
            collection,
            close,
            held,
            imports,
            ..
        } = self;
        let mut blobs = match &held {
            Held::Uploaded { kept, .. } => kept.blobs.clone(),
            Held::Path(_) => HashSet::new(),
        };
        if collection.in_database() && !blobs.is_empty() {
            blobs = stored(&collection, blobs).await;
        }
        // The client is told before the scratch files go: removing thousands
        // of them is nobody's wait (a stopping server still waits for it).
        imports.finish(job);
        let _ = blocking(move || {
            if let Held::Uploaded { kept, area, .. } = held {
                drop(kept);
                area.release(&blobs);
            }
            Ok(())
        })
        .await;
        // Closed after the uploads are released (that reads the database).
        if close {
            collection.close().await;
        }
    }

    fn outcome(
        &self,
        results: Result<Vec<super::transfer::PluginImport>>,
        planned: &[String],
    ) -> ImportJob {
        let failed = |error: PublicError, result| ImportJob {
            transaction_id: self.id.clone(),
            status: JobStatus::Failed,
            result,
            error: Some(error),
        };
        let results = match results {
            Ok(r) => r,
            Err(e) => return failed(PublicError::from(e), None),
        };
        let summary = ImportSummary {
            results,
            warnings: summary_warnings(self.held.resolved()),
        }
        .for_client();
        let left: Vec<&str> = planned
            .iter()
            .skip(summary.results.len())
            .map(String::as_str)
            .collect();
        if !left.is_empty() {
            let error = PublicError::new(
                ErrorCode::Conflict,
                format!(
                    "the server stopped before importing {} (each plugin imported is whole)",
                    left.join(", ")
                ),
            );
            return failed(error, Some(summary));
        }
        match summary.worst() {
            None => ImportJob {
                transaction_id: self.id.clone(),
                status: JobStatus::Succeeded,
                result: Some(summary),
                error: None,
            },
            Some(code) => {
                let error = PublicError::new(code, "a plugin failed to import (see result)");
                failed(error, Some(summary))
            }
        }
    }
}

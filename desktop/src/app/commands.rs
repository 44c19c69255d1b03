//! The Tauri commands: parse the arguments, call one engine function, map
//! the result to a transfer type and the error to [`PublicError`]. Nothing
//! here decides anything the engine could.

use std::path::{Path, PathBuf};

use skillmeat_core::plan::{ConflictChoices, Preview};
use tauri::ipc::Response;
use tauri::{AppHandle, Emitter, Runtime, State};

use super::{AppState, IMPORT_PROGRESS, source};
use crate::deploy::{self, Action, Options};
use crate::error::{Error, ErrorCode};
use crate::import::{self, ImportResult};
use crate::ops::transfer::*;
use crate::{bundle, query};

type AppResult<T> = Result<T, PublicError>;

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn path_arg(path: &str) -> AppResult<PathBuf> {
    if path.trim().is_empty() {
        return Err(PublicError::new(ErrorCode::BadInput, "no path given"));
    }
    Ok(PathBuf::from(path))
}

/// Runs blocking engine work (reading and hashing trees) off the async pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| PublicError::from(Error::Internal(format!("task failed: {e}"))))?
        .map_err(PublicError::from)
}

/// The page calls this once its first frame is painted: cold start to first
/// paint in milliseconds (the first call is the one recorded).
#[tauri::command]
pub fn first_paint() -> u64 {
    crate::startup::first_paint_ms()
}

#[tauri::command]
pub async fn list_artifacts(state: State<'_, AppState>, args: ListArgs) -> AppResult<ArtifactList> {
    let kind = args.kind.map(Kind::engine);
    let listing = query::list(&state.collection, None, None).await?;
    let needle = args.search.as_deref().map(str::to_lowercase);
    let mut items = Vec::new();
    for i in &listing.items {
        if kind.is_some_and(|want| want != i.kind)
            || needle
                .as_deref()
                .is_some_and(|n| !i.name.to_lowercase().contains(n))
        {
            continue;
        }
        items.push(ArtifactSummary {
            id: i.id.clone(),
            name: i.name.clone(),
            kind: Kind::from(i.kind),
            version: i.version.clone(),
            child_count: u32::try_from(i.child_count).unwrap_or(0),
            content_hash: i.content_hash.clone(),
            updated_at: i.updated_at.clone(),
        });
    }
    Ok(ArtifactList {
        items,
        total: count(listing.total),
    })
}

#[tauri::command]
pub async fn show_artifact(
    state: State<'_, AppState>,
    args: ShowArgs,
) -> AppResult<ArtifactDetail> {
    let d = query::show(&state.collection, &args.name_or_id, None).await?;
    let part_of = d
        .parents
        .iter()
        .map(|p| {
            Ok(ParentLink {
                id: p.artifact_id.clone(),
                name: p.artifact_name.clone(),
                relationship: Membership::parse(&p.relationship_type)?,
                pinned_hash: p.pinned_version_hash.clone(),
            })
        })
        .collect::<crate::Result<Vec<_>>>()?;
    let contains = d
        .children
        .iter()
        .map(|c| {
            let sync = match &c.pinned_version_hash {
                Some(pin) if *pin != c.current_hash => SyncStatus::Drifted,
                _ => SyncStatus::Pinned,
            };
            Ok(ChildLink {
                id: c.artifact_id.clone(),
                name: c.artifact_name.clone(),
                kind: Kind::from(c.artifact_type),
                relationship: Membership::parse(&c.relationship_type)?,
                path: c.path.clone(),
                pinned_hash: c.pinned_version_hash.clone(),
                current_hash: c.current_hash.clone(),
                sync,
            })
        })
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(ArtifactDetail {
        kind: Kind::from(d.kind),
        id: d.id,
        name: d.name,
        version: d.version,
        description: d.description,
        source: d.source,
        content_hash: d.content_hash,
        created_at: d.created_at,
        updated_at: d.updated_at,
        versions: d
            .versions
            .into_iter()
            .map(|v| VersionInfo {
                content_hash: v.content_hash,
                file_count: u32::try_from(v.file_count).unwrap_or(0),
                created_at: v.created_at,
                current: v.current,
            })
            .collect(),
        part_of,
        contains,
        deployments: d
            .deployments
            .into_iter()
            .map(|x| DeploymentInfo {
                project: x.project,
                parent: x.parent,
                content_hash: x.content_hash,
                platform: x.platform,
                deployed_at: x.deployed_at,
            })
            .collect(),
    })
}

/// A folder's files; a bundle zip is verified and extracted (staged) so the
/// page reads its files like a folder's.
#[tauri::command]
pub async fn list_source(state: State<'_, AppState>, args: SourceArgs) -> AppResult<SourceListing> {
    let path = path_arg(&args.path)?;
    let staging = state.staging.clone();
    let scratch = state.home.root().to_owned();
    blocking(move || staging.list(&path, &scratch)).await
}

/// The raw bytes (an `ArrayBuffer` in the page).
#[tauri::command]
pub async fn read_source_file(
    state: State<'_, AppState>,
    args: ReadFileArgs,
) -> AppResult<Response> {
    let root = state.staging.root(&path_arg(&args.root)?)?;
    let bytes = blocking(move || source::read(&root.path, &args.path)).await?;
    Ok(Response::new(bytes))
}

fn preview_child(c: &skillmeat_core::plan::PreviewChild) -> PreviewChild {
    PreviewChild {
        kind: c.kind.into(),
        name: c.name.clone(),
        content_hash: c.content_hash.to_hex(),
        current_hash: c.current_hash.map(|h| h.to_hex()),
    }
}

#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    args: PreviewArgs,
) -> AppResult<ImportPreview> {
    let path = path_arg(&args.path)?;
    let opened = blocking(move || bundle::open(&path, &std::env::temp_dir())).await?;
    let policy = args.policy.unwrap_or_default().engine();
    let mut plugins = Vec::new();
    for plugin in &opened.source.discovery.plugins {
        let plan = import::plan(Some(&state.collection), &opened.source, plugin, policy).await?;
        let p = Preview::from(&plan);
        plugins.push(PluginPreview {
            name: p.name,
            new: p.buckets.new.iter().map(preview_child).collect(),
            existing: p.buckets.existing.iter().map(preview_child).collect(),
            conflict: p.buckets.conflict.iter().map(preview_child).collect(),
        });
    }
    Ok(ImportPreview { plugins })
}

/// Imports every plugin of a folder or bundle, each in its own transaction
/// (each conflict under its entry in `choices`, or else under `policy`),
/// emitting `import-progress` as each starts and ends.
#[tauri::command]
pub async fn import_source<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    args: ImportArgs,
) -> AppResult<ImportSummary> {
    let path = path_arg(&args.path)?;
    // The page is done reading a staged bundle; the import verifies and
    // extracts it again.
    state.staging.release(&path);
    let scratch = state.home.root().to_owned();
    let opened = blocking(move || bundle::open(&path, &scratch)).await?;
    let plugins = &opened.source.discovery.plugins;
    let total = count(plugins.len());
    let mut choices = ConflictChoices::new(args.policy.engine());
    for c in &args.choices {
        choices.set(&c.plugin, c.kind.engine(), &c.name, c.policy.engine());
    }
    let mut results = Vec::with_capacity(plugins.len());
    for (i, plugin) in plugins.iter().enumerate() {
        let progress = |phase| ImportProgress {
            plugin: plugin.name.clone(),
            index: count(i),
            total,
            phase,
        };
        emit(&app, progress(ImportPhase::Started));
        let txn = crate::store::rows::new_id();
        let result = import::import_plugin(
            &state.collection,
            &opened.source,
            plugin,
            choices.clone(),
            &txn,
        )
        .await
        .unwrap_or_else(|e| ImportResult::failed(&plugin.name, txn, &e));
        let children = match &result.plugin_id {
            Some(id) if result.success => query::show(&state.collection, id, None)
                .await?
                .children
                .into_iter()
                .map(|c| {
                    Ok(StoredChild {
                        kind: Kind::from(c.artifact_type),
                        name: c.artifact_name,
                        pinned_hash: c.pinned_version_hash,
                    })
                })
                .collect::<crate::Result<Vec<_>>>()?,
            _ => Vec::new(),
        };
        emit(
            &app,
            progress(if result.success {
                ImportPhase::Finished
            } else {
                ImportPhase::Failed
            }),
        );
        results.push(PluginImport {
            success: result.success,
            plugin_name: result.plugin_name,
            plugin_id: result.plugin_id,
            children_imported: count(result.children_imported),
            children_reused: count(result.children_reused),
            children_new_version: count(result.children_new_version),
            errors: result.errors,
            transaction_id: result.transaction_id,
            children,
        });
    }
    Ok(ImportSummary { results })
}

fn emit<R: Runtime>(app: &AppHandle<R>, progress: ImportProgress) {
    if let Err(e) = app.emit(IMPORT_PROGRESS, progress) {
        tracing::warn!(error = %e, "could not emit import progress");
    }
}

#[tauri::command]
pub async fn collection_index(state: State<'_, AppState>) -> AppResult<IndexSnapshot> {
    Ok(super::snapshot::index(&state.collection).await?)
}

#[tauri::command]
pub async fn file_diff(state: State<'_, AppState>, args: DiffArgs) -> AppResult<FileDiff> {
    let root = state.staging.root(&path_arg(&args.path)?)?;
    Ok(source::diff(
        &state.collection,
        &root.path,
        &args.plugin,
        args.kind,
        &args.name,
    )
    .await?)
}

fn action(a: Action) -> DeployAction {
    match a {
        Action::Write => DeployAction::Write,
        Action::Replace => DeployAction::Replace,
        Action::Unchanged => DeployAction::Unchanged,
        Action::Conflict => DeployAction::Conflict,
        Action::Backup => DeployAction::Backup,
        Action::MergeHook => DeployAction::MergeHook,
        Action::MergeMcpServer => DeployAction::MergeMcpServer,
        Action::Remove => DeployAction::Remove,
    }
}

/// Deploys (or plans, with `dry_run`). A plan with conflicts is returned
/// as it is (conflicts marked); a deploy with conflicts fails with code
/// `conflict`.
#[tauri::command]
pub async fn deploy(state: State<'_, AppState>, args: DeployArgs) -> AppResult<DeployResult> {
    let project = path_arg(&args.project)?;
    let opts = Options {
        platform: args.platform.clone(),
        use_current: args.use_current,
        force: args.force,
        dry_run: args.dry_run,
    };
    let outcome =
        match deploy::deploy(&state.home, &state.collection, &args.name, &project, &opts).await {
            Ok(outcome) => outcome,
            Err(Error::DeployConflict { plan, .. }) if args.dry_run => *plan,
            Err(e) => return Err(e.into()),
        };
    Ok(DeployResult {
        name: outcome.name,
        kind: outcome.kind.into(),
        project: outcome.project,
        platform: outcome.platform,
        dry_run: outcome.dry_run,
        operations: outcome
            .operations
            .into_iter()
            .map(|o| DeployOperation {
                action: action(o.action),
                path: o.path,
                artifact: o.artifact,
                detail: o.detail,
            })
            .collect(),
        warnings: outcome.warnings,
        deployed: outcome
            .deployed
            .into_iter()
            .map(|d| DeployedArtifact {
                kind: d.kind.into(),
                name: d.name,
                parent: d.parent,
                content_hash: d.content_hash,
            })
            .collect(),
    })
}

#[tauri::command]
pub async fn undeploy(state: State<'_, AppState>, args: UndeployArgs) -> AppResult<UndeployResult> {
    let project = path_arg(&args.project)?;
    let r = deploy::undeploy(
        &state.home,
        Some(&state.collection),
        &args.name,
        &project,
        args.force,
    )
    .await?;
    Ok(UndeployResult {
        name: r.name,
        project: r.project,
        removed: r.removed,
        kept: r.kept,
        notes: r.notes,
        restored: r.restored,
        backed_up: r.backed_up,
        hooks_removed: count(r.hooks_removed),
        mcp_servers_removed: count(r.mcp_servers_removed),
        mcp_servers_restored: r.mcp_servers_restored,
    })
}

#[tauri::command]
pub async fn project_status(
    state: State<'_, AppState>,
    args: ProjectArgs,
) -> AppResult<ProjectStatus> {
    let project = path_arg(&args.project)?;
    let r = deploy::status(&state.home, Some(&state.collection), &project).await?;
    let items = r
        .items
        .into_iter()
        .map(|i| DeployedStatus {
            kind: i.kind.into(),
            name: i.name,
            parent: i.parent,
            status: match i.status {
                deploy::State::Ok => Drift::Ok,
                deploy::State::Modified => Drift::Modified,
                deploy::State::Missing => Drift::Missing,
                deploy::State::Outdated => Drift::Outdated,
            },
            deployed_hash: i.deployed_hash,
            current_hash: i.current_hash,
        })
        .collect();
    Ok(ProjectStatus {
        project: r.project,
        items,
    })
}

/// Writes a bundle zip (secrets refused). Without `out`, into the user's
/// home folder.
#[tauri::command]
pub async fn export_bundle(
    state: State<'_, AppState>,
    args: ExportArgs,
) -> AppResult<ExportResult> {
    let out = match args.out.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(o) => PathBuf::from(o),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| state.home.root().to_owned()),
    };
    let r = bundle::export(
        &state.collection,
        &args.name,
        Some(Path::new(&out)),
        bundle::Secrets::Refuse,
    )
    .await?;
    Ok(ExportResult {
        path: r.path.display().to_string(),
        content_hash: r.content_hash.to_hex(),
        files: count(r.files),
        bytes: r.bytes,
        plugin: r.plugin,
        version: r.version,
    })
}

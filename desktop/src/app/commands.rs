//! The Tauri commands: each calls one function of the operations layer
//! with its `args` and returns the transfer type, or the error as a
//! [`PublicError`]. Nothing here decides anything the operations could.

use std::path::PathBuf;

use tauri::ipc::Response;
use tauri::{AppHandle, Emitter, Runtime, State};

use super::{AppState, IMPORT_PROGRESS};
use crate::ops::transfer::*;
use crate::ops::{self, ImportStep};

type AppResult<T> = Result<T, PublicError>;

/// The page calls this once its first frame is painted: cold start to first
/// paint in milliseconds (the first call is the one recorded).
#[tauri::command]
pub fn first_paint() -> u64 {
    crate::startup::first_paint_ms()
}

#[tauri::command]
pub async fn list_artifacts(state: State<'_, AppState>, args: ListArgs) -> AppResult<ArtifactList> {
    Ok(ops::list(&state.scope, args).await?)
}

#[tauri::command]
pub async fn show_artifact(
    state: State<'_, AppState>,
    args: ShowArgs,
) -> AppResult<ArtifactDetail> {
    Ok(ops::show(&state.scope, args).await?)
}

/// A folder's files; a bundle zip is verified and extracted (staged) so the
/// page reads its files like a folder's.
#[tauri::command]
pub async fn list_source(state: State<'_, AppState>, args: SourceArgs) -> AppResult<SourceListing> {
    Ok(ops::list_source(&state.scope, &state.staging, args).await?)
}

/// The raw bytes (an `ArrayBuffer` in the page).
#[tauri::command]
pub async fn read_source_file(
    state: State<'_, AppState>,
    args: ReadFileArgs,
) -> AppResult<Response> {
    let bytes = ops::read_source_file(&state.staging, args).await?;
    Ok(Response::new(bytes))
}

/// The wizard's three buckets, per plugin, in one call: the engine reads
/// and hashes the folder or bundle (a bundle stays staged for `file_diff`).
#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    args: PreviewArgs,
) -> AppResult<ImportPreview> {
    Ok(ops::preview_staged(&state.scope, &state.staging, args).await?)
}

/// Imports every plugin of a folder or bundle, each in its own transaction,
/// emitting `import-progress` as each starts and ends.
#[tauri::command]
pub async fn import_source<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    args: ImportArgs,
) -> AppResult<ImportSummary> {
    // The page is done reading a staged bundle; the import verifies and
    // extracts it again.
    state.staging.release(&args.path);
    let summary = ops::import(&state.scope, args, |step| match step {
        ImportStep::Started(p) | ImportStep::Ended(p, _) => emit(&app, p),
    })
    .await?;
    Ok(summary.for_client())
}

fn emit<R: Runtime>(app: &AppHandle<R>, progress: &ImportProgress) {
    if let Err(e) = app.emit(IMPORT_PROGRESS, progress) {
        tracing::warn!(error = %e, "could not emit import progress");
    }
}

#[tauri::command]
pub async fn collection_index(state: State<'_, AppState>) -> AppResult<IndexSnapshot> {
    Ok(ops::index(&state.scope).await?)
}

#[tauri::command]
pub async fn file_diff(state: State<'_, AppState>, args: DiffArgs) -> AppResult<FileDiff> {
    Ok(ops::file_diff(&state.scope, &state.staging, args).await?)
}

/// Deploys (or plans, with `dry_run`). A plan with conflicts is returned
/// as it is (conflicts marked); a deploy with conflicts fails with code
/// `conflict`.
#[tauri::command]
pub async fn deploy(state: State<'_, AppState>, args: DeployArgs) -> AppResult<DeployResult> {
    let dry_run = args.dry_run;
    match ops::deploy(&state.scope, args).await {
        Err(e) if dry_run => Ok(ops::conflict_plan(&e).ok_or(e)?),
        result => Ok(result?),
    }
}

#[tauri::command]
pub async fn undeploy(state: State<'_, AppState>, args: UndeployArgs) -> AppResult<UndeployResult> {
    Ok(ops::undeploy(&state.scope, args).await?)
}

/// Removes a plugin or an artifact (or, with `dry_run`, says what would
/// go); refused with code `conflict` for one in a plugin or deployed.
#[tauri::command]
pub async fn remove_artifact(
    state: State<'_, AppState>,
    args: RemoveArgs,
) -> AppResult<RemoveResult> {
    Ok(ops::remove(&state.scope, args).await?)
}

/// Makes an earlier stored version of an artifact current again.
#[tauri::command]
pub async fn use_version(state: State<'_, AppState>, args: UseArgs) -> AppResult<UseResult> {
    Ok(ops::use_version(&state.scope, args).await?)
}

/// Each plugin checked against its recorded source, by content hash.
#[tauri::command]
pub async fn outdated(state: State<'_, AppState>, args: OutdatedArgs) -> AppResult<OutdatedReport> {
    Ok(ops::outdated(&state.scope, args).await?)
}

/// The changed plugins imported again (or, with `dry_run`, their buckets).
#[tauri::command]
pub async fn update_plugins(
    state: State<'_, AppState>,
    args: UpdateArgs,
) -> AppResult<UpdateResult> {
    Ok(ops::update(&state.scope, args).await?)
}

#[tauri::command]
pub async fn project_status(
    state: State<'_, AppState>,
    args: ProjectArgs,
) -> AppResult<ProjectStatus> {
    Ok(ops::status(&state.scope, args).await?)
}

/// Writes a bundle zip (secrets refused). Without `out`, into the user's
/// home folder.
#[tauri::command]
pub async fn export_bundle(
    state: State<'_, AppState>,
    mut args: ExportArgs,
) -> AppResult<ExportResult> {
    if args.out.as_ref().is_none_or(|o| o.as_os_str().is_empty()) {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| state.scope.home().root().to_owned());
        args.out = Some(home);
    }
    Ok(ops::export(&state.scope, args).await?)
}

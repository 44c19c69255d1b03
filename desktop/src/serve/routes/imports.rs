//! The hash-first import (DESIGN.md §12): plan from hashes, ask which blobs
//! are missing, upload only those, import from the file list (202), follow
//! the import. Also the server's background work for it: removing old
//! uploads, and stopping imports on shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};

use super::{local_only, op};
use crate::error::Error;
use crate::ops;
use crate::ops::transfer::{
    BlobStored, BlobsStored, BundlePlanArgs, CompositeImportArgs, ImportJob, ImportPreview,
    ImportStarted, MissingArgs, MissingBlobs, PlanArgs,
};
use crate::serve::Shared;
use crate::serve::error::ApiError;

/// The largest body of a plan, a `missing` question or an import's file
/// list (a 17,000-file marketplace's list is about 2.5 MB).
pub const LIST_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The three buckets of each plugin against the collection, from the
/// children's kinds, names and content hashes as the client computed them
/// (no file is sent; nothing is written).
#[utoipa::path(
    post,
    path = "/api/v1/plan",
    tag = "import",
    request_body(content = PlanArgs, example = json!({
        "plugins": [{"name": "canvas", "children": [
            {"kind": "skill", "name": "canvas-design", "content_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"}
        ]}],
        "on_conflict": "new-version"
    })),
    responses(
        (status = 200, description = "Each plugin's children in three buckets", body = ImportPreview,
            example = json!({"plugins": [{"name": "canvas", "buckets": {
                "new": [{"kind": "skill", "name": "canvas-design", "content_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "current_hash": null}],
                "existing": [], "conflict": []}}]})),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn plan(
    State(state): State<Shared>,
    Json(args): Json<PlanArgs>,
) -> Result<Json<ImportPreview>, ApiError> {
    let preview = op(&state, |s| async move { ops::plan(&s.scope, args).await }).await?;
    Ok(Json(preview))
}

/// The three buckets of each plugin of a bundle zip uploaded as one blob
/// (`PUT /api/v1/blobs/{sha256}` first), as `skillmeat preview BUNDLE.zip`
/// gives them: the server opens and verifies the zip as an import of it
/// does, with the same refusals (nothing is written).
#[utoipa::path(
    post,
    path = "/api/v1/plan/bundle",
    tag = "import",
    request_body(content = BundlePlanArgs, example = json!({
        "bundle": {"path": "canvas-1.0.0.zip", "size": 5161,
            "sha256": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9"}
    })),
    responses(
        (status = 200, description = "Each plugin's children in three buckets", body = ImportPreview,
            example = json!({"plugins": [{"name": "canvas", "buckets": {
                "new": [{"kind": "skill", "name": "canvas-design", "content_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "current_hash": null}],
                "existing": [], "conflict": []}}]})),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 409, response = crate::serve::api::BlobsMissing),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn plan_bundle(
    State(state): State<Shared>,
    Json(args): Json<BundlePlanArgs>,
) -> Result<Json<ImportPreview>, ApiError> {
    let preview = op(
        &state,
        |s| async move { ops::plan_bundle(&s.scope, args).await },
    )
    .await?;
    Ok(Json(preview))
}

/// Which of these contents the server holds neither in the collection nor
/// in its uploads: upload those (and only those) before importing.
#[utoipa::path(
    post,
    path = "/api/v1/blobs/missing",
    tag = "import",
    request_body(content = MissingArgs, example = json!({"sha256": [
        "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
        "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9"
    ]})),
    responses(
        (status = 200, description = "The hashes the server lacks, each once, in the order asked", body = MissingBlobs,
            example = json!({"missing": ["9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9"]})),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn missing(
    State(state): State<Shared>,
    Json(args): Json<MissingArgs>,
) -> Result<Json<MissingBlobs>, ApiError> {
    let missing = op(&state, |s| async move {
        ops::missing_blobs(&s.scope, args).await
    })
    .await?;
    Ok(Json(missing))
}

/// Uploads one file's bytes. The server hashes them as it writes them and
/// keeps them only if they are the blob named; an upload is not part of the
/// collection until an import uses it, and one no import uses is removed
/// after a day (`SKILLMEAT_UPLOAD_TTL` seconds). Uploading again is harmless.
#[utoipa::path(
    put,
    path = "/api/v1/blobs/{sha256}",
    tag = "import",
    params(("sha256" = String, Path, description = "The SHA-256 of the bytes (64 lowercase hex digits)",
        example = "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c")),
    request_body(content = [u8], content_type = "application/octet-stream", description = "The blob's bytes (a file, or a bundle zip uploaded whole), at most 1 GiB"),
    responses(
        (status = 200, description = "Kept", body = BlobStored,
            example = json!({"sha256": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "size": 1234})),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::HashMismatch),
    )
)]
pub async fn put_blob(
    State(state): State<Shared>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BlobStored>, ApiError> {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let stored = ops::put_blob(&state.scope, &sha256, length, body.into_data_stream())
        .await
        .map_err(mismatch_is_422)?;
    metrics::counter!(crate::serve::metrics::UPLOADED_BYTES).increment(stored.size);
    metrics::counter!(crate::serve::metrics::UPLOADED_BLOBS).increment(1);
    Ok(Json(stored))
}

/// Uploads many small blobs in one body (a folder's files the server
/// lacks, packed by the page), in a simple framing: per blob a header line
/// `SHA256 SIZE\n` (64 lowercase hex digits, a space, the size in decimal),
/// then exactly SIZE bytes; the next blob's header follows. Each blob is
/// hashed as it is written and kept only if it is the blob named: the first
/// that is not is a 422 naming it, nothing of it kept (the blobs before it
/// are kept; ask `missing` again). The body may hold at most 16 MiB (413);
/// larger blobs go one by one (`PUT /api/v1/blobs/{sha256}`).
#[utoipa::path(
    post,
    path = "/api/v1/blobs",
    tag = "import",
    request_body(content = [u8], content_type = "application/octet-stream",
        description = "Blobs, each as `SHA256 SIZE\\n` then SIZE bytes; at most 16 MiB in all"),
    responses(
        (status = 200, description = "Every blob kept, in the order sent", body = BlobsStored,
            example = json!({"stored": [{"sha256": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "size": 1234}]})),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::HashMismatch),
    )
)]
pub async fn put_blobs(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<Json<BlobsStored>, ApiError> {
    let stored = ops::put_blobs(&state.scope, body)
        .await
        .map_err(mismatch_is_422)?;
    let bytes: u64 = stored.stored.iter().map(|b| b.size).sum();
    metrics::counter!(crate::serve::metrics::UPLOADED_BYTES).increment(bytes);
    metrics::counter!(crate::serve::metrics::UPLOADED_BLOBS).increment(stored.stored.len() as u64);
    Ok(Json(stored))
}

/// Bytes that are not the blob named: 422 (not the 400 of other bad input).
fn mismatch_is_422(e: Error) -> ApiError {
    match e {
        Error::BlobMismatch { .. } => {
            ApiError::from(e).with_status(StatusCode::UNPROCESSABLE_ENTITY)
        }
        e => ApiError::from(e),
    }
}

/// Imports a folder from its file list (every blob uploaded first) or a
/// `source` path on the server's machine (not on a `--public` server). The
/// server rebuilds the folder from the blobs, discovers and hashes it
/// itself, answers 202 with its own plan, and imports in the background,
/// each plugin in its own transaction; follow it with
/// `GET /api/v1/imports/{transaction_id}`. A blob not uploaded is a 409
/// naming it, and nothing is written.
#[utoipa::path(
    post,
    path = "/api/v1/artifacts/import/composite",
    tag = "import",
    request_body(content = CompositeImportArgs, example = json!({
        "files": [
            {"path": ".claude-plugin/plugin.json", "sha256": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9", "size": 61, "executable": false},
            {"path": "skills/canvas-design/SKILL.md", "sha256": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "size": 70, "executable": false}
        ],
        "root_name": "canvas",
        "on_conflict": "new-version"
    })),
    responses(
        (status = 202, description = "Accepted: the import runs; the plan the server made", body = ImportStarted,
            example = json!({
                "transaction_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                "status": "in_progress",
                "parent": {"name": "canvas", "pending": true},
                "children": [{"name": "canvas-design", "kind": "skill", "status": "imported", "hash_status": "new",
                    "content_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"}],
                "plugins": [{"parent": {"name": "canvas", "pending": true},
                    "children": [{"name": "canvas-design", "kind": "skill", "status": "imported", "hash_status": "new",
                        "content_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"}]}]
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 403, response = crate::serve::api::Forbidden),
        (status = 409, response = crate::serve::api::BlobsMissing),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn import_composite(
    State(state): State<Shared>,
    Json(args): Json<CompositeImportArgs>,
) -> Result<(StatusCode, Json<ImportStarted>), ApiError> {
    if args.source.is_some() {
        local_only(&state)?;
    }
    let started = op(&state, |s| async move {
        ops::start_import(&s.scope, args).await
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// An import started by `POST /api/v1/artifacts/import/composite`:
/// `in_progress`, `succeeded` (with each plugin's result) or `failed` (with
/// `error`, and the results of the plugins it reached). Finished imports
/// are kept for an hour (the last 100).
#[utoipa::path(
    get,
    path = "/api/v1/imports/{transaction_id}",
    tag = "import",
    params(("transaction_id" = String, Path, description = "The id the 202 gave", example = "01JZ8Y4W5N3K9Q2R7T6V0XABCD")),
    responses(
        (status = 200, description = "The import's state", body = ImportJob,
            example = json!({"transaction_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD", "status": "succeeded",
                "result": {"results": [{"success": true, "plugin_name": "canvas", "plugin_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCE",
                    "children_imported": 1, "children_reused": 0, "children_new_version": 0, "errors": [],
                    "transaction_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCF", "dry_run": false,
                    "children": [{"kind": "skill", "name": "canvas-design", "pinned_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"}]}],
                    "warnings": []}})),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn import_status(
    State(state): State<Shared>,
    Path(transaction_id): Path<String>,
) -> Result<Json<ImportJob>, ApiError> {
    let job = ops::import_status(&state.scope, &transaction_id).await?;
    Ok(Json(job))
}

/// Removes old unused uploads now and then, from the server's start on
/// (every half of [`ops::upload_ttl`], at least every second, at most
/// every hour).
pub fn sweep_uploads(state: &Shared) {
    let state = Arc::clone(state);
    let every = (ops::upload_ttl() / 2).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    tokio::spawn(async move {
        loop {
            match ops::sweep_uploads(&state.scope).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "old uploads removed"),
                Err(e) => tracing::warn!(error = %e, "removing old uploads"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// On shutdown: no plugin starts any more; the imports running finish the
/// plugin they are in, for at most `grace`; one still running then is
/// stopped and its plugin in flight rolled back.
pub async fn stop_imports(state: &Shared, grace: Duration) {
    match ops::stop_jobs(&state.scope, grace).await {
        Ok(0) => {}
        Ok(cut) => eprintln!(
            "skillmeat serve: {cut} import(s) still running after {} s were stopped; \
             the plugin in flight was rolled back",
            grace.as_secs()
        ),
        Err(e) => eprintln!(
            "skillmeat serve: imports still running after {} s were stopped; rolling back \
             the plugin in flight failed ({e}); it is rolled back when the collection is next opened",
            grace.as_secs()
        ),
    }
}

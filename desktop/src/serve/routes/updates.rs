//! Checking plugins against their sources, and updating the changed ones.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::op;
use crate::ops;
use crate::ops::transfer::{OutdatedArgs, OutdatedReport, UpdateArgs, UpdateJob, UpdateStarted};
use crate::serve::Shared;
use crate::serve::error::ApiError;
use crate::serve::wire::OutdatedQuery;

/// Reads each plugin's recorded source again (a git source is fetched into
/// the server's cache unless `offline`) and compares content hashes, never
/// versions: `up_to_date`, `changed` (with the children that are new,
/// changed or gone, old and new hashes), `unreachable`, `gone`, or
/// `untracked` (no source recorded). A source that cannot be read is a
/// plugin's state, not an error; an unknown `name` is 404. Nothing is
/// written to the collection.
#[utoipa::path(
    get,
    path = "/api/v1/outdated",
    tag = "artifacts",
    params(OutdatedQuery),
    responses(
        (status = 200, description = "Each plugin's state against its source", body = OutdatedReport,
            example = json!({
                "plugins": [{
                    "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                    "name": "superpowers",
                    "state": "changed",
                    "source": "https://github.com/obra/superpowers.git",
                    "commit": "4f1e0c9b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
                    "latest_commit": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b",
                    "content_hash": "5d41402abc4b2a76b9719d911017c592ae2f1e0b8c3d4e5f60718293a4b5c6d7",
                    "latest_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                    "children": [{
                        "kind": "skill",
                        "name": "brainstorming",
                        "change": "changed",
                        "old_hash": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9",
                        "new_hash": "0c2e4a6b8d1f3e5a7c9b0d2f4e6a8c1b3d5f7e9a0b2c4d6e8f1a3b5c7d9e0f2a"
                    }],
                    "reason": null
                }]
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn outdated(
    State(state): State<Shared>,
    Query(query): Query<OutdatedQuery>,
) -> Result<Json<OutdatedReport>, ApiError> {
    let args = OutdatedArgs {
        names: query.name.map(|n| vec![n]),
        offline: Some(query.offline),
    };
    let report = op(
        &state,
        |s| async move { ops::outdated(&s.scope, args).await },
    )
    .await?;
    Ok(Json(report))
}

/// Imports the changed plugins (all, or `names`) again from their sources,
/// each in its own transaction under `on_conflict` (`new-version` by
/// default, as an import); each plugin's provenance becomes the commit
/// read. With `dry_run` nothing is written and `previews` holds each
/// changed plugin's NEW, EXISTING and CONFLICT children. Deployed projects
/// are not touched: their status then says `outdated`. Fetching and
/// importing can take longer than a request may: the answer is 202 at once
/// with the update's id; follow it with
/// `GET /api/v1/updates/{transaction_id}`.
#[utoipa::path(
    post,
    path = "/api/v1/update",
    tag = "artifacts",
    request_body(content = UpdateArgs,
        example = json!({"names": ["superpowers"], "dry_run": true, "on_conflict": "new-version"})),
    responses(
        (status = 202, description = "Accepted: the update runs; follow it by its id", body = UpdateStarted,
            example = json!({"transaction_id": "01JZ8Y5A0B1C2D3E4F5G6H7J8K", "status": "in_progress"})),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn update(
    State(state): State<Shared>,
    Json(args): Json<UpdateArgs>,
) -> Result<(StatusCode, Json<UpdateStarted>), ApiError> {
    let held = state.clone();
    let work = async move { ops::update(&held.scope, args).await };
    let started = ops::start_update(&state.scope, work)?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// An update started by `POST /api/v1/update`: `in_progress`, `succeeded`
/// (with what was checked, and each changed plugin's plan or import, whose
/// `success` says whether it worked) or `failed` (with `error`: an unknown
/// name is `not_found`; and what it did, when the server stopped half-way).
/// Finished updates are kept for an hour (the last 100).
#[utoipa::path(
    get,
    path = "/api/v1/updates/{transaction_id}",
    tag = "artifacts",
    params(("transaction_id" = String, Path, description = "The id the 202 gave", example = "01JZ8Y5A0B1C2D3E4F5G6H7J8K")),
    responses(
        (status = 200, description = "The update's state", body = UpdateJob,
            example = json!({
                "transaction_id": "01JZ8Y5A0B1C2D3E4F5G6H7J8K",
                "status": "succeeded",
                "result": {
                    "dry_run": false,
                    "checked": [{
                        "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                        "name": "superpowers",
                        "state": "changed",
                        "source": "https://github.com/obra/superpowers.git",
                        "commit": "4f1e0c9b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
                        "latest_commit": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b",
                        "content_hash": "5d41402abc4b2a76b9719d911017c592ae2f1e0b8c3d4e5f60718293a4b5c6d7",
                        "latest_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                        "children": [],
                        "reason": null
                    }],
                    "previews": [],
                    "results": [{
                        "success": true,
                        "plugin_name": "superpowers",
                        "plugin_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                        "children_imported": 0,
                        "children_reused": 11,
                        "children_new_version": 1,
                        "errors": [],
                        "transaction_id": "01JZ8Y5A0B1C2D3E4F5G6H7J8M",
                        "dry_run": false,
                        "children": [],
                        "loads_in_claude_code": true,
                        "load_errors": [],
                        "validation_errors": []
                    }]
                }
            })),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn update_status(
    State(state): State<Shared>,
    Path(transaction_id): Path<String>,
) -> Result<Json<UpdateJob>, ApiError> {
    let job = ops::update_status(&state.scope, &transaction_id).await?;
    Ok(Json(job))
}

//! Removing a plugin or an artifact, making an earlier version current.

use axum::Json;
use axum::extract::{Path, Query, State};

use super::op;
use crate::ops;
use crate::ops::transfer::{RemoveArgs, RemoveResult, UseArgs, UseResult};
use crate::serve::Shared;
use crate::serve::error::ApiError;
use crate::serve::wire::{RemoveQuery, UseBody};

/// Removes a plugin (with its memberships and the children no other plugin
/// contains, unless `keep_children`) or one artifact, and the stored files
/// no remaining version references. An artifact that is part of a plugin,
/// or deployed in a project, is refused with 409 unless `force`; with
/// `dry_run` nothing is written and the answer says what would go.
#[utoipa::path(
    delete,
    path = "/api/v1/artifacts/{id}",
    tag = "artifacts",
    params(
        ("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "composite:superpowers"),
        RemoveQuery
    ),
    responses(
        (status = 200, description = "Removed (or, with dry_run, what would be)", body = RemoveResult,
            example = json!({
                "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                "name": "superpowers",
                "kind": "composite",
                "dry_run": false,
                "removed": [
                    {"id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD", "kind": "composite", "name": "superpowers", "versions": 1},
                    {"id": "01JZ8Y4W5N3K9Q2R7T6V0XABCE", "kind": "skill", "name": "brainstorming", "versions": 2}
                ],
                "kept": [{"kind": "skill", "name": "writing-plans", "reason": "also in plugin planner"}],
                "overridden": [],
                "blobs_freed": 12,
                "bytes_freed": 48213
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
        (status = 409, response = crate::serve::api::Conflict),
    )
)]
pub async fn remove(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<RemoveQuery>,
) -> Result<Json<RemoveResult>, ApiError> {
    let args = RemoveArgs {
        name: id,
        keep_children: query.keep_children,
        force: query.force,
        dry_run: query.dry_run,
    };
    let removed = op(&state, |s| async move { ops::remove(&s.scope, args).await }).await?;
    Ok(Json(removed))
}

/// Makes an earlier stored version of the artifact current again: its
/// current files, the lock file and the manifest change; plugins keep the
/// versions they pin. An unknown hash is 404, and the message lists the
/// artifact's versions.
#[utoipa::path(
    post,
    path = "/api/v1/artifacts/{id}/use",
    tag = "artifacts",
    params(("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "skill:brainstorming")),
    request_body = UseBody,
    responses(
        (status = 200, description = "The version now current", body = UseResult,
            example = json!({
                "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCE",
                "name": "brainstorming",
                "kind": "skill",
                "from_hash": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9",
                "to_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                "changed": true
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn use_version(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<UseBody>,
) -> Result<Json<UseResult>, ApiError> {
    let args = UseArgs {
        name: id,
        hash: body.hash,
    };
    let used = op(
        &state,
        |s| async move { ops::use_version(&s.scope, args).await },
    )
    .await?;
    Ok(Json(used))
}

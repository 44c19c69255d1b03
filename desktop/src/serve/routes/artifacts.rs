//! The collection's artifacts: the list, one artifact, its associations, a
//! stored file, the bundle.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::op;
use crate::ops;
use crate::ops::transfer::{
    ArtifactInfo, ArtifactPage, Associations, AssociationsArgs, ExportArgs, FileArgs, ShowArgs,
};
use crate::serve::Shared;
use crate::serve::error::ApiError;
use crate::serve::wire::{AssociationsQuery, BundleQuery, FileQuery, ListQuery};

/// axum's route of [`file`]: the path may have any depth.
pub const FILE_ROUTE: &str = "/api/v1/artifacts/{id}/files/{*path}";

/// The artifacts, plugins first, then by type and name; one page of them.
#[utoipa::path(
    get,
    path = "/api/v1/artifacts",
    tag = "artifacts",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of the artifacts matching the filters", body = ArtifactPage,
            example = json!({
                "items": [{
                    "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                    "artifact_uuid": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                    "name": "superpowers",
                    "type": "composite",
                    "subtype": "plugin",
                    "version": "4.0.3",
                    "child_count": 3,
                    "content_hash": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9",
                    "created_at": "2026-02-19T10:00:00Z",
                    "updated_at": "2026-02-19T10:00:00Z"
                }],
                "total": 1,
                "count": 1
            })),
        (status = 400, response = crate::serve::api::BadInput),
    )
)]
pub async fn list(
    State(state): State<Shared>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ArtifactPage>, ApiError> {
    let args = query.args()?;
    let list = op(&state, |s| async move { ops::list(&s.scope, args).await }).await?;
    Ok(Json(list.into()))
}

/// One artifact: its versions, source, the plugins it belongs to, its
/// children and where it is deployed.
#[utoipa::path(
    get,
    path = "/api/v1/artifacts/{id}",
    tag = "artifacts",
    params(("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "composite:superpowers")),
    responses(
        (status = 200, description = "The artifact", body = ArtifactInfo,
            example = json!({
                "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                "artifact_uuid": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                "name": "superpowers",
                "type": "composite",
                "subtype": "plugin",
                "version": "4.0.3",
                "description": "Core skills library",
                "source": "/home/me/src/superpowers",
                "content_hash": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9",
                "created_at": "2026-02-19T10:00:00Z",
                "updated_at": "2026-02-19T10:00:00Z",
                "versions": [{"content_hash": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9", "file_count": 12, "created_at": "2026-02-19T10:00:00Z", "current": true}],
                "parents": [],
                "children": [{
                    "artifact_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCE",
                    "artifact_name": "brainstorming",
                    "artifact_type": "skill",
                    "relationship_type": "MEMBER",
                    "pinned_version_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                    "current_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                    "path": "skills/brainstorming",
                    "created_at": "2026-02-19T10:00:00Z"
                }],
                "deployments": []
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn show(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<ArtifactInfo>, ApiError> {
    let args = ShowArgs {
        name_or_id: id,
        kind: None,
    };
    let detail = op(&state, |s| async move { ops::show(&s.scope, args).await }).await?;
    Ok(Json(detail.into()))
}

/// An artifact's parents (the plugins it belongs to) and children, with the
/// version each plugin pins and the collection's current one.
#[utoipa::path(
    get,
    path = "/api/v1/artifacts/{id}/associations",
    tag = "artifacts",
    params(
        ("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "composite:superpowers"),
        AssociationsQuery
    ),
    responses(
        (status = 200, description = "Its parents and children; a side not asked for is empty", body = Associations,
            example = json!({
                "artifact_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
                "parents": [],
                "children": [{
                    "artifact_id": "01JZ8Y4W5N3K9Q2R7T6V0XABCE",
                    "artifact_name": "brainstorming",
                    "artifact_type": "skill",
                    "relationship_type": "MEMBER",
                    "pinned_version_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                    "current_hash": "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
                    "path": "skills/brainstorming",
                    "created_at": "2026-02-19T10:00:00Z"
                }]
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn associations(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<AssociationsQuery>,
) -> Result<Json<Associations>, ApiError> {
    let args = AssociationsArgs {
        id,
        include_parents: query.include_parents.unwrap_or(true),
        include_children: query.include_children.unwrap_or(true),
        relationship_type: query.relationship_type,
    };
    let found = op(&state, |s| async move {
        ops::associations(&s.scope, args).await
    })
    .await?;
    Ok(Json(found))
}

/// The bytes of one file of a stored version (for diffs): the current
/// version unless `version` names another by its content hash. The path is
/// relative to the artifact (`SKILL.md`, `references/api.md`); a one-file
/// artifact's file is `/files/` with nothing after it.
#[utoipa::path(
    get,
    path = "/api/v1/artifacts/{id}/files/{path}",
    tag = "artifacts",
    params(
        ("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "skill:brainstorming"),
        ("path" = String, Path, description = "The file, relative to the artifact, `/`-separated (it may hold `/`)", example = "SKILL.md"),
        FileQuery
    ),
    responses(
        (status = 200, description = "The file's bytes", body = [u8], content_type = "application/octet-stream"),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn file(
    State(state): State<Shared>,
    Path((id, path)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
) -> Result<Response, ApiError> {
    stored_file(state, id, path, query).await
}

/// The one file of a one-file artifact (a command, an agent), whose path in
/// its version is empty: the current version unless `version` names another.
#[utoipa::path(
    get,
    path = "/api/v1/artifacts/{id}/files/",
    tag = "artifacts",
    params(
        ("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "agent:guard-reviewer"),
        FileQuery
    ),
    responses(
        (status = 200, description = "The file's bytes", body = [u8], content_type = "application/octet-stream"),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn single_file(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<FileQuery>,
) -> Result<Response, ApiError> {
    stored_file(state, id, String::new(), query).await
}

async fn stored_file(
    state: Shared,
    id: String,
    path: String,
    query: FileQuery,
) -> Result<Response, ApiError> {
    let args = FileArgs {
        id,
        path,
        version: query.version,
    };
    let bytes = op(&state, |s| async move { ops::file(&s.scope, args).await }).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}

/// The plugin's (or one artifact's) bundle zip: the same bytes as
/// `skillmeat export`.
#[utoipa::path(
    get,
    path = "/api/v1/artifacts/{id}/bundle",
    tag = "artifacts",
    params(
        ("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "composite:superpowers"),
        BundleQuery
    ),
    responses(
        (status = 200, description = "The bundle zip (`Content-Disposition` names it `<name>-<version>.zip`)", body = [u8], content_type = "application/zip"),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn bundle(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<BundleQuery>,
) -> Result<Response, ApiError> {
    let (name, bytes) = op(&state, |s| async move {
        let dir = tempfile::tempdir()
            .map_err(|e| crate::Error::Internal(format!("a folder for the export: {e}")))?;
        let args = ExportArgs {
            name: id,
            out: Some(dir.path().to_owned()),
            allow_secrets: query.allow_secrets,
        };
        let made = ops::export(&s.scope, args).await?;
        let zip = std::path::PathBuf::from(&made.path);
        let name = zip
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle.zip".to_owned());
        let bytes = std::fs::read(&zip)
            .map_err(|e| crate::Error::Internal(format!("reading the export back: {e}")))?;
        Ok((name, bytes))
    })
    .await?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\'], "_")
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}

//! Deploying into a project, taking a deployment out, a project's status.
//! The project is a folder on the server's machine: a `--public` server
//! refuses all three (403).

use axum::Json;
use axum::extract::{Path, Query, State};

use super::{local_only, op};
use crate::ops;
use crate::ops::transfer::{
    DeployArgs, DeployResult, ProjectArgs, ProjectStatus, UndeployArgs, UndeployResult,
};
use crate::serve::Shared;
use crate::serve::error::ApiError;
use crate::serve::wire::{DeployBody, StatusQuery, UndeployBody, project_path};

/// Deploys the plugin (all its children and files) or one artifact into the
/// project's `.claude/`. A plan that would replace what it may not is
/// refused with 409 (`force` replaces, keeping backups); with `dry_run`
/// nothing is written and the plan comes back, conflicts marked.
#[utoipa::path(
    post,
    path = "/api/v1/artifacts/{id}/deploy",
    tag = "projects",
    params(("id" = String, Path, description = "The id (ULID), `type:name` or the name", example = "composite:guardrails")),
    request_body = DeployBody,
    responses(
        (status = 200, description = "Deployed (or, with dry_run, the plan)", body = DeployResult,
            example = json!({
                "name": "guardrails",
                "kind": "composite",
                "project": "/home/me/src/app",
                "platform": "claude-code",
                "dry_run": false,
                "operations": [
                    {"action": "write", "path": ".claude/agents/guard-reviewer.md", "artifact": "guard-reviewer"},
                    {"action": "merge-hook", "path": ".claude/settings.json", "artifact": "hooks", "detail": "PreToolUse"}
                ],
                "warnings": [],
                "deployed": [{"kind": "agent", "name": "guard-reviewer", "parent": "guardrails", "content_hash": "5d41402abc4b2a76b9719d911017c592ae2f1e0b8c3d4e5f60718293a4b5c6d7"}]
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 403, response = crate::serve::api::Forbidden),
        (status = 404, response = crate::serve::api::NotFound),
        (status = 409, response = crate::serve::api::Conflict),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn deploy(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<DeployBody>,
) -> Result<Json<DeployResult>, ApiError> {
    local_only(&state)?;
    let args = DeployArgs {
        name: id,
        project: project_path(&body.project)?,
        platform: crate::ops::transfer::CLAUDE_CODE.to_owned(),
        dry_run: body.dry_run,
        use_current: body.use_current,
        force: body.force,
        mode: body.mode,
    };
    let dry_run = args.dry_run;
    let result = op(&state, move |s| async move {
        match ops::deploy(&s.scope, args).await {
            // A dry run shows the plan, conflicts and all.
            Err(e) if dry_run => ops::conflict_plan(&e).ok_or(e),
            done => done,
        }
    })
    .await?;
    Ok(Json(result))
}

/// Removes exactly what the deployment wrote from the project.
#[utoipa::path(
    post,
    path = "/api/v1/artifacts/{id}/undeploy",
    tag = "projects",
    params(("id" = String, Path, description = "The deployment: its name, `type:name`, or the artifact's id", example = "guardrails")),
    request_body = UndeployBody,
    responses(
        (status = 200, description = "Taken out", body = UndeployResult,
            example = json!({
                "name": "guardrails",
                "project": "/home/me/src/app",
                "removed": [".claude/agents/guard-reviewer.md"],
                "kept": [],
                "notes": [],
                "restored": [],
                "backed_up": [],
                "hooks_removed": 1,
                "mcp_servers_removed": 0,
                "mcp_servers_restored": []
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 403, response = crate::serve::api::Forbidden),
        (status = 404, response = crate::serve::api::NotFound),
        (status = 409, response = crate::serve::api::Conflict),
        (status = 413, response = crate::serve::api::TooLarge),
        (status = 422, response = crate::serve::api::Unprocessable),
    )
)]
pub async fn undeploy(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<UndeployBody>,
) -> Result<Json<UndeployResult>, ApiError> {
    local_only(&state)?;
    let args = UndeployArgs {
        name: id,
        project: project_path(&body.project)?,
        force: body.force,
    };
    let result = op(
        &state,
        |s| async move { ops::undeploy(&s.scope, args).await },
    )
    .await?;
    Ok(Json(result))
}

/// Every artifact deployed in the project: `ok`, `modified`, `missing` or
/// `outdated`.
#[utoipa::path(
    get,
    path = "/api/v1/projects/status",
    tag = "projects",
    params(StatusQuery),
    responses(
        (status = 200, description = "The project's deployments", body = ProjectStatus,
            example = json!({
                "project": "/home/me/src/app",
                "items": [{
                    "kind": "agent",
                    "name": "guard-reviewer",
                    "parent": "guardrails",
                    "status": "ok",
                    "deployed_hash": "5d41402abc4b2a76b9719d911017c592ae2f1e0b8c3d4e5f60718293a4b5c6d7",
                    "current_hash": "5d41402abc4b2a76b9719d911017c592ae2f1e0b8c3d4e5f60718293a4b5c6d7",
                    "deployment": "guardrails"
                }]
            })),
        (status = 400, response = crate::serve::api::BadInput),
        (status = 403, response = crate::serve::api::Forbidden),
        (status = 404, response = crate::serve::api::NotFound),
    )
)]
pub async fn status(
    State(state): State<Shared>,
    Query(query): Query<StatusQuery>,
) -> Result<Json<ProjectStatus>, ApiError> {
    local_only(&state)?;
    let args = ProjectArgs {
        project: project_path(&query.project)?,
    };
    let result = op(&state, |s| async move { ops::status(&s.scope, args).await }).await?;
    Ok(Json(result))
}

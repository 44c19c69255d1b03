//! The collection as a whole, and the server itself.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::op;
use crate::ops;
use crate::ops::transfer::{ServerInfo, VerifyReport};
use crate::serve::Shared;
use crate::serve::error::ApiError;
use crate::serve::wire::Health;

/// Re-hashes everything stored and checks the database, the stored files
/// and the records files against each other. `ok` is false when they
/// disagree; `problems` says where.
#[utoipa::path(
    post,
    path = "/api/v1/verify",
    tag = "collection",
    responses(
        (status = 200, description = "The check's result (200 whether or not it found problems)", body = VerifyReport,
            example = json!({"ok": true, "artifacts": 4, "versions": 4, "blobs": 9, "problems": []})),
    )
)]
pub async fn verify(State(state): State<Shared>) -> Result<Json<VerifyReport>, ApiError> {
    let report = op(&state, |s| async move { ops::verify(&s.scope).await }).await?;
    Ok(Json(report))
}

/// This description (OpenAPI 3.1), as committed in `docs/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "server",
    responses(
        (status = 200, description = "The OpenAPI document", body = Object, content_type = "application/json"),
    )
)]
pub async fn openapi(State(state): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
}

/// The server's version, its collection, and whether it serves this
/// machine only (the browser UI shows Deploy and Project only then).
#[utoipa::path(
    get,
    path = "/api/v1/server",
    tag = "server",
    responses((status = 200, description = "The server", body = ServerInfo,
        example = json!({"version": "0.1.0", "collection": "default", "loopback": true}))),
)]
pub async fn server(State(state): State<Shared>) -> Json<ServerInfo> {
    Json(ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        collection: state.scope.name().to_owned(),
        loopback: !state.public,
    })
}

/// Whether the server answers; needs no token.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "server",
    responses((status = 200, description = "It answers", body = Health)),
)]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

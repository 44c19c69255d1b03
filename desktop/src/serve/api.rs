//! The routes and their OpenAPI description, listed once: a route added
//! here is served and described (utoipa-axum pairs each handler with its
//! `#[utoipa::path]`). `docs/openapi.json` is this description, committed;
//! `desktop/tests/openapi.rs` fails when it is stale.
//!
//! To extend: write the handler with its `#[utoipa::path]` in
//! `routes/`, add one `.routes(routes!(…))` line below, regenerate
//! `docs/openapi.json` (`SKILLMEAT_WRITE_OPENAPI=1 cargo test -p skillmeat
//! --test openapi`).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Components, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::extract::DefaultBodyLimit;
use tower_http::limit::RequestBodyLimitLayer;

use super::routes::{artifacts, imports, lifecycle, projects, system, updates};
use super::{BODY_LIMIT, Shared};
use crate::ops::transfer::{ErrorCode, PublicError};

/// Every route of the server, each under its body limit: a JSON request
/// [`BODY_LIMIT`], a plan, `missing` question or import's file list
/// [`imports::LIST_BODY_LIMIT`], a batch of blobs
/// [`crate::ops::BATCH_BODY_LIMIT`]; an upload is counted by its handler
/// against [`crate::ops::blob_limit`] as it streams.
pub fn router() -> OpenApiRouter<Shared> {
    let lists = OpenApiRouter::new()
        .routes(routes!(imports::plan))
        .routes(routes!(imports::missing))
        .routes(routes!(imports::import_composite))
        .layer(DefaultBodyLimit::max(imports::LIST_BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(imports::LIST_BODY_LIMIT));
    let uploads = OpenApiRouter::new()
        .routes(routes!(imports::put_blob))
        .layer(DefaultBodyLimit::disable());
    let batches = OpenApiRouter::new()
        .routes(routes!(imports::put_blobs))
        .layer(DefaultBodyLimit::max(crate::ops::BATCH_BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(crate::ops::BATCH_BODY_LIMIT));
    json_routes()
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(lists)
        .merge(uploads)
        .merge(batches)
}

fn json_routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(imports::import_status))
        .routes(routes!(imports::plan_bundle))
        .routes(routes!(artifacts::list))
        .routes(routes!(artifacts::show, lifecycle::remove))
        .routes(routes!(artifacts::associations))
        .routes(routes!(artifacts::single_file))
        .routes(routes!(artifacts::bundle))
        .routes(routes!(lifecycle::use_version))
        .routes(routes!(updates::outdated))
        .routes(routes!(updates::update))
        .routes(routes!(updates::update_status))
        .routes(routes!(projects::deploy))
        .routes(routes!(projects::undeploy))
        .routes(routes!(projects::status))
        .routes(routes!(system::verify))
        .routes(routes!(system::openapi))
        .routes(routes!(system::server))
        .routes(routes!(system::health))
        .routes(routes!(super::docs::page))
        // A path of any depth: axum's `{*path}`, described as `{path}`.
        .route(artifacts::FILE_ROUTE, axum::routing::get(artifacts::file))
}

/// The description of every route: the handlers' own, with the bearer
/// scheme and the errors every route shares.
pub fn document() -> Document {
    let mut doc = router().into_openapi();
    Security.modify(&mut doc);
    doc
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "skillmeat",
        description = "The HTTP API of `skillmeat serve`: a collection of Claude Code artifacts \
            (skills, commands, agents, hooks, MCP servers) and the plugins that bundle them.\n\n\
            Every `/api/` route needs `Authorization: Bearer <token>` (the token is in \
            `$SKILLMEAT_HOME/server-token`, and in the URL `skillmeat serve` prints). Errors are \
            `{code, message}`; `code` is one of `bad_input`, `not_found`, `conflict`, \
            `unauthorized`, `forbidden`, `too_large`, `internal`, and `busy` (503 with \
            `Retry-After`: a collection on PostgreSQL had no free connection; nothing was \
            done). An artifact `{id}` is its id \
            (a ULID), `type:name` (`skill:brainstorming`, `composite:superpowers`) or its name."
    ),
    // Routed by hand (a path of any depth; the metrics' own router).
    paths(artifacts::file, super::metrics::render),
    components(schemas(PublicError, ErrorCode), responses(
        BadInput, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, Unprocessable, Internal,
        Unavailable, HashMismatch, BlobsMissing
    )),
    security(("bearer_token" = [])),
    tags(
        (name = "artifacts", description = "The collection's artifacts, their associations, files and bundles"),
        (name = "import", description = "The hash-first import: plan from hashes, upload only the missing blobs, import from the file list, follow it"),
        (name = "projects", description = "Deploying into a project on the server's machine (refused by a --public server)"),
        (name = "collection", description = "The collection as a whole"),
        (name = "server", description = "The server itself"),
    )
)]
struct ApiDoc;

/// The bearer scheme, and the errors every route may answer: 401 (every
/// `/api/` route), 500 and 503 (every route).
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let guarded =
                (path.starts_with("/api/") && path != "/api/docs") || path == super::metrics::ROUTE;
            for op in operations(item) {
                if guarded {
                    add_response(op, "401", "Unauthorized");
                } else {
                    op.security = Some(Vec::new());
                }
                add_response(op, "500", "Internal");
                add_response(op, "503", "Unavailable");
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn add_response(op: &mut Operation, status: &str, name: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

// The error responses, each `{code, message}` with an example.

/// A parameter or the input of the operation is wrong.
#[derive(ToResponse)]
#[response(example = json!({"code": "bad_input", "message": "Failed to deserialize query string: include_parents: provided string was not `true` or `false`"}))]
pub struct BadInput(#[allow(dead_code)] PublicError);

/// No token, or the wrong one.
#[derive(ToResponse)]
#[response(example = json!({"code": "unauthorized", "message": "wrong token"}))]
pub struct Unauthorized(#[allow(dead_code)] PublicError);

/// Not on a server started with `--public`.
#[derive(ToResponse)]
#[response(example = json!({"code": "forbidden", "message": "this server was started with --public: deploy, undeploy and status work on folders of the server's machine and are refused (run skillmeat there)"}))]
pub struct Forbidden(#[allow(dead_code)] PublicError);

/// No such artifact, version or file.
#[derive(ToResponse)]
#[response(example = json!({"code": "not_found", "message": "no artifact named \"skill:nope\" in collection \"default\""}))]
pub struct NotFound(#[allow(dead_code)] PublicError);

/// It would replace what it may not (retry with `force`), or something else
/// holds what it needs.
#[derive(ToResponse)]
#[response(example = json!({"code": "conflict", "message": "not deploying guardrails: it would replace what it may not (--force replaces files and MCP servers that skillmeat did not write or that were changed since, keeping a backup; read-only files and other deployments' files are never replaced):\n  .claude/agents/guard-reviewer.md"}))]
pub struct Conflict(#[allow(dead_code)] PublicError);

/// The body is over the limit (1 MiB).
#[derive(ToResponse)]
#[response(example = json!({"code": "too_large", "message": "length limit exceeded"}))]
pub struct TooLarge(#[allow(dead_code)] PublicError);

/// The body is JSON, but not of the shape asked for.
#[derive(ToResponse)]
#[response(example = json!({"code": "bad_input", "message": "Failed to deserialize the JSON body into the target type: missing field `project` at line 1 column 2"}))]
pub struct Unprocessable(#[allow(dead_code)] PublicError);

/// The bytes sent are not the blob their hash names; nothing was kept.
#[derive(ToResponse)]
#[response(example = json!({"code": "bad_input", "message": "the bytes sent hash to 9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9, not 3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c; nothing was kept"}))]
pub struct HashMismatch(#[allow(dead_code)] PublicError);

/// The import names blobs the server does not hold; nothing was written.
#[derive(ToResponse)]
#[response(example = json!({"code": "conflict", "message": "1 blob(s) not uploaded: 3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c; upload them (PUT /api/v1/blobs/{sha256}) and try again"}))]
pub struct BlobsMissing(#[allow(dead_code)] PublicError);

/// Our fault: the details are in the server's log, never here.
#[derive(ToResponse)]
#[response(example = json!({"code": "internal", "message": "internal error; the details are in the log (SKILLMEAT_LOG=error)"}))]
pub struct Internal(#[allow(dead_code)] PublicError);

/// The request took longer than the server's limit (120 s; the operation
/// goes on), or every pooled database connection stayed in use for the
/// pool's acquire timeout (`busy`, with `Retry-After`: nothing was done).
#[derive(ToResponse)]
#[response(example = json!({"code": "internal", "message": "the request took longer than 120 s; the operation goes on, and a later request shows its result"}))]
pub struct Unavailable(#[allow(dead_code)] PublicError);

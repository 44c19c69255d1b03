//! `GET /metrics`: the process's metrics in Prometheus text, behind the
//! token. The recorder is `metrics-exporter-prometheus`'s, installed once
//! per process without its own HTTP listener; this route renders it.
//!
//! Besides the engine's metrics (DESIGN.md §10: `plugin_import_total`,
//! `dedup_hit_total`, `dedup_miss_total`, `composite_conflict_total`,
//! `plugin_import_duration_seconds`, `artifact_hash_compute_duration_seconds`),
//! the blobs uploaded count in `blob_upload_bytes_total` and
//! `blob_upload_total`; every response counts in `http_server_requests_total` and
//! `http_server_request_duration_seconds`, labelled by `method`, `route`
//! (the route's template, `/api/v1/artifacts/{id}`, never the path asked
//! for; `unmatched` for a path no route has) and `status`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::Shared;
use crate::error::{Error, Result};

/// The route of the metrics (outside `/api/`, but behind the token).
pub const ROUTE: &str = "/metrics";

/// Bytes of blobs kept by `PUT /api/v1/blobs/{sha256}` (what clients uploaded).
pub const UPLOADED_BYTES: &str = "blob_upload_bytes_total";
/// Blobs kept by `PUT /api/v1/blobs/{sha256}`.
pub const UPLOADED_BLOBS: &str = "blob_upload_total";

/// The histograms' buckets, in seconds: from 100 µs (a cached read) to
/// 60 s (a large import).
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0, 60.0,
];

/// How often the histograms' recent samples are folded in.
const UPKEEP: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's (once) and keeps it
/// tidy on a task of the runtime.
pub fn install() -> Result<()> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|e| Error::Internal(format!("installing the metrics recorder: {e}")))?;
    let handle = HANDLE.get_or_init(|| handle).clone();
    describe();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
    Ok(())
}

/// The metrics' help lines; the seed's counters start at 0, so that a
/// scrape before the first import already has them.
fn describe() {
    use metrics::{counter, describe_counter, describe_histogram};
    describe_counter!("plugin_import_total", "Plugins imported, by status");
    describe_counter!("dedup_hit_total", "Children linked to an existing version");
    describe_counter!(
        "dedup_miss_total",
        "Children stored as a new artifact or version"
    );
    describe_counter!(
        "composite_conflict_total",
        "Children whose name exists with other content"
    );
    describe_histogram!("plugin_import_duration_seconds", "One plugin's import");
    describe_histogram!(
        "artifact_hash_compute_duration_seconds",
        "One artifact's content hash"
    );
    describe_counter!(
        "http_server_requests_total",
        "Responses, by method, route and status"
    );
    describe_histogram!(
        "http_server_request_duration_seconds",
        "Time to the response's head, by method, route and status"
    );
    describe_counter!(UPLOADED_BYTES, "Bytes of the blobs uploaded and kept");
    describe_counter!(UPLOADED_BLOBS, "Blobs uploaded and kept");
    for status in ["success", "failure"] {
        counter!("plugin_import_total", "status" => status).increment(0);
    }
    for name in [
        "dedup_hit_total",
        "dedup_miss_total",
        "composite_conflict_total",
        UPLOADED_BYTES,
        UPLOADED_BLOBS,
    ] {
        counter!(name).increment(0);
    }
}

/// The route.
pub fn router() -> Router<Shared> {
    Router::new().route(ROUTE, get(render))
}

/// The process's metrics in Prometheus text (the engine's, the uploads',
/// and every route's requests and latencies); needs the token.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "server",
    responses((
        status = 200,
        description = "Prometheus text exposition (version 0.0.4)",
        content_type = "text/plain",
        body = String,
        example = "# TYPE plugin_import_total counter\nplugin_import_total{status=\"success\"} 3\n"
    )),
)]
pub(super) async fn render() -> impl IntoResponse {
    let text = HANDLE
        .get()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

/// Counts every response and its latency by method, route and status.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_server_requests_total", &labels).increment(1);
    metrics::histogram!("http_server_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The method as a label: a method the server does not know is `other`
/// (a client must not grow the label set).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

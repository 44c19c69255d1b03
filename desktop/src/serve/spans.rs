//! Each request's span: named by its method and route template
//! (`GET /api/v1/artifacts/{id}`), with OpenTelemetry's HTTP attributes;
//! when spans are exported over OTLP ([`crate::telemetry`]) it continues the
//! trace of an incoming W3C `traceparent`.

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderMap;
use axum::response::Response;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry;

/// The span of one request (tower-http's `make_span_with`).
pub fn request(request: &Request) -> Span {
    let method = request.method();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let span = tracing::info_span!(
        "HTTP request",
        otel.name = %format_args!("{method} {}", route.unwrap_or("unmatched")),
        otel.kind = "server",
        http.request.method = %method,
        http.route = route,
        url.path = request.uri().path(),
        http.response.status_code = Empty,
    );
    if let Some(parent) = remote_parent(request.headers()) {
        // Only fails when no OpenTelemetry layer is installed: then there is
        // nothing to continue.
        let _ = span.set_parent(parent);
    }
    span
}

/// The remote parent a request names in its W3C `traceparent` (and
/// `tracestate`) header, when spans are exported.
fn remote_parent(headers: &HeaderMap) -> Option<opentelemetry::Context> {
    if !telemetry::exporting() || !headers.contains_key("traceparent") {
        return None;
    }
    let extractor = opentelemetry_http::HeaderExtractor(headers);
    Some(TraceContextPropagator::new().extract(&extractor))
}

/// Records the status and logs the response (tower-http's `on_response`).
pub fn response(response: &Response, latency: Duration, span: &Span) {
    let status = response.status().as_u16();
    span.record("http.response.status_code", status);
    tracing::info!(
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        "finished processing request"
    );
}

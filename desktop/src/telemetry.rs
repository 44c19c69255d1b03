//! Logs, spans, traces and metrics.
//!
//! Spans and events go through `tracing`; `SKILLMEAT_LOG` sets the filter
//! of the lines written to stderr (default `warn`) and `--log-format json`
//! switches them to JSON lines.
//!
//! Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the engine's spans (the
//! `skillmeat` and `skillmeat_core` targets, `info` and up) are exported
//! over OTLP/HTTP in protobuf, batched on a thread of their own; the other
//! standard variables apply (`OTEL_SERVICE_NAME`, default `skillmeat`;
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`;
//! `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off).
//! Unset, no exporter is built and no span goes anywhere but the log
//! filter. [`Telemetry`] flushes what is left when it is dropped: the CLI
//! holds it until it exits.
//!
//! Metrics go through the `metrics` facade with the names of DESIGN.md §10;
//! `skillmeat serve` installs a Prometheus recorder (`GET /metrics`), the
//! CLI none.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The process's telemetry; dropping it flushes the spans not yet exported
/// and stops the exporter.
#[derive(Debug, Default)]
#[must_use = "dropping it stops the trace exporter"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take() {
            EXPORTING.store(false, Ordering::Relaxed);
            if let Err(e) = provider.shutdown() {
                eprintln!("skillmeat: exporting the last spans over OTLP: {e}");
            }
        }
    }
}

/// Set while an OTLP exporter is installed: HTTP requests then read their
/// `traceparent`.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Installs the global subscriber, with the OTLP exporter when the
/// environment asks for one. Safe to call once per process (a second call
/// installs nothing and exports nothing).
///
/// A log line that cannot be written (stderr closed, as in
/// `skillmeat … 2>&1 | head -2`) is dropped. tracing-subscriber's default
/// is to report the failure with `eprintln!`, which panics when stderr is
/// the thing that failed: on the main thread the command died with exit
/// 101; on the SQLite worker thread of sqlx (its statements are logged at
/// `debug`) the worker died and the command waited for it forever.
pub fn init(format: LogFormat, verbose: u8) -> Telemetry {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("SKILLMEAT_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .with_span_events(FmtSpan::CLOSE);
    let lines: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Text => lines.with_filter(filter).boxed(),
        LogFormat::Json => lines
            .json()
            .with_current_span(true)
            .with_filter(filter)
            .boxed(),
    };
    let provider = otlp_provider();
    let traces = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("skillmeat"))
            .with_filter(
                Targets::new()
                    .with_target("skillmeat", Level::INFO)
                    .with_target("skillmeat_core", Level::INFO),
            )
    });
    if tracing_subscriber::registry()
        .with(lines)
        .with(traces)
        .try_init()
        .is_err()
    {
        // Another subscriber was there first: nothing would reach ours.
        if let Some(p) = provider {
            let _ = p.shutdown();
        }
        return Telemetry::default();
    }
    EXPORTING.store(provider.is_some(), Ordering::Relaxed);
    Telemetry { traces: provider }
}

/// Whether the environment asks for OTLP traces.
fn otlp_wanted() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let is = |name: &str, value: &str| {
        std::env::var(name).is_ok_and(|v| v.trim().eq_ignore_ascii_case(value))
    };
    (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        && !is("OTEL_SDK_DISABLED", "true")
        && !is("OTEL_TRACES_EXPORTER", "none")
}

/// The tracer provider exporting over OTLP/HTTP, when wanted; a bad
/// endpoint is reported on stderr and the command goes on without traces.
fn otlp_provider() -> Option<SdkTracerProvider> {
    if !otlp_wanted() {
        return None;
    }
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("skillmeat: OTEL_EXPORTER_OTLP_ENDPOINT: {e}; no traces are exported");
            return None;
        }
    };
    let named = std::env::var_os("OTEL_SERVICE_NAME").is_some()
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| v.contains("service.name="));
    let resource = match named {
        true => Resource::builder().build(),
        false => Resource::builder().with_service_name("skillmeat").build(),
    };
    Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build(),
    )
}

/// Whether spans are exported over OTLP (an HTTP request's `traceparent`
/// is then worth reading).
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// `artifact_hash_compute_duration_seconds`.
pub fn record_hash_duration(elapsed: Duration) {
    metrics::histogram!("artifact_hash_compute_duration_seconds").record(elapsed.as_secs_f64());
}

/// `span` (made with `parent: None`) continued in the trace of the span
/// current now, without becoming its child in `tracing`: a background job
/// started by a request is in the request's trace, under its span, and the
/// request's span still ends when the request does (a `tracing` parent
/// stays open as long as any child). Without an exporter, `span` as is.
pub fn in_current_trace(span: tracing::Span) -> tracing::Span {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    // Fails only when no OpenTelemetry layer is installed: nothing to continue.
    let _ = span.set_parent(tracing::Span::current().context());
    span
}

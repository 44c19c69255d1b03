//! Logs, spans and metrics.
//!
//! Spans and events go through `tracing`; `SKILLMEAT_LOG` sets the filter
//! (default `warn`) and `--log-format json` switches stderr output to JSON
//! lines. Metrics go through the `metrics` facade with the names of
//! DESIGN.md §10; no exporter is installed by default.

use std::time::Duration;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global subscriber. Safe to call once per process.
///
/// A log line that cannot be written (stderr closed, as in
/// `skillmeat … 2>&1 | head -2`) is dropped. tracing-subscriber's default
/// is to report the failure with `eprintln!`, which panics when stderr is
/// the thing that failed: on the main thread the command died with exit
/// 101; on the SQLite worker thread of sqlx (its statements are logged at
/// `debug`) the worker died and the command waited for it forever.
pub fn init(format: LogFormat, verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("SKILLMEAT_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .with_span_events(FmtSpan::CLOSE);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}

/// `artifact_hash_compute_duration_seconds`.
pub fn record_hash_duration(elapsed: Duration) {
    metrics::histogram!("artifact_hash_compute_duration_seconds").record(elapsed.as_secs_f64());
}

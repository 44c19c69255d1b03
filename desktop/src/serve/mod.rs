//! `skillmeat serve`: the HTTP face (DESIGN.md §12), the only axum code.
//!
//! Like the CLI and the desktop app it is an adapter over the operations
//! layer ([`crate::ops`]): each handler parses its request into an `ops`
//! request, calls one `ops` function and maps the result to JSON and the
//! error to a status with `{code, message}` ([`error`]). The collection is
//! opened once and held ([`Scope::held`]); the CLI and the desktop app may
//! use it at the same time (SQLite's locking, as between two CLIs).
//!
//! - Loopback by default ([`DEFAULT_LISTEN`], port 7676); any other address
//!   needs `--public`, which also refuses deploy, undeploy and status (the
//!   project is a folder on the server's machine): 403.
//! - Every `/api/` route needs `Authorization: Bearer <token>` ([`token`]),
//!   except the static API page (`/api/docs`), which holds no data and asks
//!   for the rest with the token. `/healthz` and the browser UI at `/`
//!   ([`ui`], the files embedded in the binary) need none. No CORS headers.
//! - `GET /metrics` ([`metrics`]): Prometheus text, behind the token.
//! - Layers (tower-http): tracing (a span per request, continuing an
//!   incoming `traceparent` when traces are exported: [`spans`]), request
//!   counts and latencies ([`metrics`]), gzip, a panic is a 500, plain error
//!   responses become `{code, message}`, a time limit, the token, a body
//!   limit ([`BODY_LIMIT`]).
//! - SIGINT or SIGTERM: stop accepting, let requests in flight finish, for at
//!   most [`SHUTDOWN_GRACE`]. An operation runs as its own task, so a client
//!   that goes away never cancels one half-way.
//!
//! The routes are listed once, in [`api`], with their OpenAPI description
//! (utoipa): `/api/v1/openapi.json` and the committed `docs/openapi.json`
//! are generated from them.

mod api;
mod auth;
mod docs;
mod error;
mod metrics;
mod routes;
mod spans;
mod token;
mod ui;
mod wire;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::{Error, Result};
use crate::home::Home;
use crate::ops::Scope;

pub use token::Token;

/// The port `skillmeat serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7676;

/// `127.0.0.1:7676`.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, DEFAULT_PORT));

/// The largest request body (a JSON request; uploads come with their own
/// routes and limits).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How long one request may take before the client gets a 503 (the
/// operation itself runs on to its end).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// `skillmeat serve`'s options.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub collection: String,
    /// The token's file; `$SKILLMEAT_HOME/server-token` (created on first
    /// start) by default.
    pub token_file: Option<PathBuf>,
    /// Listening beyond loopback is allowed; project routes answer 403.
    pub public: bool,
}

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct State {
    pub scope: Scope,
    pub token: Token,
    pub public: bool,
    /// `/api/v1/openapi.json`, generated once.
    pub openapi: String,
}

pub(crate) type Shared = Arc<State>;

/// Runs the server until SIGINT or SIGTERM; the CLI's exit code.
pub fn run(home: Home, config: Config) -> Result<i32> {
    if !config.listen.ip().is_loopback() && !config.public {
        return Err(Error::Usage(format!(
            "--listen {}: not a loopback address; add --public to serve other machines \
             (anyone who has the token can then read the collection; deploy, undeploy and \
             status are refused)",
            config.listen
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the async runtime: {e}")))?;
    let served = runtime.block_on(serve(home, config));
    // Blocking work of a request cut off after the grace period (a large
    // bundle being extracted) is not waited for: the shutdown stays bounded.
    // Its scratch folder is swept by the next bundle opened.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served?;
    Ok(0)
}

async fn serve(home: Home, config: Config) -> Result<()> {
    let token = match &config.token_file {
        Some(file) => Token::read(file)?,
        None => Token::load_or_create(&home)?,
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| Error::Usage(format!("--listen {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(format!("the listening address: {e}")))?;
    metrics::install()?;
    let scope = Scope::held(home, &config.collection).await?;
    let state = Arc::new(State {
        scope,
        public: config.public,
        openapi: openapi_json(),
        token,
    });
    if config.public {
        eprintln!(
            "skillmeat serve: warning: --public: {addr} may be reachable from other machines; \
             anyone with the token can read the collection (deploy, undeploy and status are refused)"
        );
    }
    println!(
        "skillmeat serve: http://{addr}/#token={} (collection {:?}; Ctrl-C stops)",
        state.token.as_str(),
        config.collection
    );
    routes::imports::sweep_uploads(&state);
    let background = state.clone();
    let (stopping, stopped) = watch::channel(false);
    let server = axum::serve(listener, app(state)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        eprintln!(
            "skillmeat serve: stopping (waiting up to {} s for requests in flight)",
            SHUTDOWN_GRACE.as_secs()
        );
        let _ = stopping.send(true);
    });
    let served = tokio::select! {
        served = server => served.map_err(|e| Error::Internal(format!("serving: {e}"))),
        () = grace_over(stopped) => {
            eprintln!("skillmeat serve: requests still in flight after the grace period; stopping");
            Ok(())
        }
    };
    routes::imports::stop_imports(&background, SHUTDOWN_GRACE).await;
    served
}

/// Resolves [`SHUTDOWN_GRACE`] after the shutdown began.
async fn grace_over(mut stopped: watch::Receiver<bool>) {
    if stopped.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(SHUTDOWN_GRACE).await;
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// The whole application: the routes of [`api`] and the browser UI, under
/// the layers (the last added is the outermost: a request meets tracing
/// first, the body limit last).
fn app(state: Shared) -> Router {
    let (routes, _) = api::router().split_for_parts();
    let compress = DefaultPredicate::new().and(NotForContentType::new("application/zip"));
    routes
        .merge(metrics::router())
        .fallback(ui::page)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(CatchPanicLayer::custom(error::panicked))
        // gzip's fastest level: JSON still shrinks ~5×, at a fraction of
        // the default level's CPU per answer.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(compress),
        )
        .layer(axum::middleware::from_fn(metrics::record))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(spans::request)
                .on_response(spans::response),
        )
        .with_state(state)
}

/// The OpenAPI 3.1 description of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::document()
}

/// [`openapi`] as pretty JSON with a final newline: `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

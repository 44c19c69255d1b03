//! The API page: one static HTML file shipped in the binary (no CDN, no
//! build step), which asks for `/api/v1/openapi.json` with the token and
//! lists every route, its parameters, bodies, responses and examples, and
//! the schemas. Opened with `#token=…` it keeps the token for the tab
//! (sessionStorage, shared with the browser UI) and takes it out of the
//! address bar.

use axum::http::header;
use axum::response::IntoResponse;

/// The page, served at `/api/docs`.
const PAGE: &str = include_str!("static/docs.html");

/// The `/api/` paths that need no token: static, they hold no data.
pub const PUBLIC_PAGES: &[&str] = &["/api/docs"];

/// Scripts and styles only from the page itself; it talks to this server
/// only; no frames, forms or base URL elsewhere.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// This page: every route, its parameters, bodies and responses with
/// examples, read from `/api/v1/openapi.json` (with the token from the URL
/// `skillmeat serve` printed, or asked for). Needs no token itself.
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "server",
    responses((status = 200, description = "The API page (HTML; it works offline)", body = String, content_type = "text/html")),
)]
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        PAGE,
    )
}

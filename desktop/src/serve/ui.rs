//! The browser UI: the React app of `ui/` (built into `ui/dist` by `make
//! ui-build`), served at `/` from files inside the binary, so `skillmeat
//! serve` works from any folder. Release builds embed `ui/dist` (the
//! Makefile's release targets build it first); debug builds read it from the
//! repository at run time. A binary built before the UI was has none: `/`
//! then answers 404 saying how to build it, and the API still works.
//!
//! - Every path that is not `/api/…` and names no file is `index.html` (the
//!   app decides what to show); a missing file (`/assets/x.js`, `/x.png`) is
//!   a 404.
//! - `assets/` names carry their content hash (Vite): cached for a year;
//!   `index.html` is revalidated every time.
//! - No token: the files hold no data, and the page takes the token from
//!   the URL's fragment (`#token=…`), which the browser never sends.
//! - The CSP lets the page run only its own scripts, and the wasm core.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::error::{ApiError, no_route};
use crate::error::ErrorCode;

#[derive(RustEmbed)]
#[folder = "../ui/dist"]
#[allow_missing = true]
struct Dist;

/// Own scripts, styles, images and fonts only; the wasm core may be
/// compiled; requests go to this server only; no frames, plugins, forms or
/// base URL elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

/// Hashed names never change content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What a binary without the UI answers at `/`.
pub const NOT_BUILT: &str = "the browser UI was not built into this skillmeat binary: run \
    `make ui-build`, then build skillmeat again (the API under /api/ and its page at /api/docs \
    work without it)";

/// The router's fallback: a UI file, `index.html` for an app path, or
/// (under `/api/`, or for a method other than GET and HEAD) no route.
pub async fn page(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let api = path == "/api" || path.starts_with("/api/");
    if api || !(method == Method::GET || method == Method::HEAD) {
        return no_route(method, uri).await.into_response();
    }
    let name = path.trim_start_matches('/');
    if let Some(response) = file(name) {
        return response;
    }
    if names_a_file(name) {
        return no_route(method, uri).await.into_response();
    }
    file("index.html")
        .unwrap_or_else(|| ApiError::new(ErrorCode::NotFound, NOT_BUILT).into_response())
}

/// An asset (`assets/…`) or a name with an extension in its last segment.
fn names_a_file(name: &str) -> bool {
    name.starts_with("assets/")
        || name
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// One embedded file with its type and caching (`""` is `index.html`).
fn file(name: &str) -> Option<Response> {
    let name = if name.is_empty() { "index.html" } else { name };
    let found = Dist::get(name)?;
    let mime = found.metadata.mimetype();
    let content_type = match mime.starts_with("text/") {
        true => HeaderValue::from_str(&format!("{mime}; charset=utf-8")),
        false => HeaderValue::from_str(mime),
    }
    .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let cache = match name.starts_with("assets/") {
        true => IMMUTABLE,
        false => "no-cache",
    };
    let mut response = (StatusCode::OK, found.data.into_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::names_a_file;

    #[test]
    fn app_paths_are_not_files_and_assets_are() {
        for (name, is_file) in [
            ("assets/index-B9f3F5Xc.js", true),
            ("assets/missing", true),
            ("favicon.ico", true),
            ("some/route", false),
            ("artifact/01JZ8Y4W5N3K9Q2R7T6V0XABCD", false),
            ("", false),
        ] {
            assert_eq!(names_a_file(name), is_file, "{name:?}");
        }
    }
}

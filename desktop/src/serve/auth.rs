//! Every `/api/` request (and `/metrics`) needs `Authorization: Bearer <token>`, checked
//! before routing (an unknown `/api/` path without the token is a 401, not
//! a 404). The static API page needs none: it holds no data and asks for
//! the description with the token.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::docs::PUBLIC_PAGES;
use super::error::ApiError;
use crate::error::ErrorCode;

pub async fn require_token(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let guarded = path == "/api" || path.starts_with("/api/") || path == super::metrics::ROUTE;
    if !guarded || PUBLIC_PAGES.contains(&path) {
        return next.run(request).await;
    }
    match bearer(&request) {
        Some(given) if state.token.matches(given) => next.run(request).await,
        Some(_) => ApiError::new(ErrorCode::Unauthorized, "wrong token").into_response(),
        None => ApiError::new(
            ErrorCode::Unauthorized,
            "no token: send `Authorization: Bearer <token>` (the token is in \
             $SKILLMEAT_HOME/server-token and in the URL `skillmeat serve` printed)",
        )
        .into_response(),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme's
/// case does not matter).
fn bearer(request: &Request) -> Option<&[u8]> {
    let value = request.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

//! Every error a client gets is JSON `{code, message}` ([`PublicError`]):
//! an operation's error by its [`ErrorCode`], a refused request (a bad query
//! string, a body that is not the JSON asked for, one over the limit, a
//! method the route lacks) by its status. An internal error's message is
//! logged and never sent (`PublicError` decides that); a 5xx never shows
//! SQL, a trace or a path.

use std::any::Any;

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{Error, ErrorCode};
use crate::ops::transfer::{INTERNAL_MESSAGE, PublicError, public_message};

/// An error on its way to the client: a status and `{code, message}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: PublicError,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status: status_of(code),
            body: PublicError::new(code, message),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadInput, message)
    }

    /// The same `{code, message}` under another status (422 for an upload
    /// whose bytes are not the blob it names).
    pub fn with_status(self, status: StatusCode) -> ApiError {
        ApiError { status, ..self }
    }

    /// Ours: logged, and the client gets the fixed text.
    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        let message = public_message(ErrorCode::Internal, &message);
        ApiError::new(ErrorCode::Internal, message)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let body = PublicError::from(e);
        ApiError {
            status: status_of(body.code),
            body,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let busy = self.body.code == ErrorCode::Busy;
        let mut response = (self.status, Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if busy {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
        }
        response
    }
}

/// The seconds a busy server asks a client to wait (`Retry-After`).
pub const RETRY_AFTER: &str = "1";

/// The HTTP status of each error code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadInput => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error code of a status that no operation chose (axum's and
/// tower-http's refusals).
fn code_of(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::TooLarge,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadInput,
    }
}

/// The longest refusal text passed on (axum's are one line).
const MAX_TEXT: usize = 4096;

/// Turns an error response that is not JSON (an extractor's rejection, the
/// body limit, the time limit, a method the route lacks) into
/// `{code, message}` with the same status and headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match status.is_server_error() {
        true => String::new(),
        false => axum::body::to_bytes(body, MAX_TEXT)
            .await
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .unwrap_or_default(),
    };
    let message = match (status, text.is_empty()) {
        (StatusCode::SERVICE_UNAVAILABLE, _) => format!(
            "the request took longer than {} s; the operation goes on, and a later request shows its result",
            super::REQUEST_TIMEOUT.as_secs()
        ),
        (s, _) if s.is_server_error() => INTERNAL_MESSAGE.to_owned(),
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            "this route does not take that method (the Allow header lists those it takes)"
                .to_owned()
        }
        (s, true) => s.canonical_reason().unwrap_or("refused").to_lowercase(),
        (_, false) => text,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let json = Json(PublicError::new(code_of(status), message)).into_response();
    let (json_parts, json_body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, json_body)
}

/// No route has this path.
pub async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no route {method} {}", uri.path()),
    )
}

/// A handler panicked: a bug. The panic is logged; the client gets a 500.
pub fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    ApiError::internal(format!("a request handler panicked: {what}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_status_and_back() {
        for (code, status) in [
            (ErrorCode::BadInput, 400),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::Unauthorized, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::TooLarge, 413),
            (ErrorCode::Internal, 500),
        ] {
            assert_eq!(status_of(code).as_u16(), status, "{code:?}");
            assert_eq!(code_of(status_of(code)), code);
        }
        assert_eq!(
            code_of(StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::BadInput
        );
        assert_eq!(
            code_of(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            ErrorCode::BadInput
        );
        assert_eq!(
            code_of(StatusCode::SERVICE_UNAVAILABLE),
            ErrorCode::Internal
        );
    }

    #[test]
    fn an_internal_error_hides_its_message() {
        let e = ApiError::from(Error::Internal(
            "SELECT * FROM artifacts failed at /root/.skillmeat/skillmeat.db".into(),
        ));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.body.message, INTERNAL_MESSAGE);
    }
}

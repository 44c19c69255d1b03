//! The handlers: parse, call one `ops` function, map the result. Each
//! carries its OpenAPI description (`#[utoipa::path]`); [`super::api`]
//! lists them.

pub mod artifacts;
pub mod imports;
pub mod lifecycle;
pub mod projects;
pub mod system;
pub mod updates;

use std::future::Future;

use tracing::Instrument;

use super::Shared;
use super::error::ApiError;
use crate::error::{ErrorCode, Result};

/// Runs an operation as its own task: a client that goes away or a request
/// over the time limit stops the waiting, never the operation half-way.
/// The task runs in the request's span, so the operation's spans are the
/// request's children (in its trace).
async fn op<T, F, Fut>(state: &Shared, f: F) -> Result<T, ApiError>
where
    F: FnOnce(Shared) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    tokio::spawn(f(state.clone()).in_current_span())
        .await
        .map_err(|e| ApiError::internal(format!("an operation's task failed: {e}")))?
        .map_err(ApiError::from)
}

/// Deploy, undeploy and status touch a folder on the server's machine: not
/// for a server other machines may reach.
fn local_only(state: &Shared) -> Result<(), ApiError> {
    match state.public {
        false => Ok(()),
        true => Err(ApiError::new(
            ErrorCode::Forbidden,
            "this server was started with --public: deploy, undeploy and status work on \
             folders of the server's machine and are refused (run skillmeat there)",
        )),
    }
}

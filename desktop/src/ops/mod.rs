//! The operations layer: one typed function for each thing a user can ask
//! skillmeat to do — list, show, associations, a stored file, preview,
//! import, remove, use, outdated, update, deploy, undeploy, status, export, verify, lock,
//! migrate (and hash,
//! inspect, which need no collection; and the HTTP API's hash-first import:
//! plan, missing blobs, upload, an import in the background and its status).
//! Each takes a request and returns a response
//! ([`transfer`]) or an [`Error`] whose [`code`](Error::code) every face
//! maps. The faces — the CLI (`cli`), the desktop app (`app`) and the
//! HTTP server (`serve`) — are adapters: parse, call one of these, map the result
//! and the error (to an exit code, a `{code, message}`, an HTTP status).
//!
//! Architecture Invariant: a face never calls the store, import, deploy,
//! bundle, query, verify, collection, inspect or tree modules; it calls
//! these (`desktop/tests/layering.rs` checks every `crate::` path in
//! `src/cli`, `src/app` and `src/serve`). What two faces need is decided here once.
//!
//! This layer is thin: it opens the collection the way each operation needs
//! ([`Scope`]), resolves an artifact named by id, name or `type:name`, calls
//! the engine and maps its domain types to transfer types.

mod artifacts;
mod cache;
mod deploy;
mod export;
mod import;
mod index;
mod jobs;
mod lifecycle;
mod local;
mod migrate;
mod scope;
mod source;
mod staging;
pub mod transfer;
mod updates;
mod upload;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use artifacts::{associations, file, list, show};
pub use deploy::{conflict_plan, deploy, status, undeploy};
pub use export::{export, lock, verify};
pub use import::{ImportStep, import, preview, preview_staged};
pub use index::index;
pub use jobs::{
    Imports, import_status, plan_bundle, start_import, start_update, stop_jobs, update_status,
};
pub use lifecycle::{remove, use_version};
pub use local::{InspectReport, PathHash, hash, inspect};
pub use migrate::migrate;
pub use scope::Scope;
pub use source::{file_diff, list_source, read_source_file};
pub use staging::Staging;
pub use updates::{outdated, update};
pub use upload::{
    BATCH_BODY_LIMIT, blob_limit, missing_blobs, plan, put_blob, put_blobs, sweep_uploads,
    upload_ttl,
};

use crate::error::{Error, Result};

/// A path a client gave; an empty one is bad input.
fn path_arg(path: &Path) -> Result<&Path> {
    if path.as_os_str().to_string_lossy().trim().is_empty() {
        return Err(Error::Usage("no path given".into()));
    }
    Ok(path)
}

/// Runs blocking work (reading and hashing trees) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("task failed: {e}")))?
}

//! `skillmeat`: the native engine behind the `skillmeat` CLI, the HTTP
//! server `skillmeat serve` ([`serve`], the only axum code) and, behind the
//! `app` feature, the Tauri desktop app ([`app`], the only Tauri code).
//!
//! What it is: everything that touches the machine — reading trees from disk
//! under the strict rules of DESIGN.md §3 ([`tree`]), hashing them on all
//! cores, running `skillmeat-core` discovery over them ([`inspect`]), and
//! telemetry setup ([`telemetry`]). Every face — the CLI in `src/bin` and
//! `src/cli`, the app, the server — calls the operations layer ([`ops`]), a typed
//! function per user operation over these modules, never them directly.
//!
//! What it is not: it makes no decisions that `skillmeat-core` can make from
//! values (hash format, exclusions, discovery rules, paths); those live in
//! core so the browser runs the same code.

#[cfg(feature = "app")]
pub mod app;
pub mod bundle;
pub mod cli;
pub mod collection;
pub mod deploy;
mod error;
pub mod failpoint;
pub mod fsx;
pub mod home;
pub mod import;
pub mod inspect;
pub mod lifecycle;
pub mod ops;
pub mod origin;
pub mod query;
pub mod serve;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tree;
pub mod upload;
pub mod verify;

pub use error::{Error, ErrorCode, Result};

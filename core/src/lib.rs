//! `skillmeat-core`: the pure logic of skillmeat.
//!
//! What it is: the canonical content hash ([`hash`]), the exclusion rules
//! ([`exclude`]), the safe relative path type every manifest or archive path
//! goes through ([`path`]), the artifact model ([`artifact`]) and what is
//! known about each kind ([`kind`]), canonical JSON for MCP and LSP server
//! entries ([`mcp`]) and plugin discovery over a file listing
//! ([`discovery`]), plus the transfer types the CLI, the desktop app and the
//! browser all print ([`report`]).
//!
//! What it is not: it never touches the filesystem, the clock, the network, a
//! database or a process. It takes bytes and values and returns values, so it
//! builds for `wasm32-unknown-unknown` and the browser runs exactly the same
//! code as the engine. `clippy.toml` in this crate bans `std::fs` and friends,
//! and CI builds the crate for wasm32.
//!
//! It is `no_std` (with `alloc`) outside its own tests, so the browser
//! package links no std at all; [`prelude`] brings back the names std's
//! prelude would give.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod artifact;
pub mod discovery;
mod error;
pub mod exclude;
pub mod frontmatter;
pub mod hash;
pub mod json;
pub mod kind;
mod lowercase;
pub mod mcp;
pub mod order;
pub mod path;
pub mod plan;
mod prelude;
pub mod report;
mod spans;
pub mod validate;

pub use artifact::{ArtifactKind, Relationship};
pub use error::{Error, Result};
pub use hash::{ContentHash, FileHasher, TreeDigest, TreeHasher};
pub use path::SafeRelPath;

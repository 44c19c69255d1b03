//! Bundles (DESIGN.md §8): a plugin as a reproducible zip that, unzipped,
//! is a valid Claude Code plugin, plus `skillmeat-bundle.json` naming every
//! member with its pinned hash and every file with its size and SHA-256.
//!
//! * [`export`] writes a bundle from the collection: children at their pinned
//!   versions, the plugin's meta files, `.mcp.json` rebuilt from the MCP
//!   children; entries sorted, timestamps, modes and compression fixed, so
//!   the same content always gives the same bytes. Before writing, it runs
//!   core discovery over the bundle's files and checks that they read back as
//!   the same plugin with the same children and hashes.
//! * [`verify`] checks a zip entry by entry before anything is written (see
//!   [`read`] for the rules); [`open`] extracts a verified bundle into scratch
//!   space and hands its [`Source`](crate::inspect::Source) to the one
//!   transactional import, exactly like a folder.

mod contents;
mod entry;
mod export;
pub mod limits;
pub mod manifest;
pub mod read;
mod secrets;
mod source;

pub use export::{
    ExportReport, PluginTree, Secrets, TreeFile, claude_code_verdict, export, plugin_tree,
};
pub use limits::Limits;
pub use manifest::{BundleFile, BundleManifest, BundleMember, BundlePlugin};
pub use read::{VerifiedBundle, verify};
pub use source::{Opened, is_bundle, open, open_with};

/// The `zip` crate this module reads and writes with; re-exported for the
/// end-to-end tests, which craft hostile zips with it.
#[doc(hidden)]
pub use zip;

/// The bundle manifest's name, at the root of the zip.
pub const MANIFEST_NAME: &str = "skillmeat-bundle.json";

/// The `format_version` this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

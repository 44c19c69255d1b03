//! Deploying plugins and artifacts into a project's `.claude/` so Claude Code
//! loads them (DESIGN.md §7), and taking them out again.
//!
//! A plugin deploys natively by default ([`Mode::Plugin`]): its export tree
//! in `.claude/skills/<plugin>/`, loaded as `<plugin>@skills-dir`. One
//! artifact, or a plugin deployed unpacked, goes where the kind table
//! (`skillmeat_core::kind`) says:
//!
//! * skills → `.claude/skills/<n>/`, commands → `.claude/commands/<n>.md`,
//!   agents → `.claude/agents/<n>.md`;
//! * hooks → merged into `.claude/settings.json` (add-only), their scripts
//!   and the plugin's other files → `.claude/plugins/<plugin>/`;
//! * MCP servers → merged into `<project>/.mcp.json`;
//! * LSP servers → nowhere: Claude Code reads them only from a plugin, so an
//!   unpacked deployment leaves them out with a warning;
//! * a record of every file written (with its SHA-256) and every entry
//!   merged, in `.claude/skillmeat/deployments.json`.
//!
//! Never overwrites a file we did not write, or one changed since we wrote
//! it, without `force` (which keeps a backup that undeploy puts back), nor a
//! read-only one. A deploy or undeploy is one transaction under a project
//! lock (`txn`, `lock`); the record is untrusted input (`record`); nothing
//! is read or written through a link (`project`); every byte copied is
//! re-hashed against the stored hash.
//!
//! Modules: `units` (what to deploy, from the collection) → `plan` and
//! `merge` (what changes, read-only) → `apply` (the transaction) →
//! `record`; `undeploy` and `status` read the same record.

mod apply;
mod hooks;
mod json_file;
mod lock;
mod merge;
mod plan;
mod project;
pub mod record;
mod status;
mod txn;
mod undeploy;
mod units;

pub use apply::deploy;
pub use plan::{Action, Operation, Options, Outcome};
pub use record::Mode;
pub use status::{ItemStatus, State, StatusReport, status};
pub use undeploy::{UndeployReport, undeploy};

/// The folder Claude Code reads a project's settings and artifacts from.
pub const CLAUDE_DIR: &str = ".claude";

/// The one platform v1 deploys to.
pub const CLAUDE_CODE: &str = "claude-code";

/// `.claude/plugins/<plugin>`: the plugin's support files and `deployment.toml`.
pub fn plugin_dir(plugin: &str) -> String {
    format!(".claude/plugins/{plugin}")
}

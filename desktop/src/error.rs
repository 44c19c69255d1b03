use std::io;
use std::path::{Path, PathBuf};

/// Every way the engine can fail. [`Error::exit_code`] tells the CLI whether
/// the user can fix it (1) or it is our fault (2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such file or directory", .0.display())]
    NotFound(PathBuf),

    #[error("{}: cannot read: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },

    #[error("{}: symbolic link points outside {} (to {})", path.display(), root.display(), target.display())]
    LinkEscapes {
        path: PathBuf,
        root: PathBuf,
        target: PathBuf,
    },

    #[error("{}: symbolic link is dangling (its target does not exist)", .0.display())]
    LinkDangling(PathBuf),

    #[error("{}: symbolic link loop (it leads back to one of its own parent folders)", .0.display())]
    LinkLoop(PathBuf),

    #[error("{}: file name is not valid UTF-8", .0.display())]
    NonUtf8Name(PathBuf),

    #[error("{}: is a {what}, not a regular file or folder", path.display())]
    SpecialFile { path: PathBuf, what: &'static str },

    #[error("{}: {reason}", path.display())]
    BadInput { path: PathBuf, reason: String },

    #[error("{}: no plugin found (looked for .claude-plugin/marketplace.json, .claude-plugin/plugin.json, plugin.json or composite.json, and for skills/ commands/ agents/ hooks/hooks.json, a SKILL.md or a .mcp.json with artifacts in them)", .0.display())]
    NoPlugin(PathBuf),

    /// Core refused the input below `root` (boxed: core's errors carry
    /// several strings, and every `Result` of the engine carries this enum).
    #[error("in {}: {source}", root.display())]
    Core {
        root: PathBuf,
        source: Box<skillmeat_core::Error>,
    },

    /// A bundle zip that fails verification; nothing was written.
    #[error("{}: {reason}", bundle.display())]
    BadBundle { bundle: PathBuf, reason: String },

    /// An export that cannot be made (files that look like secrets …).
    #[error("cannot export {name}: {reason}")]
    Export { name: String, reason: String },

    /// No artifact by this name (or id) where it was looked for; `within`
    /// says where (`collection "default"`, `plugin "x" of /path` …).
    #[error("no artifact named {name:?} in {within}")]
    UnknownArtifact { name: String, within: String },

    /// A command used the wrong way (ambiguous name, bad option value …).
    #[error("{0}")]
    Usage(String),

    /// A file operation in the user's project failed (permissions, a full
    /// disk …); a deploy or undeploy was rolled back.
    #[error("{}: {source}", path.display())]
    Project { path: PathBuf, source: io::Error },

    /// A stored copy no longer has the content its hash names.
    #[error("{}: the stored copy of {artifact} no longer matches its SHA-256 (run `skillmeat verify`); nothing was deployed", blob.display())]
    StoredContentChanged { artifact: String, blob: PathBuf },

    /// A deploy would replace files or entries skillmeat did not write.
    #[error("not deploying {name}: it would replace what it may not (--force replaces files and MCP servers that skillmeat did not write or that were changed since, keeping a backup; read-only files and other deployments' files are never replaced):\n  {}", conflicts.join("\n  "))]
    DeployConflict {
        name: String,
        conflicts: Vec<String>,
        /// The whole plan, conflicts marked (for a preview).
        plan: Box<crate::deploy::Outcome>,
    },

    /// A deploy or undeploy failed, and so did its rollback: the next
    /// command in the project finishes the rollback.
    #[error("{cause}\n(rolling back also failed: {rollback}; the next skillmeat command in {} finishes the rollback)", project.display())]
    RollbackFailed {
        project: PathBuf,
        cause: Box<Error>,
        rollback: Box<Error>,
    },

    /// Another skillmeat holds the project's deploy lock.
    #[error("{}: another skillmeat is deploying or undeploying here (waited {waited} s for .claude/skillmeat/lock); try again when it has finished", project.display())]
    Locked { project: PathBuf, waited: u64 },

    /// `skillmeat.db` is not skillmeat's database.
    #[error("{}: not a skillmeat database ({reason})", path.display())]
    NotADatabase { path: PathBuf, reason: &'static str },

    /// A reading command found what only a write can settle (an older
    /// schema, an interrupted import) in a home it may not write.
    #[error("{}: {needs}, which needs write access ({source})", path.display())]
    NeedsWrite {
        path: PathBuf,
        needs: &'static str,
        source: Box<Error>,
    },

    /// The database said no.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),

    /// A file operation in the collection failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },

    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// 1 for a problem with the user's input, 2 for an internal error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) | Error::Database(_) | Error::Migration(_) | Error::Io { .. } => 2,
            _ => 1,
        }
    }

    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn core(root: &Path, source: skillmeat_core::Error) -> Self {
        Error::Core {
            root: root.to_owned(),
            source: Box::new(source),
        }
    }
}

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What kind of failure an [`Error`] is, the one thing every face maps:
/// the CLI to an exit code ([`ErrorCode::exit_code`]), the desktop app and
/// the HTTP server to the `code` of `{code, message}` (and a status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is at fault (a bad manifest, a refused bundle, an
    /// unsupported platform, a bad parameter …): the message says what to
    /// change.
    BadInput,
    /// No such artifact, version, file or folder.
    NotFound,
    /// The operation would overwrite something it may not, or something
    /// else holds what it needs (a project lock): retry, or with `force`.
    Conflict,
    /// No credentials, or wrong ones (the server's token).
    Unauthorized,
    /// Not allowed here (a project path on a public server).
    Forbidden,
    /// A body or file over a limit.
    TooLarge,
    /// Every database connection stayed in use for the pool's acquire
    /// timeout, or the connection to the database server was lost:
    /// what was being written was not kept; try again shortly (HTTP 503
    /// with `Retry-After`).
    Busy,
    /// Our fault; the details are in the log, never in the message a
    /// client sees.
    Internal,
}

impl ErrorCode {
    /// The CLI's exit code: 2 for our own bugs, 1 for everything the user
    /// can fix.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::Internal => 2,
            _ => 1,
        }
    }
}

/// "; the closest are: a, b" (or nothing when there are none).
fn closest_names(names: &[String]) -> String {
    match names.is_empty() {
        true => String::new(),
        false => format!("; the closest are: {}", names.join(", ")),
    }
}

/// Every way the engine can fail. [`Error::code`] says which kind of
/// failure it is; the CLI's exit code derives from it.
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

    /// A git source that cannot be read: unreachable, an unknown ref, a
    /// missing folder, a sha that does not match, a refused URL.
    #[error("{url}: {reason}")]
    Remote { url: String, reason: String },

    /// A source that was reached but no longer has what was asked of it: a
    /// ref, a folder, a local path that is gone (`outdated` reports it as
    /// "source gone" rather than "unreachable").
    #[error("{url}: {reason}")]
    SourceGone { url: String, reason: String },

    /// `--plugin NAME` names no plugin of the source.
    #[error("{source_name}: no plugin named {name:?}{}", closest_names(closest))]
    UnknownPlugin {
        source_name: String,
        name: String,
        closest: Vec<String>,
    },

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

    /// An artifact has no such stored version, or its version no such file
    /// (`artifact` names it: `skill "x"`).
    #[error("{artifact} has no {what}")]
    NotStored { artifact: String, what: String },

    /// A command used the wrong way (ambiguous name, bad option value …).
    #[error("{0}")]
    Usage(String),

    /// `undeploy NAME`: no deployment of that name in the project;
    /// `deployed` lists the ones there are (`kind:name`).
    #[error("{name:?} is not deployed in {} (deployed: {})", project.display(),
        if deployed.is_empty() { "nothing".to_owned() } else { deployed.join(", ") })]
    NotDeployed {
        name: String,
        project: PathBuf,
        deployed: Vec<String>,
    },

    /// A file operation in the user's project failed (permissions, a full
    /// disk …); a deploy or undeploy was rolled back.
    #[error("{}: {source}", path.display())]
    Project { path: PathBuf, source: io::Error },

    /// A stored copy no longer has the content its hash names.
    #[error("{}: the stored copy of {artifact} no longer matches its SHA-256 (run `skillmeat verify`); nothing was deployed", blob.display())]
    StoredContentChanged { artifact: String, blob: PathBuf },

    /// A database collection's content is missing from the database's
    /// `contents` table, or its bytes no longer hash to its name.
    #[error(
        "the database's content sha256:{hash} {reason} (run `skillmeat verify`); nothing was written"
    )]
    DatabaseContent { hash: String, reason: &'static str },

    /// `migrate` into a database holding another collection of that name.
    #[error(
        "{url} already holds another collection named {collection} (not one migrated from here); nothing was copied: migrate into another database"
    )]
    MigrateConflict { collection: String, url: String },

    /// `migrate` into a database whose copy of the collection changed (or
    /// this one did) since an earlier migration.
    #[error(
        "{url}: its collection {collection} differs from this one in {files} (one of them changed since an earlier migrate; migrate copies, it does not merge); nothing was copied"
    )]
    MigrateDiffers {
        collection: String,
        url: String,
        files: String,
    },

    /// A file of a collection folder's store no longer hashes to its name.
    #[error("{}: this stored file no longer matches its SHA-256 (run `skillmeat verify`); nothing was copied", blob.display())]
    StoredBlobChanged { blob: PathBuf },

    /// An artifact has no stored version whose hash starts with `given`
    /// (`use NAME@HASH`); `versions` are the ones it has.
    #[error("{artifact} has no stored version {given}; its versions are:\n  {}", versions.join("\n  "))]
    UnknownVersion {
        artifact: String,
        given: String,
        versions: Vec<String>,
    },

    /// `remove` of an artifact that is part of a plugin or deployed.
    #[error("not removing {name}: {} (--force removes it anyway)", reasons.join("; "))]
    RemoveRefused { name: String, reasons: Vec<String> },

    /// A deploy would replace files or entries skillmeat did not write.
    #[error("not deploying {name}: it would replace what it may not (--force replaces files and MCP servers that skillmeat did not write or that were changed since, keeping a backup; read-only files and other deployments' files are never replaced):\n  {}", conflicts.join("\n  "))]
    DeployConflict {
        name: String,
        conflicts: Vec<String>,
        /// The whole plan, conflicts marked (for a preview).
        plan: Box<crate::deploy::Outcome>,
    },

    /// A plugin Claude Code would not load (`skillmeat_core::validate`):
    /// not deployed without `--force`.
    #[error("not deploying {name}: Claude Code would not load it (--force deploys it anyway):\n  {}", reasons.join("\n  "))]
    NotLoadable { name: String, reasons: Vec<String> },

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

    /// A collection folder whose files another database's rows describe
    /// (`--database` with a home whose folder `skillmeat.db` or another
    /// server made): using it would let each delete the other's files.
    #[error("{}: this collection folder belongs to {owner}, not to the database in use; \
             use the database it was made with, or another SKILLMEAT_HOME", dir.display())]
    ForeignFolder { dir: PathBuf, owner: String },

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

    /// `--database`: not a URL we can use, or its server does not answer
    /// (the URL shown without its password).
    #[error("database {url}: {reason}")]
    DatabaseUnavailable { url: String, reason: String },

    /// Every pooled database connection stayed in use for the acquire
    /// timeout (`SKILLMEAT_POOL_TIMEOUT_MS`); nothing was done.
    #[error(
        "the collection database is busy: every connection stayed in use for the pool's acquire timeout; nothing was done, try again shortly"
    )]
    Busy,

    /// Other imports kept changing the same artifacts: an import lost
    /// every one of its attempts (nothing of it was written).
    #[error(
        "other imports kept changing the same artifacts ({attempts} attempts); nothing was written: try again"
    )]
    Contended { attempts: u32 },

    /// The connection to the database server broke (it restarted, or the
    /// network failed): the transaction in flight was rolled back.
    #[error(
        "lost the connection to the database server ({reason}); the server rolls back what was being written unless it was already committing: check, then try again"
    )]
    DatabaseLost { reason: String },

    /// The database said no.
    #[error("database error: {0}")]
    Database(sqlx::Error),

    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),

    /// A file operation in the collection failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },

    /// An upload's bytes are not the blob its hash names (nothing kept).
    #[error("the bytes sent hash to {actual}, not {claimed}; nothing was kept")]
    BlobMismatch { claimed: String, actual: String },

    /// An import names blobs the server holds neither in the collection
    /// nor in its uploads (nothing written).
    #[error("{} blob(s) not uploaded: {}; upload them (PUT /api/v1/blobs/{{sha256}}) and try again", .0.len(), first_few(.0))]
    MissingBlobs(Vec<String>),

    /// No import (or update) with this id runs or ran recently on this
    /// server.
    #[error(
        "no import or update {0} on this server (finished ones are kept for an hour, the last 100 of each)"
    )]
    UnknownImport(String),

    /// A request or an upload is over a limit.
    #[error("{0}")]
    TooLarge(String),

    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    /// A pool that gave no connection in time is busy, not broken; a
    /// connection the server dropped is lost, not broken either.
    fn from(e: sqlx::Error) -> Error {
        match e {
            sqlx::Error::PoolTimedOut => Error::Busy,
            e if connection_lost(&e) => Error::DatabaseLost {
                reason: e.to_string(),
            },
            e => Error::Database(e),
        }
    }
}

/// A socket error, a closed pool, or PostgreSQL's connection exceptions
/// (SQLSTATE class 08) and shutdowns (57P01–57P03).
fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// The first 20 of `items`, and how many more there are.
fn first_few(items: &[String]) -> String {
    const NAMED: usize = 20;
    let mut text = items[..items.len().min(NAMED)].join(", ");
    if items.len() > NAMED {
        text.push_str(&format!(" and {} more", items.len() - NAMED));
    }
    text
}

impl Error {
    /// The kind of failure. Every variant is listed: a new one must say
    /// what it is.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound(_)
            | Error::UnknownArtifact { .. }
            | Error::NotStored { .. }
            | Error::UnknownVersion { .. }
            | Error::NotDeployed { .. }
            | Error::UnknownImport(_) => ErrorCode::NotFound,
            Error::Unreadable { .. }
            | Error::LinkEscapes { .. }
            | Error::LinkDangling(_)
            | Error::LinkLoop(_)
            | Error::NonUtf8Name(_)
            | Error::SpecialFile { .. }
            | Error::BadInput { .. }
            | Error::Remote { .. }
            | Error::SourceGone { .. }
            | Error::UnknownPlugin { .. }
            | Error::NoPlugin(_)
            | Error::Core { .. }
            | Error::BadBundle { .. }
            | Error::Export { .. }
            | Error::NotLoadable { .. }
            | Error::Usage(_)
            | Error::Project { .. }
            | Error::NotADatabase { .. }
            | Error::DatabaseUnavailable { .. }
            | Error::NeedsWrite { .. }
            | Error::BlobMismatch { .. } => ErrorCode::BadInput,
            Error::MissingBlobs(_) => ErrorCode::Conflict,
            Error::Busy | Error::DatabaseLost { .. } | Error::Contended { .. } => ErrorCode::Busy,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::DeployConflict { .. }
            | Error::RemoveRefused { .. }
            | Error::Locked { .. }
            | Error::ForeignFolder { .. }
            | Error::StoredContentChanged { .. }
            | Error::DatabaseContent { .. }
            | Error::MigrateConflict { .. }
            | Error::MigrateDiffers { .. }
            | Error::StoredBlobChanged { .. } => ErrorCode::Conflict,
            // What went wrong first decides; the message tells the rest.
            Error::RollbackFailed { cause, .. } => cause.code(),
            Error::Database(_) | Error::Migration(_) | Error::Io { .. } | Error::Internal(_) => {
                ErrorCode::Internal
            }
        }
    }

    /// 1 for a problem with the user's input, 2 for an internal error.
    pub fn exit_code(&self) -> i32 {
        self.code().exit_code()
    }

    pub(crate) fn remote(url: &str, reason: impl Into<String>) -> Self {
        Error::Remote {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn gone(url: &str, reason: impl Into<String>) -> Self {
        Error::SourceGone {
            url: url.to_owned(),
            reason: reason.into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> PathBuf {
        PathBuf::from(p)
    }

    fn io_error() -> io::Error {
        io::Error::from(io::ErrorKind::PermissionDenied)
    }

    #[test]
    fn every_class_of_error_has_its_code_and_exit_code() {
        let plan = crate::deploy::Outcome {
            name: "p".into(),
            kind: skillmeat_core::ArtifactKind::Composite,
            project: "/project".into(),
            platform: "claude-code".into(),
            dry_run: false,
            operations: Vec::new(),
            warnings: Vec::new(),
            deployed: Vec::new(),
        };
        let rollback = |cause: Error| Error::RollbackFailed {
            project: path("/project"),
            cause: Box::new(cause),
            rollback: Box::new(Error::Internal("rename failed".into())),
        };
        let cases: Vec<(Error, ErrorCode, i32)> = vec![
            (Error::NotFound(path("/x")), ErrorCode::NotFound, 1),
            (
                Error::UnknownArtifact {
                    name: "x".into(),
                    within: "collection \"default\"".into(),
                },
                ErrorCode::NotFound,
                1,
            ),
            (
                Error::BadInput {
                    path: path("/x"),
                    reason: "no".into(),
                },
                ErrorCode::BadInput,
                1,
            ),
            (Error::Usage("add --type".into()), ErrorCode::BadInput, 1),
            (
                Error::NotDeployed {
                    name: "canvas".into(),
                    project: path("/project"),
                    deployed: Vec::new(),
                },
                ErrorCode::NotFound,
                1,
            ),
            (Error::LinkLoop(path("/x")), ErrorCode::BadInput, 1),
            (
                Error::Project {
                    path: path("/project/.claude"),
                    source: io_error(),
                },
                ErrorCode::BadInput,
                1,
            ),
            (
                Error::DeployConflict {
                    name: "p".into(),
                    conflicts: vec![".claude/agents/a.md".into()],
                    plan: Box::new(plan),
                },
                ErrorCode::Conflict,
                1,
            ),
            (
                Error::Locked {
                    project: path("/project"),
                    waited: 30,
                },
                ErrorCode::Conflict,
                1,
            ),
            (
                Error::RemoveRefused {
                    name: "skill s".into(),
                    reasons: vec!["it is part of plugin p".into()],
                },
                ErrorCode::Conflict,
                1,
            ),
            (
                Error::UnknownVersion {
                    artifact: "skill s".into(),
                    given: "abcdef12".into(),
                    versions: vec!["00".into()],
                },
                ErrorCode::NotFound,
                1,
            ),
            (
                Error::Io {
                    path: path("/home/.skillmeat/collections/default"),
                    source: io_error(),
                },
                ErrorCode::Internal,
                2,
            ),
            (
                Error::Database(sqlx::Error::RowNotFound),
                ErrorCode::Internal,
                2,
            ),
            (Error::Internal("bug".into()), ErrorCode::Internal, 2),
            (Error::from(sqlx::Error::PoolTimedOut), ErrorCode::Busy, 1),
            (
                rollback(Error::Project {
                    path: path("/project/.claude"),
                    source: io_error(),
                }),
                ErrorCode::BadInput,
                1,
            ),
            (
                rollback(Error::Internal("bug".into())),
                ErrorCode::Internal,
                2,
            ),
        ];
        for (error, code, exit) in cases {
            assert_eq!((error.code(), error.exit_code()), (code, exit), "{error}");
        }
    }

    #[test]
    fn codes_are_snake_case_on_the_wire() {
        let all = [
            (ErrorCode::BadInput, "bad_input"),
            (ErrorCode::NotFound, "not_found"),
            (ErrorCode::Conflict, "conflict"),
            (ErrorCode::Unauthorized, "unauthorized"),
            (ErrorCode::Forbidden, "forbidden"),
            (ErrorCode::TooLarge, "too_large"),
            (ErrorCode::Busy, "busy"),
            (ErrorCode::Internal, "internal"),
        ];
        for (code, text) in all {
            let json = serde_json::to_value(code).expect("serialises");
            assert_eq!(json, serde_json::json!(text));
            let back: ErrorCode = serde_json::from_value(json).expect("deserialises");
            assert_eq!(back, code);
        }
    }
}

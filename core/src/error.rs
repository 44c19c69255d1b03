use crate::prelude::*;
use core::fmt;

/// Every way the pure core can refuse its input.
///
/// Messages name the offending file (or path) and say what is wrong, so the
/// CLI can print them as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A path given to the core is not a safe relative path.
    #[error("{path:?}: {reason}")]
    InvalidPath { path: String, reason: PathProblem },

    /// The same relative path was fed twice to one tree hash.
    #[error("{0:?}: the same path was given twice")]
    DuplicatePath(String),

    /// The streaming tree hasher was driven out of order.
    #[error("tree hasher misuse: {0}")]
    HasherState(&'static str),

    /// A manifest field is missing or wrong.
    #[error("{file}: field `{field}`: {reason}")]
    Manifest {
        file: String,
        field: String,
        reason: String,
    },

    /// A file discovery must read could not be read, or is too large to.
    #[error("{file}: {problem}")]
    Unread {
        file: String,
        problem: crate::discovery::ReadProblem,
    },

    /// A JSON file could not be parsed at all.
    #[error("{file}: not valid JSON: {reason}")]
    Json { file: String, reason: String },
}

pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why a path is not a safe relative path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    Absolute,
    Backslash,
    Nul,
    ParentComponent,
    DotComponent,
    EmptyComponent,
    ControlCharacter,
    MissingDotSlash,
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathProblem::Empty => "path is empty",
            PathProblem::Absolute => "absolute paths are not allowed",
            PathProblem::Backslash => "backslashes are not allowed in paths",
            PathProblem::Nul => "NUL bytes are not allowed in paths",
            PathProblem::ParentComponent => "`..` could escape the root and is not allowed",
            PathProblem::DotComponent => "`.` components are not allowed inside a path",
            PathProblem::EmptyComponent => {
                "empty path components (`//` or a trailing `/`) are not allowed"
            }
            PathProblem::ControlCharacter => "control characters are not allowed in paths",
            PathProblem::MissingDotSlash => "plugin manifest paths must start with `./`",
        })
    }
}

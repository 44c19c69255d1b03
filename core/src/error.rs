use crate::prelude::*;
use core::fmt;

use crate::artifact::{ArtifactKind, MAX_NAME_BYTES, MAX_NAME_CHARS};

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

    /// A plugin's or a child's name cannot be an artifact name
    /// ([`crate::artifact::check_name`]); `file` is where the name comes from.
    #[error("{file}: {} name {}: {reason}", kind.noun(), Shown(name))]
    InvalidName {
        file: String,
        kind: ArtifactKind,
        name: String,
        reason: NameProblem,
    },

    /// Two children of one plugin are one artifact to skillmeat: the same
    /// kind and [`crate::artifact::name_key`].
    #[error(
        "{}: two {}s named {first_name:?} and {second_name:?}: names that differ only in case, `_`, `-`, spaces or a trailing `.md` are the same artifact to skillmeat, so one plugin cannot hold both; rename one",
        Both(first, second), kind.noun()
    )]
    NameClash {
        kind: ArtifactKind,
        /// Where each child is (relative to the listing root), and its name.
        first: String,
        first_name: String,
        second: String,
        second_name: String,
    },
}

/// A name in a message: in full, or its first 40 characters when it is
/// longer than [`MAX_NAME_CHARS`].
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(40) {
            Some((end, _)) if self.0.chars().count() > MAX_NAME_CHARS => {
                write!(f, "{:?}", format!("{}…", &self.0[..end]))
            }
            _ => write!(f, "{:?}", self.0),
        }
    }
}

/// `a and b`, or `a` when both are the same file.
struct Both<'a>(&'a str, &'a str);

impl fmt::Display for Both<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == self.1 {
            f.write_str(self.0)
        } else {
            write!(f, "{} and {}", self.0, self.1)
        }
    }
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

/// Why a name cannot be an artifact name (see [`crate::artifact::check_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Nothing left once spaces and a trailing `.md` are dropped.
    Empty,
    /// `.` or `..` (as the name or one of its `/`-separated parts).
    Dot,
    /// An empty or blank part between `/`s (`a//b`, `a/ /b`, `a/`).
    EmptyPart,
    /// A `/` in a name that is one file or folder name.
    Slash,
    Backslash,
    ControlCharacter,
    /// More than [`MAX_NAME_CHARS`] characters.
    TooLong {
        chars: usize,
    },
    /// More than [`MAX_NAME_BYTES`] bytes of UTF-8.
    TooManyBytes {
        bytes: usize,
    },
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::Empty => f.write_str("a name cannot be empty or only spaces"),
            NameProblem::Dot => f.write_str("`.` and `..` cannot be names"),
            NameProblem::EmptyPart => {
                f.write_str("every part between `/`s must have a character other than spaces")
            }
            NameProblem::Slash => f.write_str("`/` is not allowed in this name"),
            NameProblem::Backslash => f.write_str("`\\` is not allowed in names"),
            NameProblem::ControlCharacter => {
                f.write_str("control characters are not allowed in names")
            }
            NameProblem::TooLong { chars } => write!(
                f,
                "is {chars} characters long; a name may have at most {MAX_NAME_CHARS}"
            ),
            NameProblem::TooManyBytes { bytes } => write!(
                f,
                "is {bytes} bytes long in UTF-8; a name may have at most {MAX_NAME_BYTES} (it becomes a file name)"
            ),
        }
    }
}

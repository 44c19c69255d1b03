//! [`SafeRelPath`]: the one type every path from a manifest, a listing or an
//! archive goes through before the rest of the system sees it.

use crate::prelude::*;
use core::fmt;

use serde::{Serialize, Serializer};

pub use crate::error::PathProblem;
use crate::error::{Error, Result};

/// A `/`-separated path relative to some root that cannot leave that root.
///
/// Invariants: no leading `/`, no backslash, no NUL or other control
/// character, no `.` or `..` component, no empty component. The empty path is
/// the root itself ([`SafeRelPath::root`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SafeRelPath(String);

impl SafeRelPath {
    /// The root itself.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Checks a plain relative path such as `skills/x/SKILL.md`.
    pub fn new(path: &str) -> Result<Self> {
        check(path).map_err(|reason| Error::InvalidPath {
            path: path.to_owned(),
            reason,
        })?;
        Ok(Self(path.to_owned()))
    }

    /// Checks a path written in a Claude Code plugin manifest: it must start
    /// with `./`; `.` and `./` mean the root; one trailing `/` is allowed.
    pub fn from_manifest(path: &str) -> core::result::Result<Self, PathProblem> {
        if path == "." || path == "./" {
            return Ok(Self::root());
        }
        let rest = path.strip_prefix("./").ok_or(if path.starts_with('/') {
            PathProblem::Absolute
        } else if path.split(['/', '\\']).any(|c| c == "..") {
            PathProblem::ParentComponent
        } else {
            PathProblem::MissingDotSlash
        })?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        check(rest)?;
        Ok(Self(rest.to_owned()))
    }

    /// Like [`SafeRelPath::from_manifest`] but `./` is optional (the earlier
    /// system's `plugin.json` / `composite.json` and marketplace sources).
    pub fn from_lenient(path: &str) -> core::result::Result<Self, PathProblem> {
        if path.starts_with("./") || path == "." {
            return Self::from_manifest(path);
        }
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        check(trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `self/child`, both already safe.
    pub fn join(&self, child: &SafeRelPath) -> SafeRelPath {
        match (self.is_root(), child.is_root()) {
            (true, _) => child.clone(),
            (_, true) => self.clone(),
            _ => SafeRelPath(format!("{}/{}", self.0, child.0)),
        }
    }

    /// Joins a single checked component.
    pub fn join_str(&self, child: &str) -> Result<SafeRelPath> {
        Ok(self.join(&SafeRelPath::new(child)?))
    }

    /// The last component, or `""` for the root.
    pub fn file_name(&self) -> &str {
        last_component(&self.0)
    }

    /// The parent path (the root's parent is the root).
    pub fn parent(&self) -> SafeRelPath {
        match last_slash(&self.0) {
            Some(i) => SafeRelPath(self.0[..i].to_owned()),
            None => SafeRelPath::root(),
        }
    }

    /// The path of `path` below the directory `self`, if it is below it.
    pub fn relative<'a>(&self, path: &'a str) -> Option<&'a str> {
        if self.is_root() {
            return Some(path);
        }
        path.strip_prefix(self.0.as_str())?.strip_prefix('/')
    }

    /// Display form for users: `.` for the root.
    pub fn display(&self) -> &str {
        if self.is_root() { "." } else { &self.0 }
    }
}

impl fmt::Display for SafeRelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display())
    }
}

impl Serialize for SafeRelPath {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.display())
    }
}

/// The byte index of the last `/` in `path`. (A byte search: `rfind` with a
/// char pattern brings std's reverse char searcher into the browser package.)
fn last_slash(path: &str) -> Option<usize> {
    path.bytes().rposition(|b| b == b'/')
}

/// What follows the last `/` of `path` (all of it when there is none).
pub(crate) fn last_component(path: &str) -> &str {
    last_slash(path).map_or(path, |i| &path[i + 1..])
}

fn check(path: &str) -> core::result::Result<(), PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    if path.contains('\\') {
        return Err(PathProblem::Backslash);
    }
    if path.contains('\0') {
        return Err(PathProblem::Nul);
    }
    if path.chars().any(char::is_control) {
        return Err(PathProblem::ControlCharacter);
    }
    // Windows drive letters (`C:`) are absolute somewhere; refuse them too.
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err(PathProblem::Absolute);
    }
    for component in path.split('/') {
        match component {
            "" => return Err(PathProblem::EmptyComponent),
            "." => return Err(PathProblem::DotComponent),
            ".." => return Err(PathProblem::ParentComponent),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths() {
        let ok = [
            "a",
            "a/b.md",
            "skills/café/SKILL.md",
            ".claude-plugin/plugin.json",
            "a..b",
        ];
        for p in ok {
            assert_eq!(SafeRelPath::new(p).map(|s| s.0), Ok(p.to_owned()), "{p}");
        }
        let bad = [
            ("", PathProblem::Empty),
            ("/etc/passwd", PathProblem::Absolute),
            ("C:/x", PathProblem::Absolute),
            ("a\\b", PathProblem::Backslash),
            ("a\0b", PathProblem::Nul),
            ("a\nb", PathProblem::ControlCharacter),
            ("../x", PathProblem::ParentComponent),
            ("a/../../x", PathProblem::ParentComponent),
            ("a/./b", PathProblem::DotComponent),
            ("a//b", PathProblem::EmptyComponent),
            ("a/", PathProblem::EmptyComponent),
        ];
        for (p, why) in bad {
            assert_eq!(
                SafeRelPath::new(p),
                Err(Error::InvalidPath {
                    path: p.into(),
                    reason: why
                }),
                "{p:?}"
            );
        }
    }

    #[test]
    fn manifest_paths() {
        for (p, expected) in [
            ("./skills", Ok("skills")),
            ("./skills/", Ok("skills")),
            ("./agents/a.md", Ok("agents/a.md")),
            (".", Ok("")),
            ("./", Ok("")),
            ("commands/foo.md", Err(PathProblem::MissingDotSlash)),
            ("../x", Err(PathProblem::ParentComponent)),
            ("./../x", Err(PathProblem::ParentComponent)),
            ("/abs", Err(PathProblem::Absolute)),
            ("./a\\b", Err(PathProblem::Backslash)),
        ] {
            assert_eq!(
                SafeRelPath::from_manifest(p).map(|s| s.0),
                expected.map(str::to_owned),
                "{p}"
            );
        }
        assert_eq!(
            SafeRelPath::from_lenient("skills/x").map(|s| s.0),
            Ok("skills/x".into())
        );
        assert_eq!(
            SafeRelPath::from_lenient("../x"),
            Err(PathProblem::ParentComponent)
        );
    }

    #[test]
    fn navigation() {
        let p = SafeRelPath::new("skills/x/SKILL.md").expect("a valid path");
        assert_eq!(p.file_name(), "SKILL.md");
        assert_eq!(p.parent().as_str(), "skills/x");
        let dir = SafeRelPath::new("skills/x").expect("a valid path");
        assert_eq!(dir.relative("skills/x/SKILL.md"), Some("SKILL.md"));
        assert_eq!(dir.relative("skills/xy/SKILL.md"), None);
        assert_eq!(SafeRelPath::root().relative("a/b"), Some("a/b"));
        assert_eq!(SafeRelPath::root().join(&dir), dir);
        assert_eq!(SafeRelPath::root().to_string(), ".");
    }
}

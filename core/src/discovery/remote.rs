//! Marketplace entries whose plugin lives in another git repository
//! (`{"source": "github" | "url" | "git-subdir", …}`): read here, fetched
//! by the host (DESIGN.md §13).

use crate::prelude::*;
use serde_json::Value;

use crate::path::SafeRelPath;

/// A marketplace entry with a remote source. The host fetches the
/// repository and reads the plugin with `entry` as its marketplace entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteEntry {
    /// The entry's `name` (the plugin's name).
    pub name: String,
    pub source: RemoteSource,
    /// The entry as written.
    pub entry: Value,
}

/// Where a remote entry's plugin is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSource {
    pub repo: RemoteRepo,
    /// `git-subdir`'s `path`: the plugin's folder inside the repository.
    pub path: Option<SafeRelPath>,
    /// `ref` as written: a branch, tag or commit.
    pub git_ref: Option<String>,
    /// `sha`: the full commit the ref must resolve to (wins over `ref`).
    pub sha: Option<String>,
}

/// A repository named by a remote entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteRepo {
    /// `github`'s `repo`: `owner/repo`.
    Github(String),
    /// `url` / `git-subdir`'s `url`, as written.
    Url(String),
}

impl core::fmt::Display for RemoteSource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.repo {
            RemoteRepo::Github(r) => write!(f, "github {r}")?,
            RemoteRepo::Url(u) => f.write_str(u)?,
        }
        if let Some(p) = &self.path {
            write!(f, "#{p}")?;
        }
        Ok(())
    }
}

/// Why a remote entry cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteProblem {
    /// Its `path` would leave the repository.
    Escapes(String),
    /// Anything else (a missing field, an unsupported source kind …).
    Invalid(String),
}

/// The remote source of an entry's `source` object.
pub(super) fn parse(source: &Value) -> core::result::Result<RemoteSource, RemoteProblem> {
    let invalid = |s: String| RemoteProblem::Invalid(s);
    let field = |key: &str| -> core::result::Result<Option<String>, RemoteProblem> {
        match source.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(invalid(format!(
                "source `{key}` must be a non-empty string"
            ))),
        }
    };
    let required = |key: &str, kind: &str| {
        field(key)?.ok_or_else(|| invalid(format!("a {kind:?} source needs `{key}`")))
    };
    let kind = field("source")?.unwrap_or_default();
    let (repo, path) = match kind.as_str() {
        "github" => (RemoteRepo::Github(required("repo", "github")?), None),
        "url" => (RemoteRepo::Url(required("url", "url")?), None),
        "git-subdir" => {
            let raw = required("path", "git-subdir")?;
            let path = SafeRelPath::from_lenient(&raw).map_err(|p| {
                RemoteProblem::Escapes(format!("source path {raw:?} leaves the repository: {p}"))
            })?;
            (
                RemoteRepo::Url(required("url", "git-subdir")?),
                (!path.is_root()).then_some(path),
            )
        }
        other => {
            return Err(invalid(format!(
                "source {other:?} is not supported (github, url and git-subdir are)"
            )));
        }
    };
    let sha = field("sha")?;
    if let Some(s) = &sha
        && !(s.len() == 40 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    {
        return Err(invalid(format!(
            "source sha {s:?} is not a full 40-character lowercase commit id"
        )));
    }
    Ok(RemoteSource {
        repo,
        path,
        git_ref: field("ref")?,
        sha,
    })
}

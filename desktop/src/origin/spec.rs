//! What a source string names: a local folder or bundle, or a git
//! repository (a URL or GitHub shorthand) with an optional `@ref` and
//! `#path`.
//!
//! The rule, in order: a path that exists on disk is that path; `gh:` forces
//! GitHub; `scheme://…` is a git URL (https, http, ssh, git, file); `user@host:path`
//! is an SSH URL; `owner/repo[/path…]` is GitHub shorthand (the seeds'
//! `anthropics/plugins/canvas-bundle` form); anything else is a local path
//! (which then does not exist).

use std::path::{Path, PathBuf};

use skillmeat_core::SafeRelPath;

use crate::error::{Error, Result};

/// The schemes of the git URLs skillmeat fetches.
const SCHEMES: [&str; 5] = ["https", "http", "ssh", "git", "file"];

/// Where GitHub shorthand points: `$SKILLMEAT_GITHUB_URL` (a GitHub
/// Enterprise host, or a mirror), else `https://github.com/`.
pub fn github_base() -> String {
    let base = std::env::var("SKILLMEAT_GITHUB_URL")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "https://github.com/".to_owned());
    match base.ends_with('/') {
        true => base,
        false => format!("{base}/"),
    }
}

/// A source as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A folder or bundle zip on disk.
    Local(PathBuf),
    Git(GitSpec),
}

/// A git repository, a ref in it and a folder below its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSpec {
    /// The URL git fetches (GitHub shorthand expanded).
    pub url: String,
    /// `@ref` as given: a branch, tag or commit.
    pub git_ref: Option<String>,
    /// `#path`: the plugin or marketplace folder inside the repository.
    pub path: Option<SafeRelPath>,
}

impl GitSpec {
    /// Whether git reads it from this machine (`file://`).
    pub fn is_local(&self) -> bool {
        scheme(&self.url).is_some_and(|s| s.eq_ignore_ascii_case("file"))
    }

    /// The repository's name: the URL's last component without `.git`.
    pub fn repo_name(&self) -> String {
        let trimmed = self.url.trim_end_matches('/');
        let last = trimmed.rsplit(['/', ':']).next().unwrap_or(trimmed);
        let name = last.strip_suffix(".git").unwrap_or(last);
        match SafeRelPath::new(name) {
            Ok(_) if !name.is_empty() => name.to_owned(),
            _ => "repository".to_owned(),
        }
    }
}

/// What `given` names (see the module's rule).
pub fn parse(given: &Path) -> Result<Spec> {
    if std::fs::symlink_metadata(given).is_ok() {
        return Ok(Spec::Local(given.to_owned()));
    }
    let Some(text) = given.to_str() else {
        return Ok(Spec::Local(given.to_owned()));
    };
    Ok(match parse_remote(text)? {
        Some(git) => Spec::Git(git),
        None => Spec::Local(given.to_owned()),
    })
}

/// `text` as a git source, `None` when it is no URL nor GitHub shorthand.
pub fn parse_remote(text: &str) -> Result<Option<GitSpec>> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("gh:") {
        return shorthand(text, rest).map(Some);
    }
    if let Some(s) = scheme(text) {
        if !SCHEMES.iter().any(|k| k.eq_ignore_ascii_case(s)) {
            return Err(Error::remote(
                text,
                format!("the {s}:// scheme is not supported (https, http, ssh, git and file are)"),
            ));
        }
        return url(text).map(Some);
    }
    if is_scp(text) {
        return url(text).map(Some);
    }
    if looks_like_shorthand(text) {
        return shorthand(text, text).map(Some);
    }
    Ok(None)
}

/// A marketplace entry's `url`, taken as written: whether git would read
/// it from this machine (`file://`, a path), and the URL to fetch (GitHub
/// shorthand expanded).
pub fn entry_url(url: &str) -> Result<(String, bool)> {
    let url = url.trim();
    match scheme(url) {
        Some(s) if s.eq_ignore_ascii_case("file") => Ok((url.to_owned(), true)),
        Some(s) if SCHEMES.iter().any(|k| k.eq_ignore_ascii_case(s)) => Ok((url.to_owned(), false)),
        Some(s) => Err(Error::remote(
            url,
            format!("the {s}:// scheme is not supported (https, http, ssh, git and file are)"),
        )),
        None if is_scp(url) => Ok((url.to_owned(), false)),
        None if looks_like_shorthand(url)
            && url.split('/').count() == 2
            && !url.contains(['@', '#']) =>
        {
            let repo = url.strip_suffix(".git").unwrap_or(url);
            Ok((format!("{}{repo}.git", github_base()), false))
        }
        None => Ok((url.to_owned(), true)),
    }
}

/// The scheme of `scheme://…`.
fn scheme(text: &str) -> Option<&str> {
    let (s, _) = text.split_once("://")?;
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(s)
}

/// `user@host:path` (git's scp-like SSH syntax).
fn is_scp(text: &str) -> bool {
    let Some((user_host, path)) = text.split_once(':') else {
        return false;
    };
    let Some((user, host)) = user_host.split_once('@') else {
        return false;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    word(user) && word(host) && !path.is_empty() && !path.starts_with('/')
}

/// `owner/repo…`: two or more plain segments, the first not `.` or `..`.
fn looks_like_shorthand(text: &str) -> bool {
    let head = text.split(['#', '@']).next().unwrap_or(text);
    let parts: Vec<&str> = head.split('/').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// `#path` split off the end.
fn split_path<'a>(given: &str, text: &'a str) -> Result<(&'a str, Option<SafeRelPath>)> {
    match text.rsplit_once('#') {
        None => Ok((text, None)),
        Some((rest, path)) => Ok((rest, sub_path(given, path)?)),
    }
}

fn sub_path(given: &str, path: &str) -> Result<Option<SafeRelPath>> {
    let p = SafeRelPath::from_lenient(path.trim_start_matches('/'))
        .map_err(|e| Error::remote(given, format!("the path {path:?} is not allowed: {e}")))?;
    Ok((!p.is_root()).then_some(p))
}

/// `@ref` split off the last component of `text`.
fn split_ref(text: &str) -> (&str, Option<String>) {
    let last = text.rfind('/').map_or(0, |i| i + 1);
    match text[last..].rfind('@') {
        Some(at) if at + 1 < text.len() - last => {
            let at = last + at;
            (&text[..at], Some(text[at + 1..].to_owned()))
        }
        _ => (text, None),
    }
}

fn url(given: &str) -> Result<GitSpec> {
    let (rest, path) = split_path(given, given)?;
    let (url, git_ref) = split_ref(rest);
    check_ref(given, git_ref.as_deref())?;
    Ok(GitSpec {
        url: url.to_owned(),
        git_ref,
        path,
    })
}

/// `owner/repo[/path…][@ref][#path]` on GitHub.
fn shorthand(given: &str, text: &str) -> Result<GitSpec> {
    let (rest, hash_path) = split_path(given, text)?;
    let (rest, git_ref) = match rest.rsplit_once('@') {
        Some((r, g)) if !g.is_empty() => (r, Some(g.to_owned())),
        _ => (rest, None),
    };
    check_ref(given, git_ref.as_deref())?;
    let mut parts = rest.splitn(3, '/');
    let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else {
        return Err(Error::remote(given, "GitHub shorthand is owner/repo"));
    };
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    let path = match (parts.next(), hash_path) {
        (Some(_), Some(_)) => {
            return Err(Error::remote(
                given,
                "give the folder either after the repository or after #, not both",
            ));
        }
        (Some(p), None) => sub_path(given, p)?,
        (None, p) => p,
    };
    Ok(GitSpec {
        url: format!("{}{owner}/{repo}.git", github_base()),
        git_ref,
        path,
    })
}

/// A ref git could take for an option is refused.
fn check_ref(given: &str, git_ref: Option<&str>) -> Result<()> {
    match git_ref {
        Some(r) if r.starts_with('-') || r.chars().any(|c| c.is_control() || c == ' ') => Err(
            Error::remote(given, format!("{r:?} is not a branch, tag or commit")),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(url: &str, r: Option<&str>, path: Option<&str>) -> Spec {
        Spec::Git(GitSpec {
            url: url.into(),
            git_ref: r.map(Into::into),
            path: path.map(|p| SafeRelPath::new(p).expect("a safe path")),
        })
    }

    fn parsed(text: &str) -> Spec {
        parse(Path::new(text)).expect("a source")
    }

    #[test]
    fn urls_shorthand_refs_and_paths() {
        let gh = github_base();
        let cases = [
            ("https://h/o/r.git", git("https://h/o/r.git", None, None)),
            (
                "https://u@h/o/r.git@v1#plugins/p",
                git("https://u@h/o/r.git", Some("v1"), Some("plugins/p")),
            ),
            (
                "ssh://git@h:22/o/r@main",
                git("ssh://git@h:22/o/r", Some("main"), None),
            ),
            (
                "git@github.com:o/r.git@abc123#x",
                git("git@github.com:o/r.git", Some("abc123"), Some("x")),
            ),
            (
                "git://127.0.0.1:9/r",
                git("git://127.0.0.1:9/r", None, None),
            ),
            ("file:///tmp/r#a/b", git("file:///tmp/r", None, Some("a/b"))),
            ("o/r", git(&format!("{gh}o/r.git"), None, None)),
            (
                "anthropics/plugins/canvas-bundle",
                git(
                    &format!("{gh}anthropics/plugins.git"),
                    None,
                    Some("canvas-bundle"),
                ),
            ),
            (
                "o/r@v2#sub",
                git(&format!("{gh}o/r.git"), Some("v2"), Some("sub")),
            ),
            (
                "gh:o/r/p/q",
                git(&format!("{gh}o/r.git"), None, Some("p/q")),
            ),
            ("./not-here", Spec::Local("./not-here".into())),
            ("/abs/not-here", Spec::Local("/abs/not-here".into())),
            ("single", Spec::Local("single".into())),
            ("../up/x", Spec::Local("../up/x".into())),
            ("ext::sh -c x", Spec::Local("ext::sh -c x".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(parsed(text), expected, "{text}");
        }
    }

    #[test]
    fn an_existing_path_wins_over_shorthand() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let owner = dir.path().join("o");
        std::fs::create_dir_all(owner.join("r")).expect("o/r");
        let path = owner.join("r");
        assert_eq!(parsed(path.to_str().expect("utf-8")), Spec::Local(path));
    }

    #[test]
    fn bad_schemes_refs_and_paths_are_refused() {
        for text in [
            "ftp://h/r",
            "https://h/r@--upload-pack=x",
            "https://h/r#../up",
            "o/r/p#q",
        ] {
            let e = parse(Path::new(text)).expect_err(text);
            assert!(matches!(e, Error::Remote { .. }), "{text}: {e}");
        }
    }

    #[test]
    fn repo_names() {
        let name = |u: &str| {
            GitSpec {
                url: u.into(),
                git_ref: None,
                path: None,
            }
            .repo_name()
        };
        assert_eq!(name("https://h/o/tools.git"), "tools");
        assert_eq!(name("git@h:o/kit"), "kit");
        assert_eq!(name("file:///srv/r/"), "r");
    }
}

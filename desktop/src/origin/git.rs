//! Fetching with the git CLI into a cache of bare repositories
//! (`$SKILLMEAT_HOME/cache/git/<hash of the URL>`), resolving a ref to a
//! commit and checking a commit's files out into a folder of our own.
//!
//! The git CLI, not a library: it is the user's git, with their credential
//! helpers, SSH agent, `url.<base>.insteadOf` and proxy settings, so a
//! private repository that `git clone` reaches, skillmeat reaches. It never
//! prompts (`GIT_TERMINAL_PROMPT=0`, no askpass), never runs a hook
//! (`core.hooksPath=/dev/null`), and reads `file://` URLs only when told.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use skillmeat_core::SafeRelPath;
use skillmeat_core::hash::hash_bytes;

use crate::error::{Error, Result};
use crate::fsx;

/// How a repository may be fetched.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchRules {
    /// Use only what the cache holds.
    pub offline: bool,
    /// Whether git may read `file://` URLs (a source the user named, or an
    /// entry of a marketplace on this machine; never one of a remote one).
    pub allow_file: bool,
}

/// A commit checked out: where its files are, and which commit it is.
#[derive(Debug, Clone)]
pub struct CheckedOut {
    /// The requested folder inside the checkout.
    pub root: PathBuf,
    /// The full commit id.
    pub commit: String,
}

/// What to check out of a repository.
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    pub url: &'a str,
    /// A branch, tag or commit; the remote's HEAD when `None`.
    pub git_ref: Option<&'a str>,
    /// The commit the ref must be (or, alone, the commit to take).
    pub sha: Option<&'a str>,
    /// The folder inside the repository.
    pub path: Option<&'a SafeRelPath>,
}

/// The bare repository that caches `url`.
pub fn cache_dir(cache: &Path, url: &str) -> PathBuf {
    let hex = hash_bytes(url.as_bytes()).to_hex();
    cache.join(&hex[..32])
}

/// Fetches `want.url` into the cache (unless offline), resolves the ref,
/// and checks the commit's `path` out into `work` (which must not exist).
pub fn check_out(
    cache: &Path,
    want: Want<'_>,
    work: &Path,
    rules: FetchRules,
) -> Result<CheckedOut> {
    if want.url.starts_with('-') {
        return Err(Error::remote(want.url, "is not a URL"));
    }
    let (repo, _lock) = fetched(cache, want.url, rules)?;
    let git = Git {
        repo: &repo,
        url: want.url,
        rules,
    };
    let commit = git.resolve(want.git_ref, want.sha)?;
    if let Some(path) = want.path {
        git.check_folder(&commit, path)?;
    }
    git.checkout(&commit, want.path, work)?;
    let root = match want.path {
        Some(p) => work.join(p.as_str()),
        None => work.to_owned(),
    };
    Ok(CheckedOut { root, commit })
}

/// The commit `want`'s ref (or sha) resolves to, fetched into the cache
/// first unless offline; nothing is checked out (`outdated` asks this
/// first: an unchanged commit is unchanged content).
pub fn resolve_commit(cache: &Path, want: Want<'_>, rules: FetchRules) -> Result<String> {
    let (repo, _lock) = fetched(cache, want.url, rules)?;
    let git = Git {
        repo: &repo,
        url: want.url,
        rules,
    };
    git.resolve(want.git_ref, want.sha)
}

/// The cached repository of `url`, fetched (unless offline), and its lock,
/// held while the caller reads it.
fn fetched(cache: &Path, url: &str, rules: FetchRules) -> Result<(PathBuf, std::fs::File)> {
    if url.starts_with('-') {
        return Err(Error::remote(url, "is not a URL"));
    }
    let repo = cache_dir(cache, url);
    let fresh = !fsx::exists(&repo.join("HEAD"));
    if fresh && rules.offline {
        return Err(Error::remote(
            url,
            "is not in the cache (--offline uses only repositories fetched before); run without --offline",
        ));
    }
    let lock = lock(cache, &repo)?;
    if fresh {
        first_fetch(&repo, url, rules)?;
    } else if !rules.offline {
        Git {
            repo: &repo,
            url,
            rules,
        }
        .fetch()?;
    }
    Ok((repo, lock))
}

/// One fetch at a time per cached repository (another skillmeat waits).
fn lock(cache: &Path, repo: &Path) -> Result<std::fs::File> {
    fsx::create_private_dir(cache)?;
    let path = repo.with_extension("lock");
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    file.lock().map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// A new bare repository, made and fetched into in a temporary folder and
/// renamed into place once the fetch succeeded: an unreachable remote, or
/// a killed process, leaves nothing in the cache.
fn first_fetch(repo: &Path, url: &str, rules: FetchRules) -> Result<()> {
    let parent = repo.parent().unwrap_or(repo);
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    let out = base_command()
        .args(["init", "--quiet", "--bare"])
        .arg(tmp.path())
        .output()
        .map_err(not_installed)?;
    if !out.status.success() {
        return Err(Error::Internal(format!(
            "git init --bare failed: {}",
            last_line(&out.stderr)
        )));
    }
    Git {
        repo: tmp.path(),
        url,
        rules,
    }
    .fetch()?;
    let made = tmp.keep();
    std::fs::rename(&made, repo).map_err(|e| Error::io(repo, e))
}

/// git without the user's terminal: no prompt, no hooks.
fn base_command() -> Command {
    let mut c = Command::new("git");
    c.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env("GCM_INTERACTIVE", "never")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
        ])
        .stdin(Stdio::null());
    c
}

fn not_installed(e: std::io::Error) -> Error {
    Error::Usage(format!(
        "cannot run git ({e}): git sources need git installed"
    ))
}

fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("git failed")
        .to_owned()
}

/// git commands on one cached repository.
struct Git<'a> {
    repo: &'a Path,
    url: &'a str,
    rules: FetchRules,
}

impl Git<'_> {
    fn command(&self) -> Command {
        let mut c = base_command();
        let file = if self.rules.allow_file {
            "always"
        } else {
            "never"
        };
        c.arg("-c")
            .arg(format!("protocol.file.allow={file}"))
            .arg("--git-dir")
            .arg(self.repo);
        c
    }

    /// Runs `c`, its output captured; a failure is `Remote` with git's
    /// last line of stderr.
    fn run(&self, mut c: Command, what: &str) -> Result<String> {
        let out = c.output().map_err(not_installed)?;
        if !out.status.success() {
            return Err(Error::remote(
                self.url,
                format!("{what}: {}", last_line(&out.stderr)),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Every branch and tag, and the remote's HEAD, forced (a force-pushed
    /// branch moves) and pruned (a deleted one goes). On a terminal git's
    /// own progress shows.
    fn fetch(&self) -> Result<()> {
        let mut c = self.command();
        c.args(["fetch", "--prune", "--force", "--no-write-fetch-head"]);
        let terminal = std::io::stderr().is_terminal();
        c.arg(if terminal { "--progress" } else { "--quiet" });
        c.arg("--").arg(self.url).args([
            "+refs/heads/*:refs/heads/*",
            "+refs/tags/*:refs/tags/*",
            "+HEAD:refs/skillmeat/HEAD",
        ]);
        if !terminal {
            return self.run(c, "could not fetch").map(drop);
        }
        c.stderr(Stdio::inherit());
        let status = c.status().map_err(not_installed)?;
        match status.success() {
            true => Ok(()),
            false => Err(Error::remote(
                self.url,
                "could not fetch (git said why above)",
            )),
        }
    }

    /// The commit `git_ref` names: a branch, then a tag, then a commit id;
    /// with `sha`, that commit, which `git_ref` (if given) must be.
    fn resolve(&self, git_ref: Option<&str>, sha: Option<&str>) -> Result<String> {
        let found = match git_ref {
            None if sha.is_some() => None,
            None => Some(self.rev("refs/skillmeat/HEAD").ok_or_else(|| {
                Error::remote(self.url, "has no HEAD (an empty repository?); name a ref")
            })?),
            Some(r) => Some(
                [
                    format!("refs/heads/{r}"),
                    format!("refs/tags/{r}"),
                    r.to_owned(),
                ]
                .iter()
                .find_map(|name| self.rev(name))
                .ok_or_else(|| {
                    Error::gone(self.url, format!("has no branch, tag or commit {r:?}"))
                })?,
            ),
        };
        match (found, sha) {
            (Some(c), None) => Ok(c),
            (Some(c), Some(s)) if c == s => Ok(c),
            (Some(c), Some(s)) => Err(Error::remote(
                self.url,
                format!(
                    "ref {:?} is at commit {c}, not at the sha {s} the marketplace pins",
                    git_ref.unwrap_or("HEAD")
                ),
            )),
            (None, Some(s)) => self.rev(s).filter(|c| c == s).ok_or_else(|| {
                Error::remote(
                    self.url,
                    format!("has no commit {s} (the marketplace's sha)"),
                )
            }),
            (None, None) => Err(Error::Internal("no ref to resolve".into())),
        }
    }

    /// The commit `name` resolves to, if any.
    fn rev(&self, name: &str) -> Option<String> {
        let mut c = self.command();
        c.args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{name}^{{commit}}"));
        self.run(c, "rev-parse").ok().filter(|s| !s.is_empty())
    }

    fn check_folder(&self, commit: &str, path: &SafeRelPath) -> Result<()> {
        let mut c = self.command();
        c.args(["cat-file", "-t", "--end-of-options"])
            .arg(format!("{commit}:{path}"));
        match self.run(c, "cat-file").as_deref() {
            Ok("tree") => Ok(()),
            _ => Err(Error::gone(
                self.url,
                format!("has no folder {path} at commit {commit}"),
            )),
        }
    }

    /// The commit's files (all, or those below `path`) written into `work`
    /// through an index of our own; the cached repository is not changed.
    fn checkout(&self, commit: &str, path: Option<&SafeRelPath>, work: &Path) -> Result<()> {
        fsx::create_private_dir(work)?;
        let index = work.with_extension("index");
        let mut c = self.command();
        c.env("GIT_INDEX_FILE", &index)
            .arg("--work-tree")
            .arg(work)
            .args(["-c", "core.bare=false", "checkout", "--quiet", "--force"])
            .arg(commit)
            .arg("--")
            .arg(path.map_or(".", SafeRelPath::as_str));
        let done = self.run(c, &format!("could not check out commit {commit}"));
        let _ = std::fs::remove_file(&index);
        done.map(drop)
    }
}

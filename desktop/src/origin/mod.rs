//! Where plugins come from (DESIGN.md §13): a source string resolved into
//! folders to read — a local folder or bundle, or a git repository fetched
//! into the cache and checked out — and each plugin's [`Provenance`].
//!
//! Everything fetched is read through the one folder [`Source`] (via
//! [`bundle::open_with`]), so every rule of a local folder applies to it. A
//! marketplace's entries with `github`, `url` or `git-subdir` sources are
//! fetched the same way; a marketplace fetched from another machine may not
//! point at files on this one, nor outside its repository.

pub mod git;
pub mod spec;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use skillmeat_core::SafeRelPath;
use skillmeat_core::artifact::name_key;
use skillmeat_core::discovery::{Plugin, RemoteEntry, RemoteRepo};
use tempfile::TempDir;

use crate::bundle::{self, Limits, Opened};
use crate::error::{Error, Result};
use crate::inspect::Source;
use git::{FetchRules, Want};
use spec::{GitSpec, Spec};

/// What kind of source a plugin was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Folder,
    Bundle,
    Git,
    /// Files uploaded to `skillmeat serve` (the hash-first import).
    Upload,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Folder => "folder",
            SourceKind::Bundle => "bundle",
            SourceKind::Git => "git",
            SourceKind::Upload => "upload",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        [
            SourceKind::Folder,
            SourceKind::Bundle,
            SourceKind::Git,
            SourceKind::Upload,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where one location is: a folder or bundle on disk, or a commit of a git
/// repository, and the folder inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub kind: SourceKind,
    /// A git URL, or an absolute path.
    pub url: String,
    /// The ref as given (`@ref`, a marketplace entry's `ref`).
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// The commit the ref resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The folder inside the repository or folder (`""`: its root).
    #[serde(default)]
    pub path: String,
}

/// Where a plugin was imported from: the location of its files and, when
/// it was read through a marketplace, the marketplace's own location and
/// name — what `outdated` and `update` fetch again (the marketplace,
/// picking the plugin by name, so its entry applies as it did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(flatten)]
    pub location: Location,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<Marketplace>,
}

/// The marketplace a plugin was listed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marketplace {
    /// Its `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub location: Location,
}

impl Location {
    /// One line: the path (a folder's plugin), or `url#path` (git).
    pub fn display(&self) -> String {
        match (self.kind, self.path.is_empty()) {
            (_, true) => self.url.clone(),
            (SourceKind::Git, false) => format!("{}#{}", self.url, self.path),
            (_, false) => Path::new(&self.url).join(&self.path).display().to_string(),
        }
    }

    fn below(&self, rel: &str) -> Location {
        Location {
            path: join(&self.path, rel),
            ..self.clone()
        }
    }
}

fn join(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_owned(),
        (_, true) => base.to_owned(),
        _ => format!("{base}/{rel}"),
    }
}

/// What to resolve, and how.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The source as the user gave it.
    pub given: &'a Path,
    /// Where a bundle is extracted.
    pub scratch: &'a Path,
    /// `$SKILLMEAT_HOME/cache/git`.
    pub cache: &'a Path,
    pub limits: &'a Limits,
    /// Fetch nothing: use the cache only.
    pub offline: bool,
    /// Only these plugins (by name); all when `None`.
    pub plugins: Option<&'a [String]>,
}

/// The folders a source resolved to, with the plugins chosen in each.
#[derive(Debug)]
pub struct Resolved {
    pub parts: Vec<Part>,
}

/// One folder read (the source itself, or one fetched marketplace entry).
#[derive(Debug)]
pub struct Part {
    pub opened: Opened,
    /// The chosen plugins: their index in the discovery, their provenance.
    pub plugins: Vec<(usize, Provenance)>,
    /// The checkout, removed when the part goes.
    _work: Option<TempDir>,
}

impl Resolved {
    /// Every chosen plugin, in order, with the source it is read from.
    pub fn plugins(&self) -> impl Iterator<Item = (&Source, &Plugin, &Provenance)> {
        self.parts.iter().flat_map(|part| {
            let source = &part.opened.source;
            part.plugins
                .iter()
                .map(move |(i, p)| (source, &source.discovery.plugins[*i], p))
        })
    }

    /// What discovery noticed, over every part.
    pub fn warnings(&self) -> Vec<String> {
        self.parts
            .iter()
            .flat_map(|p| p.opened.source.discovery.warnings.iter().cloned())
            .collect()
    }
}

/// Reads the source `req.given` names, fetching what is remote.
pub fn resolve(req: &Request<'_>) -> Result<Resolved> {
    let (base, opened, work) = open(req, &spec::parse(req.given)?)?;
    assemble(req, &base, opened, work)
}

/// The source `spec` names, opened (a git repository fetched and checked
/// out into `work`), before any plugin is chosen.
fn open(req: &Request<'_>, spec: &Spec) -> Result<(Base, Opened, Option<TempDir>)> {
    match spec {
        Spec::Local(path) => {
            let opened = bundle::open_with(path, req.scratch, req.limits)?;
            let kind = match opened.bundle {
                Some(_) => SourceKind::Bundle,
                None => SourceKind::Folder,
            };
            let base = Base {
                location: Location {
                    kind,
                    url: opened.source.tree.root.display().to_string(),
                    git_ref: None,
                    commit: None,
                    path: String::new(),
                },
                from_afar: false,
            };
            Ok((base, opened, None))
        }
        Spec::Git(g) => {
            let (checkout, work) = fetch(req, g, None, g.is_local())?;
            let base = Base {
                location: Location {
                    kind: SourceKind::Git,
                    url: g.url.clone(),
                    git_ref: g.git_ref.clone(),
                    commit: Some(checkout.commit),
                    path: g
                        .path
                        .as_ref()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                },
                from_afar: !g.is_local(),
            };
            let opened = bundle::open_with(&checkout.root, req.scratch, req.limits)?;
            Ok((base, opened, Some(work)))
        }
    }
}

/// What `outdated` and `update` read again for a plugin imported from
/// `p`: its marketplace (the plugin picked by name, so the entry applies as
/// it did), else the folder or bundle the import named, else the git
/// repository at the plugin's folder. `None` for an upload (nothing to
/// fetch again).
pub fn source_of(p: &Provenance) -> Option<Spec> {
    let (l, whole) = match &p.marketplace {
        Some(m) => (&m.location, true),
        None => (&p.location, false),
    };
    match l.kind {
        SourceKind::Upload => None,
        SourceKind::Git => Some(Spec::Git(GitSpec {
            url: l.url.clone(),
            git_ref: l.git_ref.clone(),
            path: SafeRelPath::new(&l.path)
                .ok()
                .filter(|p| !p.as_str().is_empty()),
        })),
        SourceKind::Folder | SourceKind::Bundle if whole && !l.path.is_empty() => {
            Some(Spec::Local(Path::new(&l.url).join(&l.path)))
        }
        SourceKind::Folder | SourceKind::Bundle => Some(Spec::Local(PathBuf::from(&l.url))),
    }
}

/// The commit a git source's ref resolves to now (fetched unless
/// offline); `None` for a folder or bundle.
pub fn current_commit(req: &Request<'_>, spec: &Spec) -> Result<Option<String>> {
    let Spec::Git(g) = spec else {
        return Ok(None);
    };
    let want = Want {
        url: &g.url,
        git_ref: g.git_ref.as_deref(),
        sha: None,
        path: None,
    };
    let rules = FetchRules {
        offline: req.offline,
        allow_file: g.is_local(),
    };
    git::resolve_commit(req.cache, want, rules).map(Some)
}

/// Reads `spec` again and picks the plugins `names` from it; the names it
/// no longer has come back apart (`req.plugins` is not used). A local path
/// that is not there any more is [`Error::SourceGone`].
pub fn recheck(
    req: &Request<'_>,
    spec: &Spec,
    names: &[String],
) -> Result<(Resolved, Vec<String>)> {
    if let Spec::Local(path) = spec
        && !crate::fsx::exists(path)
    {
        return Err(Error::gone(
            &path.display().to_string(),
            "is not there any more",
        ));
    }
    let (base, opened, work) = open(req, spec)?;
    let d = &opened.source.discovery;
    let present: HashSet<String> = d
        .plugins
        .iter()
        .map(|p| name_key(&p.name))
        .chain(d.remote.iter().map(|r| name_key(&r.name)))
        .collect();
    let (found, missing): (Vec<String>, Vec<String>) = names
        .iter()
        .cloned()
        .partition(|n| present.contains(&name_key(n)));
    let req = Request {
        plugins: Some(&found[..]),
        ..*req
    };
    Ok((assemble(&req, &base, opened, work)?, missing))
}

/// The plugins of a folder rebuilt from uploaded files, `name` its name
/// for the user (`upload:<name>`). A remote marketplace entry in it is not
/// fetched: the server does not fetch on a client's behalf (a warning says
/// so).
pub fn uploaded(opened: Opened, name: &str, plugins: Option<&[String]>) -> Result<Resolved> {
    let req = Request {
        given: Path::new(name),
        scratch: Path::new(name),
        cache: Path::new(name),
        limits: &Limits::DEFAULT,
        offline: true,
        plugins,
    };
    let base = Base {
        location: Location {
            kind: SourceKind::Upload,
            url: format!("upload:{name}"),
            git_ref: None,
            commit: None,
            path: String::new(),
        },
        from_afar: true,
    };
    let mut opened = opened;
    let skipped = std::mem::take(&mut opened.source.discovery.remote);
    for entry in &skipped {
        opened.source.discovery.warnings.push(format!(
            "plugin {:?}: a remote marketplace entry is not fetched for an upload; import it by its URL",
            entry.name
        ));
    }
    assemble(&req, &base, opened, None)
}

/// The source the user named: its location, and whether it came from
/// another machine.
struct Base {
    location: Location,
    from_afar: bool,
}

/// Fetches and checks out `g` into a fresh temporary folder named after
/// the repository (a plugin without a manifest is named by its folder).
fn fetch(
    req: &Request<'_>,
    g: &GitSpec,
    sha: Option<&str>,
    allow_file: bool,
) -> Result<(git::CheckedOut, TempDir)> {
    let tmp = std::env::temp_dir();
    let work = tempfile::Builder::new()
        .prefix(".skillmeat-git-")
        .tempdir_in(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    // Checked out below a folder named after the repository: a plugin
    // without a manifest at the repository's root is named by its folder.
    let dir = work.path().join(g.repo_name());
    let want = Want {
        url: &g.url,
        git_ref: g.git_ref.as_deref(),
        sha,
        path: g.path.as_ref(),
    };
    let rules = FetchRules {
        offline: req.offline,
        allow_file,
    };
    let checkout = git::check_out(req.cache, want, &dir, rules)?;
    Ok((checkout, work))
}

/// The chosen plugins of `opened` and of its marketplace's remote entries.
fn assemble(
    req: &Request<'_>,
    base: &Base,
    opened: Opened,
    work: Option<TempDir>,
) -> Result<Resolved> {
    let d = &opened.source.discovery;
    if base.location.kind == SourceKind::Git && !d.escaping.is_empty() {
        return Err(Error::remote(
            &base.location.url,
            format!(
                "a marketplace entry points outside the repository ({})",
                d.escaping.join("; ")
            ),
        ));
    }
    let names: Vec<&str> = d
        .plugins
        .iter()
        .map(|p| p.name.as_str())
        .chain(d.remote.iter().map(|r| r.name.as_str()))
        .collect();
    let chosen = choose(req.plugins, &names, &base.location.display())?;
    let keep = |name: &str| chosen.as_ref().is_none_or(|c| c.contains(&name_key(name)));
    let marketplace = d.marketplace.as_ref().map(|name| Marketplace {
        name: Some(name.clone()),
        location: base.location.clone(),
    });
    let plugins = d
        .plugins
        .iter()
        .enumerate()
        .filter(|(_, p)| keep(&p.name))
        .map(|(i, p)| {
            let provenance = Provenance {
                location: base.location.below(p.root.as_str()),
                marketplace: marketplace.clone(),
            };
            (i, provenance)
        })
        .collect();
    let remote: Vec<RemoteEntry> = d.remote.iter().filter(|r| keep(&r.name)).cloned().collect();
    let mut parts = vec![Part {
        opened,
        plugins,
        _work: work,
    }];
    for entry in &remote {
        parts.push(fetch_entry(req, base, marketplace.as_ref(), entry)?);
    }
    Ok(Resolved { parts })
}

/// The name keys of the plugins asked for; an unknown name is an error
/// naming the closest ones.
fn choose(
    wanted: Option<&[String]>,
    names: &[&str],
    source: &str,
) -> Result<Option<HashSet<String>>> {
    let Some(wanted) = wanted else {
        return Ok(None);
    };
    let known: HashSet<String> = names.iter().map(|n| name_key(n)).collect();
    for name in wanted {
        if !known.contains(&name_key(name)) {
            return Err(Error::UnknownPlugin {
                source_name: source.to_owned(),
                name: name.clone(),
                closest: closest(name, names),
            });
        }
    }
    Ok(Some(wanted.iter().map(|n| name_key(n)).collect()))
}

/// Up to three of `names`, the most like `name` first.
fn closest(name: &str, names: &[&str]) -> Vec<String> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .map(|n| (strsim::jaro_winkler(&lower, &n.to_lowercase()), *n))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_owned())
        .collect()
}

/// A marketplace entry's plugin, fetched from its own repository and read
/// as the only entry of a marketplace of our own making, so the entry
/// applies to it as it does in the marketplace.
fn fetch_entry(
    req: &Request<'_>,
    base: &Base,
    marketplace: Option<&Marketplace>,
    entry: &RemoteEntry,
) -> Result<Part> {
    let label = format!("marketplace entry {:?}", entry.name);
    let (url, on_this_machine) = match &entry.source.repo {
        RemoteRepo::Github(repo) => {
            let repo = repo.trim_end_matches(".git");
            (format!("{}{repo}.git", spec::github_base()), false)
        }
        RemoteRepo::Url(u) => spec::entry_url(u)?,
    };
    if on_this_machine && base.from_afar {
        return Err(Error::remote(
            &url,
            format!(
                "{label} of {} points at files on this machine; a marketplace fetched from elsewhere may not",
                base.location.display()
            ),
        ));
    }
    if on_this_machine && !url.contains("://") && !Path::new(&url).is_absolute() {
        return Err(Error::remote(
            &url,
            format!("{label}: a local repository must be an absolute path or a file:// URL"),
        ));
    }
    let g = GitSpec {
        url,
        git_ref: entry.source.git_ref.clone(),
        path: entry.source.path.clone(),
    };
    let (checkout, work) = fetch(req, &g, entry.source.sha.as_deref(), on_this_machine)?;
    let market_dir = write_marketplace(work.path(), &checkout.root, marketplace, entry)?;
    let opened = bundle::open_with(&market_dir, req.scratch, req.limits)?;
    let index = opened
        .source
        .discovery
        .plugins
        .iter()
        .position(|p| p.name == entry.name)
        .ok_or_else(|| {
            let why = opened.source.discovery.warnings.join("; ");
            Error::remote(&g.url, format!("{label}: no plugin could be read ({why})"))
        })?;
    let provenance = Provenance {
        location: Location {
            kind: SourceKind::Git,
            url: g.url.clone(),
            git_ref: g.git_ref.clone(),
            commit: Some(checkout.commit),
            path: g
                .path
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        },
        marketplace: marketplace.cloned(),
    };
    Ok(Part {
        opened,
        plugins: vec![(index, provenance)],
        _work: Some(work),
    })
}

/// `work/market/.claude-plugin/marketplace.json` listing `entry` with its
/// source at the checked-out folder `root` (inside `work`).
fn write_marketplace(
    work: &Path,
    root: &Path,
    marketplace: Option<&Marketplace>,
    entry: &RemoteEntry,
) -> Result<PathBuf> {
    let rel = root
        .strip_prefix(work)
        .map_err(|_| Error::Internal("checkout outside its folder".into()))?;
    let rel = SafeRelPath::new(&rel.to_string_lossy())
        .map_err(|e| Error::Internal(format!("checkout path: {e}")))?;
    let mut listed = entry.entry.clone();
    if let Some(obj) = listed.as_object_mut() {
        obj.insert("source".into(), format!("./{rel}").into());
    }
    let name = marketplace
        .and_then(|m| m.name.clone())
        .unwrap_or_else(|| "marketplace".into());
    let doc = serde_json::json!({ "name": name, "owner": {"name": name}, "plugins": [listed] });
    let dir = work.join(".claude-plugin");
    crate::fsx::create_private_dir(&dir)?;
    let file = dir.join("marketplace.json");
    let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
    Ok(work.to_owned())
}

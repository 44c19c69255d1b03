//! The per-project deployment record: `<project>/.claude/skillmeat/deployments.json`.
//! It lists, for every deployment, each file we wrote with its SHA-256, the
//! hook groups and MCP servers we merged, what `--force` replaced (and where
//! the user's original went), and the folders we created — the basis of
//! `undeploy` (remove exactly that, give back the rest) and `status` (drift).
//! While a deploy or undeploy runs it also holds that transaction's journal.
//!
//! The record arrives with the project (a cloned repository can carry one),
//! so it is untrusted input: every path in it is a [`Place`], a relative
//! path inside the project in one of the places skillmeat writes to, checked
//! as the file is read; the file itself is size-limited and read without
//! following links. A bad record is an error naming it, and nothing is touched.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use skillmeat_core::{ArtifactKind, ContentHash, SafeRelPath};

use super::project::Project;
use super::txn::Journal;
use crate::error::{Error, Result};

pub const RECORD: &str = ".claude/skillmeat/deployments.json";
/// The folder of the record, the lock and transactions.
pub const STATE_DIR: &str = ".claude/skillmeat";
/// The format this version writes; it reads 1 (no journal, no backups) too.
const FORMAT: u32 = 2;
/// A record is a list of paths and hashes: 64 MiB is far beyond any real one.
const MAX_RECORD: u64 = 64 << 20;

pub const SETTINGS: &str = ".claude/settings.json";
pub const MCP: &str = ".mcp.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    pub format_version: u32,
    pub deployments: Vec<Deployment>,
    /// `.claude/settings.json` and `.mcp.json` as they were before the first
    /// deployment merged into them (`None`: the file did not exist), so the
    /// last undeploy gives back the exact bytes.
    #[serde(default)]
    pub originals: Vec<Original>,
    /// A deploy or undeploy under way (or killed): see `txn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Journal>,
}

/// How a plugin is deployed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The plugin's own tree (its export) in `.claude/skills/<plugin>/`,
    /// which Claude Code loads as the project plugin `<plugin>@skills-dir`.
    Plugin,
    /// Its children in Claude Code's project places, hooks merged into
    /// `.claude/settings.json`, MCP servers into `.mcp.json`.
    #[default]
    Unpacked,
}

/// One `skillmeat deploy` of a plugin or an artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    /// The plugin or artifact deployed (what `undeploy NAME` names).
    pub name: String,
    pub kind: ArtifactKind,
    #[serde(default)]
    pub mode: Mode,
    pub collection: String,
    pub artifact_id: String,
    pub content_hash: String,
    pub version: Option<String>,
    pub platform: String,
    pub deployed_at: String,
    pub items: Vec<Item>,
    pub files: Vec<OwnedFile>,
    #[serde(default)]
    pub hooks: Vec<OwnedHook>,
    #[serde(default)]
    pub mcp_servers: Vec<OwnedServer>,
    /// Folders that did not exist before, outermost first.
    #[serde(default)]
    pub created_dirs: Vec<Place>,
    /// Files `--force` replaced, kept under another name until undeploy
    /// puts them back (oldest first).
    #[serde(default)]
    pub backups: Vec<Backup>,
    /// The user's MCP servers `--force` replaced, put back by undeploy.
    #[serde(default)]
    pub replaced_servers: Vec<ReplacedServer>,
}

impl Deployment {
    /// Whether it is the deployment of this kind and name.
    pub fn is(&self, kind: ArtifactKind, name: &str) -> bool {
        self.kind == kind && self.name == name
    }

    /// Each file it owns, with its recorded hash.
    pub fn file_hashes(&self) -> BTreeMap<&Place, &ContentHash> {
        self.files.iter().map(|f| (&f.path, &f.sha256)).collect()
    }
}

/// One deployed artifact, with the plugin it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub kind: ArtifactKind,
    pub name: String,
    pub artifact_id: String,
    /// The version deployed.
    pub content_hash: String,
    pub parent: Option<String>,
    pub relationship: Option<String>,
    /// This item's files.
    pub files: Vec<Place>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedFile {
    pub path: Place,
    pub sha256: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedHook {
    pub event: String,
    pub group: Value,
    pub artifact: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedServer {
    pub name: String,
    pub config: Value,
    pub artifact: String,
}

/// A file that was at `path` before `--force` replaced it, now at `backup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    pub path: Place,
    pub backup: Place,
    pub sha256: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplacedServer {
    pub name: String,
    pub config: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Original {
    pub path: Place,
    pub text: Option<String>,
}

/// A project-relative path in a place skillmeat deploys to:
/// `.claude/{skills,commands,agents,plugins}/…`, `.claude/settings.json`,
/// `.mcp.json`, backups beside them, `.claude` itself, and the transaction
/// folders under `.claude/skillmeat/txn/`. Nothing else can be named in a
/// record, so nothing else can be read, written or removed through one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Place(SafeRelPath);

/// The folders deployed files go below.
const DEPLOY_AREAS: [&str; 4] = [
    ".claude/skills/",
    ".claude/commands/",
    ".claude/agents/",
    ".claude/plugins/",
];
const TXN_AREA: &str = ".claude/skillmeat/txn/";

impl Place {
    pub fn new(path: &str) -> Result<Place, String> {
        let safe = SafeRelPath::new(path).map_err(|e| e.to_string())?;
        let p = safe.as_str();
        let shared = [SETTINGS, MCP].iter().any(|s| {
            p == *s
                || p.strip_prefix(s)
                    .and_then(|rest| rest.strip_prefix(".skillmeat-backup"))
                    .is_some_and(|n| n.is_empty() || is_backup_number(n))
        });
        let area = DEPLOY_AREAS
            .iter()
            .chain([&TXN_AREA])
            .any(|a| p.starts_with(a) || p == a.trim_end_matches('/'));
        if shared || area || p == super::CLAUDE_DIR {
            Ok(Place(safe))
        } else {
            Err(format!(
                "{path:?} is not a place skillmeat deploys to (.claude/skills, commands, agents, plugins, settings.json, .mcp.json)"
            ))
        }
    }

    /// File `n` of transaction `id`'s staging folder.
    pub fn staging(id: &str, n: usize) -> Result<Place> {
        staging_dir(id)
            .and_then(|dir| dir.join_str(&n.to_string()).ok())
            .map(Place)
            .ok_or_else(|| Error::Internal(format!("{id:?} is not a transaction id")))
    }

    pub fn rel(&self) -> &SafeRelPath {
        &self.0
    }

    /// A file a deployment can write: below a deploy area (not the area
    /// itself), or `settings.json` / `.mcp.json`.
    pub fn is_file_place(&self) -> bool {
        let p = self.as_str();
        p == SETTINGS
            || p == MCP
            || DEPLOY_AREAS
                .iter()
                .any(|a| p.strip_prefix(a).is_some_and(|rest| !rest.is_empty()))
    }

    /// A folder a deployment can create: `.claude`, a deploy area, or a
    /// folder below one.
    pub fn is_dir_place(&self) -> bool {
        self.as_str() == super::CLAUDE_DIR
            || DEPLOY_AREAS
                .iter()
                .any(|a| self.as_str().starts_with(a) || self.as_str() == a.trim_end_matches('/'))
    }

    /// `<file>.skillmeat-backup` or `<file>.skillmeat-backup.<n>` of a file place.
    pub fn is_backup_of(&self, file: &Place) -> bool {
        file.is_file_place()
            && self
                .as_str()
                .strip_prefix(file.as_str())
                .and_then(|rest| rest.strip_prefix(".skillmeat-backup"))
                .is_some_and(|n| n.is_empty() || is_backup_number(n))
    }

    /// A backup beside a file place (`<file>.skillmeat-backup[.<n>]`).
    pub fn is_backup(&self) -> bool {
        let p = self.as_str();
        let base = match p.rfind(".skillmeat-backup") {
            Some(i) if is_backup_suffix(&p[i + ".skillmeat-backup".len()..]) => &p[..i],
            _ => return false,
        };
        Place::new(base).is_ok_and(|b| b.is_file_place())
    }

    /// A file of transaction `id`'s staging folder.
    pub fn is_staging_of(&self, id: &str) -> bool {
        self.as_str()
            .strip_prefix(TXN_AREA)
            .and_then(|rest| rest.strip_prefix(id))
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

fn is_backup_suffix(suffix: &str) -> bool {
    suffix.is_empty() || is_backup_number(suffix)
}

fn is_backup_number(suffix: &str) -> bool {
    suffix
        .strip_prefix('.')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl TryFrom<String> for Place {
    type Error = String;
    fn try_from(s: String) -> Result<Place, String> {
        Place::new(&s)
    }
}

impl From<Place> for String {
    fn from(p: Place) -> String {
        p.0.as_str().to_owned()
    }
}

impl fmt::Debug for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Place {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// One of the constant paths under `.claude/skillmeat/` (the record, the
/// lock, the staging area). Never built from data: see [`staging_dir`].
#[allow(clippy::expect_used)]
pub fn state_path(path: &'static str) -> SafeRelPath {
    SafeRelPath::new(path).expect("a constant relative path")
}

/// Whether `id` can name a transaction: a plain, non-empty ASCII name.
pub fn is_transaction_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `.claude/skillmeat/txn/<id>`, for a plain `id` only (never anything else,
/// least of all the project root).
pub fn staging_dir(id: &str) -> Option<SafeRelPath> {
    is_transaction_id(id)
        .then(|| SafeRelPath::new(&format!("{}/{id}", super::txn::TXN_DIR)).ok())
        .flatten()
}

/// The names a record shows the user follow the name rule (no control
/// characters that would reach the terminal, no `..` …).
fn check_names(d: &Deployment) -> Result<(), String> {
    let hook = ArtifactKind::Hook;
    let server = ArtifactKind::McpServer;
    let mut names = vec![(d.kind, d.name.as_str())];
    for i in &d.items {
        names.push((i.kind, &i.name));
        names.extend(i.parent.as_deref().map(|p| (ArtifactKind::Composite, p)));
    }
    names.extend(
        d.hooks
            .iter()
            .flat_map(|h| [(hook, &*h.artifact), (hook, &*h.event)]),
    );
    names.extend(d.mcp_servers.iter().map(|s| (server, s.name.as_str())));
    names.extend(d.replaced_servers.iter().map(|s| (server, s.name.as_str())));
    for (kind, name) in names {
        if let Err(problem) = skillmeat_core::artifact::check_name(kind, name) {
            return Err(format!("{} name {name:?}: {problem}", kind.noun()));
        }
    }
    Ok(())
}

/// A place built from values we made (a name, a plugin file path): a bad
/// one (a name such as `..` stored by an older version) is bad input.
pub fn place(path: String) -> Result<Place> {
    Place::new(&path).map_err(|reason| Error::BadInput {
        path: path.into(),
        reason,
    })
}

impl Record {
    pub fn empty() -> Record {
        Record {
            format_version: FORMAT,
            ..Record::default()
        }
    }

    /// Reads and checks the record (an empty one if there is none).
    pub fn load(project: &Project) -> Result<Record> {
        let path = state_path(RECORD);
        let Some((bytes, _)) = project.read(&path, MAX_RECORD)? else {
            return Ok(Record::empty());
        };
        let bad = |reason: String| Error::BadInput {
            path: project.path(&path),
            reason: format!("not a valid skillmeat deployment record: {reason}"),
        };
        let record: Record = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if record.format_version > FORMAT {
            return Err(bad(format!(
                "format {} was written by a newer skillmeat",
                record.format_version
            )));
        }
        record.check().map_err(bad)?;
        Ok(record)
    }

    /// Each path in its role: files where deployments write files, backups
    /// beside the file they back up, folders where deployments make them,
    /// and a journal's renames only between those and its staging folder.
    fn check(&self) -> Result<(), String> {
        let wrong = |what: &str, p: &Place| Err(format!("{what} {p:?} is not a place for that"));
        for d in &self.deployments {
            check_names(d)?;
            let files = d.files.iter().map(|f| &f.path);
            for p in files.chain(d.items.iter().flat_map(|i| &i.files)) {
                if !p.is_file_place() {
                    return wrong("file", p);
                }
            }
            for b in &d.backups {
                if !b.backup.is_backup_of(&b.path) {
                    return wrong("backup", &b.backup);
                }
            }
            if let Some(p) = d.created_dirs.iter().find(|p| !p.is_dir_place()) {
                return wrong("created folder", p);
            }
        }
        if let Some(o) = self
            .originals
            .iter()
            .find(|o| o.path != *SETTINGS && o.path != *MCP)
        {
            return wrong("original", &o.path);
        }
        match &self.transaction {
            Some(j) => j.check(),
            None => Ok(()),
        }
    }

    /// The record's text as it is written.
    pub fn to_text(&self) -> Result<String> {
        let mut r = self.clone();
        r.format_version = FORMAT;
        Ok(serde_json::to_string_pretty(&r).map_err(|e| Error::Internal(e.to_string()))? + "\n")
    }

    pub fn is_empty(&self) -> bool {
        self.deployments.is_empty() && self.transaction.is_none()
    }

    /// The deployment of this kind and name.
    pub fn find(&self, kind: ArtifactKind, name: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.is(kind, name))
    }

    /// The deployment `undeploy NAME` means: `kind:name` exactly, else the
    /// one of that name, or of several the plugin (as `show` and `deploy`
    /// resolve names); `Err` lists them when that does not decide.
    pub fn named(&self, name: &str) -> Result<Option<&Deployment>, Vec<&Deployment>> {
        if let Some((kind, rest)) = name.split_once(':')
            && let Ok(kind) = kind.parse::<ArtifactKind>()
        {
            return Ok(self.find(kind, rest));
        }
        let all: Vec<&Deployment> = self.deployments.iter().filter(|d| d.name == name).collect();
        match all.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => match many.iter().find(|d| d.kind == ArtifactKind::Composite) {
                Some(plugin) => Ok(Some(plugin)),
                None => Err(all),
            },
        }
    }

    /// Every file the deployments other than `except` own, with its owner.
    pub fn files_of_others(&self, except: (ArtifactKind, &str)) -> BTreeMap<&Place, &str> {
        self.deployments
            .iter()
            .filter(|d| !d.is(except.0, except.1))
            .flat_map(|d| d.files.iter().map(|f| (&f.path, d.name.as_str())))
            .collect()
    }

    /// Hands each backup to the deployment that owns its file (a file two
    /// deployments share keeps its backup when one goes); returns those
    /// no deployment owns.
    pub fn hand_over_backups(&mut self, backups: Vec<Backup>) -> Vec<Backup> {
        let mut left = Vec::new();
        for b in backups {
            let owner = self
                .deployments
                .iter_mut()
                .find(|d| d.files.iter().any(|f| f.path == b.path));
            match owner {
                Some(d) if !d.backups.contains(&b) => d.backups.push(b),
                Some(_) => {}
                None => left.push(b),
            }
        }
        left
    }

    /// Folders a deployment made and no longer uses: those another
    /// deployment has files in (or made too) become that one's to remove;
    /// the rest are returned, innermost first, to remove after the commit
    /// if nothing but leftovers is in them.
    pub fn hand_over_dirs(&mut self, dirs: Vec<Place>) -> Vec<Place> {
        let mut rmdirs = Vec::new();
        for dir in dirs {
            let prefix = format!("{dir}/");
            let user = self.deployments.iter_mut().find(|d| {
                d.created_dirs.contains(&dir)
                    || d.files.iter().any(|f| f.path.as_str().starts_with(&prefix))
            });
            match user {
                Some(d) if !d.created_dirs.contains(&dir) => d.created_dirs.push(dir),
                Some(_) => {}
                None => rmdirs.push(dir),
            }
        }
        rmdirs.sort_by_key(|d| std::cmp::Reverse(d.as_str().matches('/').count()));
        rmdirs
    }

    /// Hands each replaced server of the user's to the deployment that has
    /// a server of that name (shared): it goes back when that one goes.
    /// Returns those no deployment has.
    pub fn hand_over_replaced(&mut self, replaced: Vec<ReplacedServer>) -> Vec<ReplacedServer> {
        let mut left = Vec::new();
        for r in replaced {
            let owner = self
                .deployments
                .iter_mut()
                .find(|d| d.mcp_servers.iter().any(|s| s.name == r.name));
            match owner {
                Some(d) if !d.replaced_servers.iter().any(|x| x.name == r.name) => {
                    d.replaced_servers.push(r)
                }
                Some(_) => {}
                None => left.push(r),
            }
        }
        left
    }

    /// The text a shared file had before any deployment touched it.
    pub fn original(&self, path: &str) -> Option<&Original> {
        self.originals.iter().find(|o| o.path == *path)
    }

    /// Remembers a shared file's text before the first merge into it.
    pub fn remember_original(&mut self, path: &Place, text: Option<String>) {
        if self.original(path.as_str()).is_none() {
            self.originals.push(Original {
                path: path.clone(),
                text,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        for ok in [
            ".claude",
            ".claude/skills",
            ".claude/skills/x/SKILL.md",
            ".claude/commands/a/b.md",
            ".claude/plugins/p/hooks/run.sh",
            ".claude/settings.json",
            ".mcp.json",
            ".mcp.json.skillmeat-backup",
            ".claude/commands/x.md.skillmeat-backup.12",
            ".claude/settings.json.skillmeat-backup.3",
            ".claude/skillmeat/txn/01J/3",
        ] {
            assert!(Place::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/srv/victim",
            "../victim",
            ".claude/../../victim",
            "src/main.rs",
            ".claude/skillmeat/deployments.json",
            ".claude/settings.local.json",
            ".mcp.json.skillmeat-backup.x",
            ".mcp.jsonx",
            "/dev/zero",
            "",
            ".claude/skills/../../x",
            ".claudex/skills/a",
        ] {
            assert!(Place::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_record_naming_paths_outside_is_refused() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let project = Project::open(dir.path()).expect("project");
        let text = r#"{"format_version": 1, "deployments": [{"name": "x", "kind": "skill",
            "collection": "default", "artifact_id": "a", "content_hash": "h", "version": null,
            "platform": "claude-code", "deployed_at": "t", "items": [], "files": [],
            "created_dirs": ["/srv/victim", "../victim"]}]}"#;
        std::fs::create_dir_all(dir.path().join(STATE_DIR)).expect("mkdir");
        std::fs::write(dir.path().join(RECORD), text).expect("write");
        let err = Record::load(&project).expect_err("refused").to_string();
        assert!(err.contains("deployments.json"), "{err}");
        assert!(err.contains("/srv/victim"), "{err}");
        let ok = text.replace(r#""/srv/victim", "../victim""#, r#"".claude/skills""#);
        std::fs::write(dir.path().join(RECORD), ok).expect("write");
        let record = Record::load(&project).expect("a good record");
        assert_eq!(record.deployments[0].created_dirs[0], *".claude/skills");
    }
}

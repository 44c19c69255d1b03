//! Planning a deployment: every file it puts in the project and what each
//! replaces, the hooks and MCP servers it merges, and the record it leaves.
//! Planning reads and never writes; [`super::apply`] carries a plan out as
//! one transaction.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use skillmeat_core::{ArtifactKind, ContentHash};

use super::json_file::JsonFile;
use super::merge::{self, Merged};
use super::project::{Entry, Project};
use super::record::{Backup, Deployment, Item, OwnedFile, Place, Record, place};
use super::units::Target;
use super::{CLAUDE_CODE, plugin_dir};
use crate::collection::Collection;
use crate::collection::layout::SINGLE_FILE;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub platform: String,
    pub use_current: bool,
    pub force: bool,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A new file.
    Write,
    /// A file we wrote before, unchanged since: replaced.
    Replace,
    /// Already exactly this content.
    Unchanged,
    /// Someone else's file (or one changed since we wrote it, or a
    /// read-only one): refused without `--force` (read-only: always).
    Conflict,
    /// `--force`: the existing file is kept as a backup (`detail` names it),
    /// put back by undeploy.
    Backup,
    MergeHook,
    MergeMcpServer,
    /// A file of the previous deployment that is no longer part of it.
    Remove,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub action: Action,
    pub path: String,
    pub artifact: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub kind: ArtifactKind,
    pub project: String,
    pub platform: String,
    pub dry_run: bool,
    pub operations: Vec<Operation>,
    pub warnings: Vec<String>,
    pub deployed: Vec<DeployedItem>,
}

impl Outcome {
    /// The paths (and MCP servers) the deployment would replace without `--force`.
    pub fn conflicts(&self) -> Vec<String> {
        self.operations
            .iter()
            .filter(|o| o.action == Action::Conflict)
            .map(|o| match &o.detail {
                Some(d) => format!("{} ({d})", o.path),
                None => o.path.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployedItem {
    pub kind: ArtifactKind,
    pub name: String,
    pub parent: Option<String>,
    pub content_hash: String,
}

/// One change to the project.
#[derive(Debug, Clone)]
pub enum Change {
    /// A file put at `path`, replacing what is there.
    Put {
        path: Place,
        source: Source,
        mode: u32,
        artifact: String,
        replaces: Replaces,
    },
    /// A file goes (or is kept under another name, `keep`).
    Remove { path: Place, keep: Option<Place> },
    /// A backup goes back to its place, replacing what is there.
    Restore {
        backup: Place,
        path: Place,
        replaces: Replaces,
    },
}

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A stored blob, re-hashed as it is copied.
    Blob(ContentHash),
    /// Bytes we made (a merged settings file, `deployment.toml`).
    Bytes(Vec<u8>),
}

/// What a change does with the file it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaces {
    Nothing,
    /// Ours (or a merged file): moved aside, gone at the commit.
    Ours,
    /// Someone else's, replaced with `--force`: kept at this backup.
    Theirs(Place),
}

/// A deployment planned: the changes, and the record once they are made.
#[derive(Debug)]
pub struct Planned {
    pub outcome: Outcome,
    pub changes: Vec<Change>,
    pub after: Record,
}

/// A file the deployment puts in the project.
#[derive(Debug)]
struct Desired {
    path: Place,
    source: Source,
    hash: ContentHash,
    executable: bool,
    artifact: String,
}

/// Plans deploying `target` into `project`, whose record is `record`.
/// `made_claude`: the deploy created `.claude` (for the lock).
pub fn plan(
    collection: &Collection,
    project: &Project,
    target: &Target,
    record: &Record,
    opts: &Options,
    made_claude: bool,
) -> Result<Planned> {
    let name = &target.artifact.name;
    let previous = record.find(name);
    let desired = desired_files(target)?;
    let mut files = Files::new(project, previous, record.files_of_others(name), opts.force);
    files.keep_live_backups()?;
    for d in &desired {
        files.add(d)?;
    }
    files.stale(&desired)?;

    let mut after = record.clone();
    after.transaction = None;
    let others = merge::Others::of(record, name);
    let mut merged = merge::deploy(collection, project, target, previous, &others, opts.force)?;
    files.shared(&merged.settings, &mut after)?;
    files.shared(&merged.mcp, &mut after)?;
    files.ops.append(&mut merged.ops);
    for (server, config) in std::mem::take(&mut merged.displaced) {
        let backup = server_backup(project, &server, &config, &mut files.taken)?;
        let detail = format!("your changed configuration is kept in {}", backup.path());
        files.op(Action::Backup, &merged.mcp.place, &server, Some(detail));
        files.changes.push(backup);
    }

    let deployment = files.deployment(target, opts, &desired, merged, made_claude);
    after.deployments.retain(|d| d.name != target.artifact.name);
    after.deployments.push(deployment);
    let outcome = Outcome {
        name: target.artifact.name.clone(),
        kind: target.artifact.kind,
        project: project.root().display().to_string(),
        platform: opts.platform.clone(),
        dry_run: opts.dry_run,
        operations: files.ops,
        warnings: target.warnings.clone(),
        deployed: target
            .units
            .iter()
            .map(|u| DeployedItem {
                kind: u.kind,
                name: u.name.clone(),
                parent: u.parent.clone(),
                content_hash: u.content_hash.clone(),
            })
            .collect(),
    };
    Ok(Planned {
        outcome,
        changes: files.changes,
        after,
    })
}

/// The file side of a plan, built up one desired file at a time.
struct Files<'a> {
    project: &'a Project,
    previous: Option<&'a Deployment>,
    /// The previous deployment's files and their recorded hashes.
    recorded: BTreeMap<&'a Place, &'a ContentHash>,
    /// Files the project's other deployments own.
    others: BTreeMap<&'a Place, &'a str>,
    force: bool,
    ops: Vec<Operation>,
    changes: Vec<Change>,
    owned: Vec<OwnedFile>,
    backups: Vec<Backup>,
    /// Backup names taken by this plan.
    taken: BTreeSet<Place>,
    /// The directories this deployment's files go into that do not exist.
    new_dirs: Vec<Place>,
    new_dir_set: BTreeSet<Place>,
}

impl<'a> Files<'a> {
    fn new(
        project: &'a Project,
        previous: Option<&'a Deployment>,
        others: BTreeMap<&'a Place, &'a str>,
        force: bool,
    ) -> Files<'a> {
        Files {
            project,
            previous,
            recorded: previous.map(Deployment::file_hashes).unwrap_or_default(),
            others,
            force,
            ops: Vec::new(),
            changes: Vec::new(),
            owned: Vec::new(),
            backups: previous.map(|p| p.backups.clone()).unwrap_or_default(),
            taken: BTreeSet::new(),
            new_dirs: Vec::new(),
            new_dir_set: BTreeSet::new(),
        }
    }

    fn recorded(&self, path: &Place) -> Option<&ContentHash> {
        self.recorded.get(path).copied()
    }

    fn op(&mut self, action: Action, path: &Place, artifact: &str, detail: Option<String>) {
        self.ops.push(Operation {
            action,
            path: path.to_string(),
            artifact: artifact.to_owned(),
            detail,
        });
    }

    fn add(&mut self, d: &Desired) -> Result<()> {
        let entry = self.project.entry(d.path.rel())?;
        let ours = self
            .recorded(&d.path)
            .is_some_and(|h| Some(h) == entry.hash());
        let replaces = match entry {
            Entry::Other(what) => return Err(in_the_way(self.project, &d.path, what)),
            Entry::Missing => Replaces::Nothing,
            Entry::File { hash, .. } if hash == d.hash => {
                self.op(Action::Unchanged, &d.path, &d.artifact, None);
                // Ours before, or another deployment's (then shared).
                if self.recorded(&d.path).is_some() || self.others.contains_key(&d.path) {
                    self.own(d);
                }
                return Ok(());
            }
            _ if self.others.contains_key(&d.path) && !ours => {
                let by = self.others[&d.path];
                let detail = Some(format!("deployed by {by}; undeploy it first"));
                self.op(Action::Conflict, &d.path, &d.artifact, detail);
                return Ok(());
            }
            _ if entry.read_only() => {
                let detail = Some("read-only; never replaced".to_owned());
                self.op(Action::Conflict, &d.path, &d.artifact, detail);
                return Ok(());
            }
            _ if ours => Replaces::Ours,
            _ if !self.force => {
                self.op(Action::Conflict, &d.path, &d.artifact, None);
                return Ok(());
            }
            Entry::File { hash, .. } => {
                let backup = self.free_backup(&d.path)?;
                self.backups.push(Backup {
                    path: d.path.clone(),
                    backup: backup.clone(),
                    sha256: hash,
                });
                Replaces::Theirs(backup)
            }
        };
        let action = match &replaces {
            Replaces::Nothing => Action::Write,
            Replaces::Ours => Action::Replace,
            Replaces::Theirs(_) => Action::Backup,
        };
        let detail = match &replaces {
            Replaces::Theirs(b) => Some(format!("the existing file is kept as {b}")),
            _ => None,
        };
        self.op(action, &d.path, &d.artifact, detail);
        for dir in self.project.missing_parents(d.path.rel())? {
            let dir = place(dir.as_str().to_owned())?;
            if self.new_dir_set.insert(dir.clone()) {
                self.new_dirs.push(dir);
            }
        }
        self.changes.push(Change::Put {
            path: d.path.clone(),
            source: d.source.clone(),
            mode: if d.executable { 0o755 } else { 0o644 },
            artifact: d.artifact.clone(),
            replaces,
        });
        self.own(d);
        Ok(())
    }

    fn own(&mut self, d: &Desired) {
        self.owned.push(OwnedFile {
            path: d.path.clone(),
            sha256: d.hash,
        });
    }

    /// The previous deployment's backups that are still there (a backup the
    /// user deleted cannot be put back: it is dropped, with a warning).
    fn keep_live_backups(&mut self) -> Result<()> {
        let mut live = Vec::new();
        for b in std::mem::take(&mut self.backups) {
            if matches!(self.project.entry(b.backup.rel())?, Entry::File { .. }) {
                live.push(b);
            } else {
                let detail = Some(format!(
                    "{} is gone; {} cannot be put back",
                    b.backup, b.path
                ));
                self.op(Action::Remove, &b.backup, "", detail);
            }
        }
        self.backups = live;
        Ok(())
    }

    fn free_backup(&mut self, path: &Place) -> Result<Place> {
        free_backup(self.project, path, &mut self.taken)
    }

    /// Files of the previous deployment that are no longer part of it: ours
    /// and unchanged, they go (or the user's file they replaced comes back).
    fn stale(&mut self, desired: &[Desired]) -> Result<()> {
        let Some(previous) = self.previous else {
            return Ok(());
        };
        let wanted: BTreeSet<&Place> = desired.iter().map(|d| &d.path).collect();
        for f in previous.files.iter().filter(|f| !wanted.contains(&f.path)) {
            if self.others.contains_key(&f.path) {
                continue;
            }
            let entry = self.project.entry(f.path.rel())?;
            let backup = self.backups.iter().position(|b| b.path == f.path);
            match (entry.hash() == Some(&f.sha256), backup) {
                (true, Some(i)) => {
                    let b = self.backups.remove(i);
                    self.changes.push(Change::Restore {
                        backup: b.backup,
                        path: f.path.clone(),
                        replaces: Replaces::Ours,
                    });
                }
                (true, None) => self.changes.push(Change::Remove {
                    path: f.path.clone(),
                    keep: None,
                }),
                // Changed since: it is the user's now (with any backup).
                (false, _) => continue,
            }
            let name = previous.name.clone();
            self.op(Action::Remove, &f.path, &name, None);
        }
        Ok(())
    }

    /// A merged settings file: the change that gives it its new text.
    fn shared(&mut self, file: &JsonFile, after: &mut Record) -> Result<()> {
        match shared_change(file, after) {
            Ok(change) => self.changes.extend(change),
            Err(SharedReadOnly::ReadOnly) => {
                let detail = Some("read-only; never changed".to_owned());
                self.op(Action::Conflict, &file.place, "", detail);
            }
            Err(SharedReadOnly::Error(e)) => return Err(e),
        }
        Ok(())
    }

    fn deployment(
        &self,
        target: &Target,
        opts: &Options,
        desired: &[Desired],
        merged: Merged,
        made_claude: bool,
    ) -> Deployment {
        let mut created_dirs = self
            .previous
            .map(|p| p.created_dirs.clone())
            .unwrap_or_default();
        let claude = place(".claude".to_owned()).ok();
        let new = claude.filter(|_| made_claude).into_iter();
        let mut known: BTreeSet<Place> = created_dirs.iter().cloned().collect();
        for dir in new.chain(self.new_dirs.iter().cloned()) {
            if known.insert(dir.clone()) {
                created_dirs.push(dir);
            }
        }
        let mut by_artifact: BTreeMap<&str, Vec<Place>> = BTreeMap::new();
        for d in desired {
            by_artifact
                .entry(&d.artifact)
                .or_default()
                .push(d.path.clone());
        }
        Deployment {
            name: target.artifact.name.clone(),
            kind: target.artifact.kind.as_str().to_owned(),
            collection: String::new(),
            artifact_id: target.artifact.id.clone(),
            content_hash: target.content_hash.clone(),
            version: target.version.clone(),
            platform: opts.platform.clone(),
            deployed_at: target.deployed_at.clone(),
            items: target
                .units
                .iter()
                .map(|u| Item {
                    kind: u.kind.as_str().to_owned(),
                    name: u.name.clone(),
                    artifact_id: u.artifact_id.clone(),
                    content_hash: u.content_hash.clone(),
                    parent: u.parent.clone(),
                    relationship: u.relationship.clone(),
                    files: by_artifact
                        .get(u.name.as_str())
                        .cloned()
                        .unwrap_or_default(),
                })
                .collect(),
            files: self.owned.clone(),
            hooks: merged.hooks,
            mcp_servers: merged.servers,
            created_dirs,
            backups: self.backups.clone(),
            replaced_servers: merged.replaced,
        }
    }
}

/// `<path>.skillmeat-backup`, else `.1`, `.2` …: never an existing file
/// nor one already `taken` by this plan.
pub(super) fn free_backup(
    project: &Project,
    path: &Place,
    taken: &mut BTreeSet<Place>,
) -> Result<Place> {
    let mut n = 0;
    loop {
        let name = match n {
            0 => format!("{path}.skillmeat-backup"),
            n => format!("{path}.skillmeat-backup.{n}"),
        };
        let candidate = place(name)?;
        if project.entry(candidate.rel())? == Entry::Missing && taken.insert(candidate.clone()) {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// A backup file beside `.mcp.json` holding one server's configuration:
/// `{"mcpServers": {name: config}}`. It is the user's, not the deployment's.
pub(super) fn server_backup(
    project: &Project,
    name: &str,
    config: &serde_json::Value,
    taken: &mut BTreeSet<Place>,
) -> Result<Change> {
    let path = free_backup(project, &place(super::record::MCP.to_owned())?, taken)?;
    let doc = serde_json::json!({ "mcpServers": { name: config } });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Change::Put {
        path,
        source: Source::Bytes((text + "\n").into_bytes()),
        mode: 0o644,
        artifact: name.to_owned(),
        replaces: Replaces::Nothing,
    })
}

impl Change {
    /// The project path the change writes or removes.
    pub fn path(&self) -> &Place {
        match self {
            Change::Put { path, .. }
            | Change::Remove { path, .. }
            | Change::Restore { path, .. } => path,
        }
    }
}

/// A merged settings file's new text as a change; `Err(())`: it is
/// read-only, and is never changed.
pub(super) fn shared_change(
    file: &JsonFile,
    after: &mut Record,
) -> Result<Option<Change>, SharedReadOnly> {
    if !file.changed() {
        return Ok(None);
    }
    after.remember_original(&file.place, file.text.clone());
    let original = after.original(file.place.as_str()).map(|o| &o.text);
    let want = file.desired(original).map_err(SharedReadOnly::Error)?;
    if want == file.text {
        return Ok(None);
    }
    if file.read_only {
        return Err(SharedReadOnly::ReadOnly);
    }
    let replaces = match file.text {
        Some(_) => Replaces::Ours,
        None => Replaces::Nothing,
    };
    Ok(Some(match want {
        None => Change::Remove {
            path: file.place.clone(),
            keep: None,
        },
        Some(text) => Change::Put {
            path: file.place.clone(),
            source: Source::Bytes(text.into_bytes()),
            mode: file.mode.unwrap_or(0o644),
            artifact: String::new(),
            replaces,
        },
    }))
}

/// Why a merged file cannot be changed.
#[derive(Debug)]
pub(super) enum SharedReadOnly {
    ReadOnly,
    Error(Error),
}

fn in_the_way(project: &Project, path: &Place, what: &str) -> Error {
    Error::BadInput {
        path: project.path(path.rel()),
        reason: format!(
            "is a {what} where skillmeat would write a file; nothing was deployed (deploy never writes through a link or over a folder)"
        ),
    }
}

/// Every file the deployment puts in the project.
fn desired_files(target: &Target) -> Result<Vec<Desired>> {
    let plugin = &target.artifact.name;
    let mut out = Vec::new();
    for u in &target.units {
        let support = plugin_dir(u.parent.as_deref().unwrap_or(plugin));
        for f in &u.files {
            let path = match u.kind {
                ArtifactKind::Skill => format!(".claude/skills/{}/{}", u.name, f.path),
                ArtifactKind::Command | ArtifactKind::Agent => {
                    let dir = if u.kind == ArtifactKind::Command {
                        "commands"
                    } else {
                        "agents"
                    };
                    if f.path == SINGLE_FILE {
                        format!(".claude/{dir}/{}.md", u.name)
                    } else {
                        format!(".claude/{dir}/{}/{}", u.name, f.path)
                    }
                }
                ArtifactKind::Hook => format!("{support}/{}", f.path),
                ArtifactKind::McpServer | ArtifactKind::Composite => continue,
            };
            out.push(blob_file(path, &f.blob_hash, f.executable, &u.name)?);
        }
    }
    for f in &target.meta {
        let path = format!("{}/{}", plugin_dir(plugin), f.path);
        out.push(blob_file(path, &f.blob_hash, f.executable, plugin)?);
    }
    if target.artifact.kind == ArtifactKind::Composite {
        let body = super::units::deployment_toml(target).into_bytes();
        out.push(Desired {
            path: place(format!("{}/deployment.toml", plugin_dir(plugin)))?,
            hash: skillmeat_core::hash::hash_bytes(&body),
            source: Source::Bytes(body),
            executable: false,
            artifact: plugin.clone(),
        });
    }
    // Never the same path twice (two children cannot share a target).
    let mut seen = BTreeSet::new();
    out.retain(|d| seen.insert(d.path.clone()));
    Ok(out)
}

fn blob_file(path: String, blob: &str, executable: bool, artifact: &str) -> Result<Desired> {
    let hash: ContentHash = blob
        .parse()
        .map_err(|e| Error::Internal(format!("stored blob hash {blob:?}: {e}")))?;
    Ok(Desired {
        path: place(path)?,
        source: Source::Blob(hash),
        hash,
        executable,
        artifact: artifact.to_owned(),
    })
}

/// Refuses a platform v1 does not deploy to.
pub fn check_platform(target: &Target, platform: &str) -> Result<()> {
    if platform == CLAUDE_CODE {
        return Ok(());
    }
    let what = if target.artifact.kind == ArtifactKind::Composite {
        "plugin deployment"
    } else {
        "deployment"
    };
    Err(Error::Usage(format!(
        "{what} to {platform} is not supported in v1"
    )))
}

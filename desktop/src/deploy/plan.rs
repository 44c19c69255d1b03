//! Planning a deployment: every file it puts in the project and what each
//! replaces, the hooks and MCP servers it merges, and the record it leaves.
//! Planning reads and never writes; [`super::apply`] carries a plan out as
//! one transaction.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use skillmeat_core::kind::Unpacked;
use skillmeat_core::{ArtifactKind, ContentHash};

use super::json_file::JsonFile;
use super::merge::{self, Merged};
use super::project::{Entry, FileKind, Project};
use super::record::{Backup, Deployment, Item, Mode, OwnedFile, Place, Record, place};
use super::units::Target;
use super::{CLAUDE_CODE, CLAUDE_DIR, plugin_dir};
use crate::bundle::PluginTree;
use crate::collection::Collection;
use crate::collection::layout::SINGLE_FILE;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub platform: String,
    pub use_current: bool,
    pub force: bool,
    pub dry_run: bool,
    /// `None`: a plugin deploys natively ([`Mode::Plugin`]), one artifact
    /// (or a plugin with `use_current`) unpacked.
    pub mode: Option<Mode>,
}

/// What a deployment is planned from.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub collection: &'a Collection,
    pub project: &'a Project,
    pub target: &'a Target,
    /// The plugin's own tree (a native plugin deployment).
    pub tree: Option<&'a PluginTree>,
    pub opts: &'a Options,
    /// The deploy created `.claude` (to take the lock).
    pub made_claude: bool,
}

/// The mode a deployment uses: the one asked for, else the plugin mode for
/// a plugin and unpacked for one artifact. Only a plugin at its pinned
/// versions deploys natively, so `use_current` without a mode is unpacked.
pub fn mode_for(target: &Target, opts: &Options) -> Result<Mode> {
    let plugin = target.artifact.kind == ArtifactKind::Composite;
    let mode = opts.mode.unwrap_or(if plugin && !opts.use_current {
        Mode::Plugin
    } else {
        Mode::Unpacked
    });
    match mode {
        Mode::Unpacked => Ok(Mode::Unpacked),
        Mode::Plugin if target.artifact.kind != ArtifactKind::Composite => {
            Err(Error::Usage(format!(
                "{} is a single {}: it deploys unpacked (--mode plugin is for plugins)",
                target.artifact.name,
                target.artifact.kind.noun()
            )))
        }
        Mode::Plugin if opts.use_current => Err(Error::Usage(
            "--use-current deploys unpacked: a plugin deploys natively at the versions it pins"
                .into(),
        )),
        Mode::Plugin => Ok(Mode::Plugin),
    }
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
    /// Folders it created before that now hold none of its files: removed
    /// after the commit if nothing but leftovers is in them.
    pub rmdirs: Vec<Place>,
    pub after: Record,
}

/// A file the deployment puts in the project.
#[derive(Debug)]
struct Desired {
    path: Place,
    source: Source,
    hash: ContentHash,
    executable: bool,
    /// The artifact it belongs to (its name, for people; its id, to group).
    artifact: String,
    /// The artifacts whose file it is (one, but for a plugin's `.mcp.json`,
    /// which holds all its servers).
    artifact_ids: Vec<String>,
}

/// Plans a deployment into a project whose record is `record`.
pub fn plan(inputs: &Inputs, record: &Record) -> Result<Planned> {
    let target = inputs.target;
    let key = (target.artifact.kind, target.artifact.name.as_str());
    let previous = record.find(key.0, key.1);
    let desired = match inputs.tree {
        Some(tree) => tree_files(tree, target)?,
        None => desired_files(target)?,
    };
    let mut files = FilePlan::new(
        inputs.project,
        previous,
        record.files_of_others(key),
        inputs.opts.force,
    );
    files.keep_live_backups()?;
    for d in &desired {
        files.add(d)?;
    }
    files.stale(&desired)?;

    let mut after = record.clone();
    after.transaction = None;
    let others = merge::Others::of(record, key);
    let unpacked = inputs.tree.is_none();
    let flags = (inputs.opts.force, unpacked);
    let mut merged = merge::deploy(
        inputs.collection,
        inputs.project,
        target,
        previous,
        &others,
        flags,
    )?;
    files.merged(&mut merged, &mut after)?;
    let mut warnings = target.warnings.clone();
    warnings.append(&mut merged.warnings);

    after.deployments.retain(|d| !d.is(key.0, key.1));
    let (mut deployment, rmdirs) =
        files.deployment(target, inputs.opts, &desired, merged, inputs.made_claude);
    deployment.mode = if unpacked {
        Mode::Unpacked
    } else {
        Mode::Plugin
    };
    // Backups of files another deployment shares go with that deployment.
    let (mine, shared): (Vec<_>, Vec<_>) = std::mem::take(&mut deployment.backups)
        .into_iter()
        .partition(|b| deployment.files.iter().any(|f| f.path == b.path));
    deployment.backups = mine;
    deployment.backups.extend(after.hand_over_backups(shared));
    let rmdirs = after.hand_over_dirs(rmdirs);
    after.deployments.push(deployment);
    Ok(Planned {
        outcome: outcome(inputs, files.ops, warnings),
        changes: files.changes,
        rmdirs,
        after,
    })
}

/// What a deployment does, as the faces show it.
fn outcome(inputs: &Inputs, operations: Vec<Operation>, warnings: Vec<String>) -> Outcome {
    let target = inputs.target;
    Outcome {
        name: target.artifact.name.clone(),
        kind: target.artifact.kind,
        project: inputs.project.root().display().to_string(),
        platform: inputs.opts.platform.clone(),
        dry_run: inputs.opts.dry_run,
        operations,
        warnings,
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
    }
}

/// What a desired file meets in the project.
#[derive(Debug)]
enum Disposition {
    /// A folder, a link, a FIFO … where the file goes: an error.
    InTheWay(FileKind),
    /// Already this content; `own`: the deployment records it.
    Unchanged {
        own: bool,
    },
    /// A conflict (with why, when it is more than "not ours").
    Refused(Option<String>),
    Write(Replaces),
    /// `--force` over someone else's file: it is kept as a backup.
    BackUp,
}

/// The file side of a plan, built up one desired file at a time.
struct FilePlan<'a> {
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

impl<'a> FilePlan<'a> {
    fn new(
        project: &'a Project,
        previous: Option<&'a Deployment>,
        others: BTreeMap<&'a Place, &'a str>,
        force: bool,
    ) -> FilePlan<'a> {
        FilePlan {
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

    /// What to do about one desired file, given what is at its path.
    fn classify(&self, d: &Desired, entry: &Entry) -> Disposition {
        let ours = self
            .recorded(&d.path)
            .is_some_and(|h| Some(h) == entry.hash());
        let shared_with = self.others.get(&d.path).copied();
        match entry {
            Entry::Other(what) => Disposition::InTheWay(*what),
            Entry::Missing => Disposition::Write(Replaces::Nothing),
            Entry::File { hash, .. } if *hash == d.hash => Disposition::Unchanged {
                // Ours before, or another deployment's (then shared).
                own: self.recorded(&d.path).is_some() || shared_with.is_some(),
            },
            // Another deployment's file (even if ours too) never changes here.
            _ if shared_with.is_some() => Disposition::Refused(Some(format!(
                "deployed by {}; undeploy it first",
                shared_with.unwrap_or_default()
            ))),
            _ if entry.read_only() => {
                Disposition::Refused(Some("read-only; never replaced".to_owned()))
            }
            _ if ours => Disposition::Write(Replaces::Ours),
            _ if !self.force => Disposition::Refused(None),
            Entry::File { .. } => Disposition::BackUp,
        }
    }

    fn add(&mut self, d: &Desired) -> Result<()> {
        let entry = self.project.entry(d.path.rel())?;
        let replaces = match self.classify(d, &entry) {
            Disposition::InTheWay(what) => return Err(in_the_way(self.project, &d.path, what)),
            Disposition::Unchanged { own } => {
                self.op(Action::Unchanged, &d.path, &d.artifact, None);
                if own {
                    self.own(d);
                }
                return Ok(());
            }
            Disposition::Refused(detail) => {
                self.op(Action::Conflict, &d.path, &d.artifact, detail);
                return Ok(());
            }
            Disposition::Write(replaces) => replaces,
            Disposition::BackUp => {
                let backup = self.free_backup(&d.path)?;
                self.backups.push(Backup {
                    path: d.path.clone(),
                    backup: backup.clone(),
                    sha256: entry.hash().copied().unwrap_or(d.hash),
                });
                Replaces::Theirs(backup)
            }
        };
        self.put(d, replaces)
    }

    /// A desired file written (replacing what `replaces` says).
    fn put(&mut self, d: &Desired, replaces: Replaces) -> Result<()> {
        let (action, detail) = match &replaces {
            Replaces::Nothing => (Action::Write, None),
            Replaces::Ours => (Action::Replace, None),
            Replaces::Theirs(b) => (
                Action::Backup,
                Some(format!("the existing file is kept as {b}")),
            ),
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

    /// The changes the merges make: the settings files' new texts, and a
    /// backup file for each changed server of the user's that is replaced.
    fn merged(&mut self, merged: &mut Merged, after: &mut Record) -> Result<()> {
        self.shared(&merged.settings, after)?;
        self.shared(&merged.mcp, after)?;
        self.ops.append(&mut merged.ops);
        for (server, config) in std::mem::take(&mut merged.displaced) {
            let backup = server_backup(self.project, &server, &config, &mut self.taken)?;
            let detail = format!("your changed configuration is kept in {}", backup.path());
            self.op(Action::Backup, &merged.mcp.place, &server, Some(detail));
            self.changes.push(backup);
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

    /// The deployment to record, and the folders it no longer uses.
    fn deployment(
        &self,
        target: &Target,
        opts: &Options,
        desired: &[Desired],
        merged: Merged,
        made_claude: bool,
    ) -> (Deployment, Vec<Place>) {
        let claude = place(CLAUDE_DIR.to_owned()).ok();
        let new = claude.filter(|_| made_claude).into_iter();
        let mut created_dirs = Vec::new();
        let mut known = BTreeSet::new();
        let previous = self
            .previous
            .iter()
            .flat_map(|p| p.created_dirs.iter().cloned());
        for dir in previous.chain(new).chain(self.new_dirs.iter().cloned()) {
            if known.insert(dir.clone()) {
                created_dirs.push(dir);
            }
        }
        let (created_dirs, rmdirs) = still_used(created_dirs, desired);
        let mut by_artifact: BTreeMap<&str, Vec<Place>> = BTreeMap::new();
        for d in desired {
            for id in &d.artifact_ids {
                by_artifact.entry(id).or_default().push(d.path.clone());
            }
        }
        let deployment = Deployment {
            name: target.artifact.name.clone(),
            kind: target.artifact.kind,
            mode: Mode::Unpacked,
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
                    kind: u.kind,
                    name: u.name.clone(),
                    artifact_id: u.artifact_id.clone(),
                    content_hash: u.content_hash.clone(),
                    parent: u.parent.clone(),
                    relationship: u.relationship.clone(),
                    files: by_artifact
                        .get(u.artifact_id.as_str())
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
        };
        (deployment, rmdirs)
    }
}

/// The folders a deployment created, split into those its files are still
/// in (with `.claude` always kept) and those it no longer uses (innermost
/// first).
fn still_used(dirs: Vec<Place>, desired: &[Desired]) -> (Vec<Place>, Vec<Place>) {
    let paths: BTreeSet<&str> = desired.iter().map(|d| d.path.as_str()).collect();
    let used = |dir: &Place| {
        let prefix = format!("{dir}/");
        dir.as_str() == CLAUDE_DIR
            || paths
                .range::<str, _>((
                    std::ops::Bound::Included(prefix.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .next()
                .is_some_and(|p| p.starts_with(&prefix))
    };
    let (kept, mut unused): (Vec<Place>, Vec<Place>) = dirs.into_iter().partition(used);
    unused.sort_by_key(|d| std::cmp::Reverse(d.as_str().matches('/').count()));
    (kept, unused)
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

/// A merged settings file's new text as a change; `Err(SharedReadOnly::ReadOnly)`: it is
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

fn in_the_way(project: &Project, path: &Place, what: FileKind) -> Error {
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
            let path = match u.kind.info().unpacked {
                Unpacked::Copied(dir) if u.kind == ArtifactKind::Skill => {
                    format!(".claude/{dir}/{}/{}", u.name, f.path)
                }
                Unpacked::Copied(dir) if f.path == SINGLE_FILE => {
                    format!(".claude/{dir}/{}.md", u.name)
                }
                Unpacked::Copied(dir) => format!(".claude/{dir}/{}/{}", u.name, f.path),
                Unpacked::Settings => format!("{support}/{}", f.path),
                // Merged into `.mcp.json`, or not deployed unpacked.
                Unpacked::McpJson | Unpacked::PluginOnly => continue,
            };
            let owner = (u.name.as_str(), u.artifact_id.as_str());
            out.push(blob_file(path, &f.blob_hash, f.executable, owner)?);
        }
    }
    let owner = (plugin.as_str(), target.artifact.id.as_str());
    for f in &target.meta {
        let path = format!("{}/{}", plugin_dir(plugin), f.path);
        out.push(blob_file(path, &f.blob_hash, f.executable, owner)?);
    }
    if target.artifact.kind == ArtifactKind::Composite {
        let body = super::units::deployment_toml(target)?.into_bytes();
        out.push(Desired {
            path: place(format!("{}/deployment.toml", plugin_dir(plugin)))?,
            hash: skillmeat_core::hash::hash_bytes(&body),
            source: Source::Bytes(body),
            executable: false,
            artifact: plugin.clone(),
            artifact_ids: vec![target.artifact.id.clone()],
        });
    }
    one_file_per_path(out)
}

/// Every file of a native plugin deployment: the plugin's export tree in
/// `.claude/skills/<plugin>/`, each file owned by the child it belongs to
/// (the plugin's own files and generated ones by the plugin).
fn tree_files(tree: &PluginTree, target: &Target) -> Result<Vec<Desired>> {
    let id_of = |kind: ArtifactKind, name: &str| {
        target
            .units
            .iter()
            .find(|u| u.kind == kind && u.name == name)
            .map(|u| (u.name.clone(), u.artifact_id.clone()))
    };
    let plugin = (target.artifact.name.clone(), target.artifact.id.clone());
    let mut out = Vec::with_capacity(tree.files.len());
    for f in &tree.files {
        let mut owners: Vec<(String, String)> = match &f.member {
            Some((kind, name)) => id_of(*kind, name).into_iter().collect(),
            // A file the export made: the servers declared in it.
            None => tree
                .members
                .iter()
                .filter(|(kind, _, at)| kind.is_server() && *at == f.path)
                .filter_map(|(kind, name, _)| id_of(*kind, name))
                .collect(),
        };
        if owners.is_empty() {
            owners.push(plugin.clone());
        }
        out.push(Desired {
            path: place(format!(".claude/skills/{}/{}", tree.name, f.path))?,
            source: match &f.generated {
                Some(bytes) => Source::Bytes(bytes.clone()),
                None => Source::Blob(f.sha256),
            },
            hash: f.sha256,
            executable: f.executable,
            artifact: owners[0].0.clone(),
            artifact_ids: owners.into_iter().map(|(_, id)| id).collect(),
        });
    }
    one_file_per_path(out)
}

/// Two files for one path would mean two artifacts claim it (the import's
/// name rule keeps this from happening): an error, never a silent pick.
fn one_file_per_path(files: Vec<Desired>) -> Result<Vec<Desired>> {
    let mut seen: BTreeMap<Place, String> = BTreeMap::new();
    for d in &files {
        if let Some(first) = seen.insert(d.path.clone(), d.artifact.clone()) {
            return Err(Error::BadInput {
                path: d.path.as_str().into(),
                reason: format!(
                    "{first} and {} would both deploy a file here; nothing was deployed",
                    d.artifact
                ),
            });
        }
    }
    Ok(files)
}

fn blob_file(
    path: String,
    blob: &str,
    executable: bool,
    (artifact, artifact_id): (&str, &str),
) -> Result<Desired> {
    let hash: ContentHash = blob
        .parse()
        .map_err(|e| Error::Internal(format!("stored blob hash {blob:?}: {e}")))?;
    Ok(Desired {
        path: place(path)?,
        source: Source::Blob(hash),
        hash,
        executable,
        artifact: artifact.to_owned(),
        artifact_ids: vec![artifact_id.to_owned()],
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

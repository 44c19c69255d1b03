//! `skillmeat undeploy`: remove exactly what a deployment wrote, un-merge its
//! hooks and MCP servers, put back what `--force` replaced, and give back
//! the original bytes of shared files — as one transaction.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use super::apply::{self, Work};
use super::json_file::JsonFile;
use super::lock::ProjectLock;
use super::merge;
use super::plan::{Change, Replaces, SharedReadOnly, free_backup, server_backup, shared_change};
use super::project::{Entry, Project};
use super::record::{Backup, Deployment, MCP, OwnedFile, Place, Record, SETTINGS, place};
use super::txn::{self, Started};
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::home::Home;

#[derive(Debug, Clone, Default, Serialize)]
pub struct UndeployReport {
    pub name: String,
    pub project: String,
    pub removed: Vec<String>,
    /// Files the user changed since deployment, left in place (without
    /// `--force`).
    pub kept: Vec<String>,
    /// What else the user should know: backups left where they are, entries
    /// changed since deployment left in the settings files.
    pub notes: Vec<String>,
    /// The user's own files put back from the backups `--force` made.
    pub restored: Vec<String>,
    /// `--force`: files the user changed since deployment, kept under a
    /// backup name (`path -> backup`) instead of deleted.
    pub backed_up: Vec<String>,
    pub hooks_removed: usize,
    pub mcp_servers_removed: usize,
    /// The user's MCP servers that `--force` had replaced, put back.
    pub mcp_servers_restored: Vec<String>,
}

pub async fn undeploy(
    home: &Home,
    collection: Option<&Collection>,
    name: &str,
    project: &Path,
    force: bool,
) -> Result<UndeployReport> {
    let project = Project::open(project)?;
    let mut lock = ProjectLock::acquire(&project).await?;
    let mut record = Record::load(&project)?;
    lock.note_record(&record);
    let started = Started::of(home);
    txn::recover(&project, &started, &mut record)?;
    let dep = match record.named(name) {
        Ok(Some(dep)) => dep.clone(),
        Ok(None) => return Err(not_deployed(&project, &record, name)),
        Err(several) => return Err(ambiguous(name, &several)),
    };
    let planned = plan(&project, &record, &dep, force)?;
    let last = planned.after.deployments.is_empty();
    let work = Work {
        op: "undeploy",
        what: name,
        blobs: None,
        changes: &planned.changes,
        rmdirs: planned.rmdirs,
    };
    apply::transaction(&project, &started, work, &record, planned.after)?;
    if last && dep.created_dirs.iter().any(|d| *d == *super::CLAUDE_DIR) {
        lock.remove_claude_when_empty();
    }
    if let Some(c) = collection {
        let mut conn = c.pool.acquire().await?;
        let project = project.root().display().to_string();
        crate::store::rows::delete_deployment(&mut conn, &project, &dep.artifact_id).await?;
    }
    drop(lock);
    Ok(planned.report)
}

fn ambiguous(name: &str, several: &[&Deployment]) -> Error {
    let which: Vec<String> = several.iter().map(|d| key_text(d)).collect();
    Error::Usage(format!(
        "{name:?} names several deployments here; say which: {}",
        which.join(", ")
    ))
}

/// `kind:name`, the form `undeploy` takes to tell deployments apart.
fn key_text(d: &Deployment) -> String {
    format!("{}:{}", d.kind.as_str(), d.name)
}

fn not_deployed(project: &Project, record: &Record, name: &str) -> Error {
    Error::NotDeployed {
        name: name.to_owned(),
        project: project.root().to_owned(),
        deployed: record.deployments.iter().map(key_text).collect(),
    }
}

struct Planned {
    changes: Vec<Change>,
    /// Folders it created that no other deployment uses, innermost first.
    rmdirs: Vec<Place>,
    after: Record,
    report: UndeployReport,
}

fn plan(project: &Project, record: &Record, dep: &Deployment, force: bool) -> Result<Planned> {
    let mut files = Removal {
        project,
        force,
        changes: Vec::new(),
        report: UndeployReport {
            name: dep.name.clone(),
            project: project.root().display().to_string(),
            ..UndeployReport::default()
        },
        backups: dep.backups.clone(),
        taken: BTreeSet::new(),
    };
    let key = (dep.kind, dep.name.as_str());
    let others = record.files_of_others(key);
    for f in dep.files.iter().filter(|f| !others.contains_key(&f.path)) {
        files.file(f)?;
    }
    let mut after = record.clone();
    after.transaction = None;
    after.deployments.retain(|d| !d.is(key.0, key.1));
    // The backup of a file another deployment shares goes with it; those
    // of files that stay (changed since) stay too.
    for b in after.hand_over_backups(std::mem::take(&mut files.backups)) {
        let note = format!(
            "{} (the file {} replaced) is left as it is",
            b.backup, b.path
        );
        files.report.notes.push(note);
    }
    files.take_out(record, dep, &mut after)?;
    if after.deployments.is_empty() {
        after.originals.clear();
    }
    let rmdirs = after.hand_over_dirs(dep.created_dirs.clone());
    Ok(Planned {
        changes: files.changes,
        rmdirs,
        after,
        report: files.report,
    })
}

fn read_only(project: &Project, file: &JsonFile, dep: &Deployment) -> Error {
    Error::BadInput {
        path: project.path(file.place.rel()),
        reason: format!(
            "is read-only, so the entries of {} cannot be taken out; nothing was undeployed (make it writable and run undeploy again)",
            dep.name
        ),
    }
}

struct Removal<'a> {
    project: &'a Project,
    force: bool,
    changes: Vec<Change>,
    report: UndeployReport,
    /// Backups not yet given back (oldest first).
    backups: Vec<Backup>,
    taken: BTreeSet<Place>,
}

impl Removal<'_> {
    /// Takes the deployment's hooks and MCP servers out of the settings
    /// files, puts back (or backs up) the user's servers it replaced, and
    /// adds the settings files' new texts to the changes.
    fn take_out(&mut self, record: &Record, dep: &Deployment, after: &mut Record) -> Result<()> {
        let project = self.project;
        let mut settings = JsonFile::load(project, &place(SETTINGS.to_owned())?)?;
        let mut mcp = JsonFile::load(project, &place(MCP.to_owned())?)?;
        let others = merge::Others::of(record, (dep.kind, &dep.name));
        let taken = merge::take_out(&mut settings, &mut mcp, dep, &others, self.force);
        // The user's servers it replaced, where the server stays (shared),
        // go with the deployment that keeps it.
        let shared: Vec<_> = dep
            .replaced_servers
            .iter()
            .filter(|r| !taken.restored.contains(&r.name))
            .cloned()
            .collect();
        for r in after.hand_over_replaced(shared) {
            // Its place is taken (by a changed server kept here): a backup.
            let backup = server_backup(project, &r.name, &r.config, &mut self.taken)?;
            self.report.notes.push(format!(
                "your MCP server {:?} could not be put back (a server of that name is there); its configuration is in {}",
                r.name,
                backup.path()
            ));
            self.changes.push(backup);
        }
        for (server, config) in &taken.displaced {
            let backup = server_backup(project, server, config, &mut self.taken)?;
            let note = format!("MCP server {server:?} -> {}", backup.path());
            self.report.backed_up.push(note);
            self.changes.push(backup);
        }
        self.report.hooks_removed = taken.hooks_removed;
        self.report.mcp_servers_removed = taken.servers_removed;
        self.report.mcp_servers_restored = taken.restored;
        self.report.notes.extend(taken.kept);
        for file in [&settings, &mcp] {
            match shared_change(file, after) {
                Ok(change) => self.changes.extend(change),
                Err(SharedReadOnly::Error(e)) => return Err(e),
                Err(SharedReadOnly::ReadOnly) => return Err(read_only(project, file, dep)),
            }
        }
        Ok(())
    }

    /// The oldest backup of `path` still there to put back; one the user
    /// deleted (or replaced by something else) is said, and skipped.
    fn live_backup(&mut self, path: &Place) -> Result<Option<Backup>> {
        while let Some(i) = self.backups.iter().position(|b| b.path == *path) {
            let b = self.backups.remove(i);
            if matches!(self.project.entry(b.backup.rel())?, Entry::File { .. }) {
                return Ok(Some(b));
            }
            let note = format!(
                "{} is gone or not a file: {path} cannot be put back",
                b.backup
            );
            self.report.notes.push(note);
        }
        Ok(None)
    }

    /// One file the deployment wrote.
    fn file(&mut self, f: &OwnedFile) -> Result<()> {
        let path = f.path.clone();
        let entry = self.project.entry(path.rel())?;
        let ours = entry.hash() == Some(&f.sha256);
        let changed = matches!(entry, Entry::File { .. }) && !ours;
        if matches!(entry, Entry::Other(_)) || (changed && !self.force) {
            self.report.kept.push(path.to_string());
            return Ok(());
        }
        let backup = self.live_backup(&path)?;
        let replaces = match entry {
            Entry::Missing => Replaces::Nothing,
            _ if ours => Replaces::Ours,
            _ => {
                let keep = free_backup(self.project, &path, &mut self.taken)?;
                self.report.backed_up.push(format!("{path} -> {keep}"));
                self.report.removed.push(path.to_string());
                Replaces::Theirs(keep)
            }
        };
        if replaces == Replaces::Ours {
            self.report.removed.push(path.to_string());
        }
        self.changes.push(match (backup, replaces) {
            (Some(b), replaces) => {
                self.report.restored.push(path.to_string());
                Change::Restore {
                    backup: b.backup,
                    path,
                    replaces,
                }
            }
            (None, Replaces::Nothing) => return Ok(()),
            (None, Replaces::Ours) => Change::Remove { path, keep: None },
            (None, Replaces::Theirs(keep)) => Change::Remove {
                path,
                keep: Some(keep),
            },
        });
        Ok(())
    }
}

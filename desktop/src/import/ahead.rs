//! The records files written ahead of the rows.
//!
//! An import that adds or changes artifacts rewrites `skillmeat.lock` and
//! `manifest.toml`, the one part of an import that grows with the
//! collection (18 MB together at 100,000 artifacts). The lines it changes
//! follow from the plan, so they are predicted before the rows are written
//! and both files are staged on another thread meanwhile. Once the rows are
//! in, the entries the database gives are compared with the prediction:
//! equal, the staged files are used as they are; different (or the early
//! write failed), they are written again from the database, as if nothing
//! had been written ahead. The prediction only ever saves time.

use std::fs::File;
use std::path::PathBuf;
use std::thread::JoinHandle;

use skillmeat_core::ArtifactKind;
use skillmeat_core::discovery::Plugin;
use skillmeat_core::plan::{Decision, ImportPlan};
use sqlx::SqliteConnection;

use super::PluginStep;
use super::payload::Payload;
use crate::collection::Collection;
use crate::collection::layout::{LOCK, MANIFEST};
use crate::collection::records::{self, Changes, Entry, Member};
use crate::error::Result;
use crate::store::rows;

/// Records files being written ahead, and the entries they were written
/// for. Dropping it waits for the writing thread, so nothing writes into the
/// transaction folder once an import has given up on it, whatever the path.
#[derive(Debug)]
pub(super) struct Ahead {
    predicted: Changes,
    thread: Option<JoinHandle<Result<Option<Written>>>>,
}

/// The records files staged ahead: for each of the lock file and the
/// manifest, the old file (kept open, see [`super::Outcome`]) and whether
/// the new one differs from it (an unchanged file is not staged).
#[derive(Debug)]
pub(super) struct Written {
    pub files: Vec<(&'static str, File, bool)>,
}

/// Starts writing the records files with the `predicted` changes (from
/// [`predict`]) into `staged` (target name → staged path).
pub(super) fn start(
    collection: &Collection,
    predicted: Changes,
    staged: impl Fn(&str) -> PathBuf,
) -> Ahead {
    let lock = collection.path(LOCK);
    let manifest = collection.path(MANIFEST);
    let (lock_to, manifest_to) = (staged(LOCK), staged(MANIFEST));
    let name = collection.name.clone();
    let changes = predicted.clone();
    let write = move || {
        let Changes {
            lock: lock_entries,
            artifacts,
            plugins,
        } = changes;
        let Some((old_lock, lock_splice)) =
            records::splice_file(&lock, |f| records::splice_lock(f, lock_entries))?
        else {
            return Ok(None);
        };
        let Some((old_manifest, manifest_splice)) = records::splice_file(&manifest, |f| {
            records::splice_manifest(f, &name, plugins, artifacts)
        })?
        else {
            return Ok(None);
        };
        let mut files = Vec::with_capacity(2);
        for (target, old, splice, to) in [
            (LOCK, old_lock, lock_splice, &lock_to),
            (MANIFEST, old_manifest, manifest_splice, &manifest_to),
        ] {
            if splice.changed {
                super::records::write_splice(&old, &splice, to)?;
            }
            files.push((target, old, splice.changed));
        }
        Ok(Some(Written { files }))
    };
    // Without a thread the records are written after the rows, as usual.
    let thread = std::thread::Builder::new()
        .name("records-ahead".into())
        .spawn(write)
        .ok();
    Ahead { predicted, thread }
}

impl Ahead {
    /// The files written ahead, if they were written for exactly `actual`.
    pub(super) fn finish(mut self, actual: &Changes) -> Option<Written> {
        let (outcome, written) = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(Some(written)))) => {
                if std::mem::take(&mut self.predicted).sorted() == actual.clone().sorted() {
                    ("used", Some(written))
                } else {
                    ("differed", None)
                }
            }
            // No records file to splice: regenerated from the database.
            Some(Ok(Ok(None))) => ("no_file", None),
            Some(Ok(Err(_)) | Err(_)) | None => ("failed", None),
        };
        metrics::counter!("import_records_ahead_total", "outcome" => outcome).increment(1);
        written
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The lock and manifest lines an import will change, from its plan and a
/// few reads: what `records::changed_entries` will return once the rows are
/// written (it mirrors `Writer`: new artifacts take `source`, new versions
/// keep their artifact's source, the plugin line lists every child). `None`
/// when the import adds or changes no artifact: then the records are
/// written, if at all, from the database afterwards.
pub(super) async fn predict(
    conn: &mut SqliteConnection,
    collection: &Collection,
    plugin: &Plugin,
    plan: &ImportPlan,
    (composite, step): (&Payload, &PluginStep),
    source: &str,
) -> Result<Option<Changes>> {
    let mut lock: Vec<Entry> = Vec::new();
    let mut artifacts: Vec<Entry> = Vec::new();
    let mut touch = |kind: &str, name: &str, hash: String, source: Option<&str>| {
        lock.push(records::lock_entry(kind, name, &hash, source));
        if kind != ArtifactKind::Composite.as_str() {
            artifacts.push(records::manifest_artifact_entry(kind, name));
        }
    };
    for child in &plan.children {
        let kind = child.kind.as_str();
        let hash = child.content_hash.to_hex();
        match (child.decision, &child.artifact_id) {
            (Decision::CreateNewArtifact, _) => touch(kind, &child.target_name, hash, Some(source)),
            (Decision::CreateNewVersion, Some(id)) => {
                let current = current(conn, collection, id).await?;
                let kept = current.as_ref().and_then(|a| a.source.as_deref());
                touch(kind, &child.target_name, hash, kept);
            }
            _ => {}
        }
    }
    // The plugin itself, as `Writer::composite` will write it.
    let hash = &composite.content_hash;
    let kind = ArtifactKind::Composite.as_str();
    let plugin_name = match step {
        PluginStep::Unchanged(f) => f.name.clone(),
        PluginStep::MakeCurrent(f) => {
            touch(kind, &f.name, hash.to_hex(), Some(source));
            f.name.clone()
        }
        PluginStep::NewVersion(f) => {
            let current = current(conn, collection, &f.id).await?;
            let kept = current.as_ref().and_then(|a| a.source.as_deref());
            touch(kind, &f.name, hash.to_hex(), kept);
            f.name.clone()
        }
        PluginStep::New => {
            touch(kind, &plugin.name, hash.to_hex(), Some(source));
            plugin.name.clone()
        }
    };
    if lock.is_empty() {
        return Ok(None);
    }
    let pinned: Vec<String> = plan
        .children
        .iter()
        .map(|c| c.pinned_hash.to_hex())
        .collect();
    let members: Vec<Member<'_>> = plan
        .children
        .iter()
        .zip(&pinned)
        .map(|(c, p)| {
            (
                c.kind.as_str(),
                c.target_name.as_str(),
                c.relationship.as_str(),
                Some(p.as_str()),
            )
        })
        .collect();
    let plugins = vec![records::plugin_entry(
        &plugin_name,
        plugin.version.as_deref(),
        &hash.to_hex(),
        &members,
    )];
    Ok(Some(Changes {
        lock,
        artifacts,
        plugins,
    }))
}

async fn current(
    conn: &mut SqliteConnection,
    collection: &Collection,
    id: &str,
) -> Result<Option<rows::CurrentArtifact>> {
    let mut found = rows::current_artifacts_by_id(conn, &collection.id, &[id.to_owned()]).await?;
    Ok(found.pop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::home::Home;

    fn lock_line(name: &str, hash: &str) -> Entry {
        records::lock_entry("command", name, hash, None)
    }

    /// Written ahead for `predicted` (lock lines) into a collection holding
    /// the command `a`, then finished with `actual`: the staged lock file,
    /// if it was used.
    async fn run(predicted: Vec<Entry>, actual: Vec<Entry>) -> Option<String> {
        let tmp = tempfile::TempDir::new().ok()?;
        let coll = Collection::open(&Home::at(tmp.path().join("home")), "default")
            .await
            .ok()?;
        let old_lock = records::render_lock(vec![lock_line("a", "01")]);
        let old_manifest = records::render_manifest(
            "default",
            Vec::new(),
            vec![records::manifest_artifact_entry("command", "a")],
        );
        std::fs::write(coll.path(LOCK), &old_lock).ok()?;
        std::fs::write(coll.path(MANIFEST), &old_manifest).ok()?;
        let staged = tmp.path().join("staged");
        let changes = |lock: Vec<Entry>| {
            let artifacts = vec![records::manifest_artifact_entry("command", "b")];
            Changes {
                lock,
                artifacts,
                plugins: Vec::new(),
            }
        };
        let ahead = start(&coll, changes(predicted), |t| staged.join(t));
        let written = ahead.finish(&changes(actual))?;
        assert_eq!(
            written.files.iter().map(|f| (f.0, f.2)).collect::<Vec<_>>(),
            [(LOCK, true), (MANIFEST, true)]
        );
        std::fs::read_to_string(staged.join(LOCK)).ok()
    }

    #[tokio::test]
    async fn used_only_when_the_database_gives_the_predicted_lines() {
        let b = || vec![lock_line("b", "02")];
        let expected = records::render_lock(vec![lock_line("a", "01"), lock_line("b", "02")]);
        assert_eq!(run(b(), b()).await, Some(expected));
        // Another hash for b: the database decides, nothing written ahead is used.
        assert_eq!(run(b(), vec![lock_line("b", "03")]).await, None);
        // The same lines in another order are the same changes.
        let two = vec![lock_line("c", "04"), lock_line("b", "02")];
        let reversed: Vec<Entry> = two.iter().rev().cloned().collect();
        assert!(run(two, reversed).await.is_some());
    }
}

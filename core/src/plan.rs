//! Dedup decisions and the import plan (DESIGN.md §5), as pure functions
//! over an [`ArtifactIndex`]. The engine implements the index over SQLite;
//! the browser over a snapshot of the collection.
//!
//! Identity is `(collection, kind, name_key)`; content is the hash. Equal
//! bytes under another name or kind never link.

use crate::prelude::*;
use alloc::collections::BTreeMap;
use core::fmt;
use core::str::FromStr;

use crate::spans::{Span, debug, info_span};
use serde::{Deserialize, Serialize};

use crate::artifact::{ArtifactKind, Relationship, name_key};
use crate::hash::ContentHash;

/// What the index knows about one artifact identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedArtifact {
    pub id: String,
    pub name: String,
    pub current_hash: ContentHash,
    /// Whether one of its versions has the hash asked about.
    pub has_hash: bool,
}

/// The collection as the planner sees it.
pub trait ArtifactIndex {
    /// The artifact `(kind, name_key)`, telling whether it has a version
    /// with `hash`.
    fn find(
        &self,
        kind: ArtifactKind,
        name_key: &str,
        hash: &ContentHash,
    ) -> Option<IndexedArtifact>;
}

/// A snapshot of a collection's index: what the browser gets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndexSnapshot {
    pub artifacts: Vec<SnapshotArtifact>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotArtifact {
    pub id: String,
    pub kind: ArtifactKind,
    pub name: String,
    pub current_hash: ContentHash,
    /// Every version's hash, current included.
    pub hashes: Vec<ContentHash>,
}

impl IndexSnapshot {
    /// The snapshot ready for lookups: each artifact's `name_key` computed
    /// once, not again for every child a plan asks about (at 100,000
    /// artifacts that was 11 ms per child in the browser).
    pub fn index(&self) -> SnapshotIndex<'_> {
        SnapshotIndex {
            artifacts: &self.artifacts,
            keys: self.artifacts.iter().map(|a| name_key(&a.name)).collect(),
        }
    }
}

/// An [`IndexSnapshot`] with its keys computed ([`IndexSnapshot::index`]).
#[derive(Debug)]
pub struct SnapshotIndex<'a> {
    artifacts: &'a [SnapshotArtifact],
    /// `name_key` of each artifact, in snapshot order.
    keys: Vec<String>,
}

impl ArtifactIndex for SnapshotIndex<'_> {
    /// The first artifact of the snapshot with this kind and key.
    fn find(&self, kind: ArtifactKind, key: &str, hash: &ContentHash) -> Option<IndexedArtifact> {
        self.artifacts
            .iter()
            .zip(&self.keys)
            .find(|(a, k)| a.kind == kind && *k == key)
            .map(|(a, _)| IndexedArtifact {
                id: a.id.clone(),
                name: a.name.clone(),
                current_hash: a.current_hash,
                has_hash: a.hashes.contains(hash) || a.current_hash == *hash,
            })
    }
}

/// The three outcomes of dedup for one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    LinkExisting,
    CreateNewVersion,
    CreateNewArtifact,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::LinkExisting => "LINK_EXISTING",
            Decision::CreateNewVersion => "CREATE_NEW_VERSION",
            Decision::CreateNewArtifact => "CREATE_NEW_ARTIFACT",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The preview bucket: independent of the conflict policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    New,
    Existing,
    Conflict,
}

/// What to do when a child's name exists with different content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    /// Append the incoming content as a new version that becomes current.
    #[default]
    NewVersion,
    /// Keep the current version and pin it.
    Keep,
    /// A new artifact named `<name>--<plugin>`.
    Fork,
}

impl FromStr for ConflictPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "new-version" => Ok(ConflictPolicy::NewVersion),
            "keep" => Ok(ConflictPolicy::Keep),
            "fork" => Ok(ConflictPolicy::Fork),
            other => Err(format!(
                "unknown conflict policy {other:?} (expected new-version, keep or fork)"
            )),
        }
    }
}

/// The conflict policy of every child of an import: a default, and
/// overrides for single children keyed by `(plugin, kind, name_key)` (the
/// child's identity, so `Review.md` and `review` are one key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConflictChoices {
    pub default: ConflictPolicy,
    /// Sorted by key, one entry per key (a map; a sorted `Vec` keeps
    /// another `BTreeMap` instance out of the browser package).
    overrides: Vec<(ChildKey, ConflictPolicy)>,
}

/// `(plugin, kind, name_key)`.
type ChildKey = (String, ArtifactKind, String);

impl ConflictChoices {
    /// `default` for every child.
    pub fn new(default: ConflictPolicy) -> ConflictChoices {
        ConflictChoices {
            default,
            overrides: Vec::new(),
        }
    }

    /// `policy` for child `kind`/`name` of `plugin` (a later call for the
    /// same child wins).
    pub fn set(&mut self, plugin: &str, kind: ArtifactKind, name: &str, policy: ConflictPolicy) {
        let key = (plugin.to_owned(), kind, name_key(name));
        match self.overrides.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.overrides[i].1 = policy,
            Err(i) => self.overrides.insert(i, (key, policy)),
        }
    }

    /// The policy for child `kind`/`name` of `plugin`.
    pub fn policy(&self, plugin: &str, kind: ArtifactKind, name: &str) -> ConflictPolicy {
        let key = (plugin.to_owned(), kind, name_key(name));
        match self.overrides.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.overrides[i].1,
            Err(_) => self.default,
        }
    }
}

impl From<ConflictPolicy> for ConflictChoices {
    fn from(default: ConflictPolicy) -> ConflictChoices {
        ConflictChoices::new(default)
    }
}

/// The name a forked child gets: `<name>--<plugin>`.
pub fn fork_name(name: &str, plugin: &str) -> String {
    format!("{name}--{plugin}")
}

/// Every `(kind, name_key, hash)` question [`plan_import_with`] asks the
/// index for these children, so a host can fetch exactly those answers:
/// each child's own identity, and its fork's when its policy is `fork`.
pub fn lookups(
    plugin: &str,
    children: &[Incoming],
    choices: &ConflictChoices,
) -> Vec<(ArtifactKind, String, ContentHash)> {
    let mut out = Vec::with_capacity(children.len());
    for c in children {
        out.push((c.kind, name_key(&c.name), c.content_hash));
        if choices.policy(plugin, c.kind, &c.name) == ConflictPolicy::Fork {
            out.push((
                c.kind,
                name_key(&fork_name(&c.name, plugin)),
                c.content_hash,
            ));
        }
    }
    out
}

/// One incoming child, as the planner needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incoming {
    pub kind: ArtifactKind,
    pub name: String,
    pub content_hash: ContentHash,
    #[serde(default)]
    pub relationship: Relationship,
}

/// The decision for one child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildPlan {
    pub kind: ArtifactKind,
    /// The incoming name.
    pub name: String,
    pub content_hash: ContentHash,
    pub relationship: Relationship,
    pub bucket: Bucket,
    pub decision: Decision,
    /// The artifact written or linked: its name (differs on fork).
    pub target_name: String,
    /// Set when the target artifact exists.
    pub artifact_id: Option<String>,
    /// The existing artifact's current hash (conflicts and links).
    pub current_hash: Option<ContentHash>,
    /// The hash the membership pins: the incoming hash, or the current one
    /// under `keep`.
    pub pinned_hash: ContentHash,
}

/// The plan for one plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub plugin: String,
    /// The default policy (single children may have their own).
    pub policy: ConflictPolicy,
    pub children: Vec<ChildPlan>,
}

impl ImportPlan {
    pub fn count(&self, bucket: Bucket) -> usize {
        self.children.iter().filter(|c| c.bucket == bucket).count()
    }
}

/// Decides one child.
pub fn decide(
    index: &dyn ArtifactIndex,
    plugin: &str,
    child: &Incoming,
    policy: ConflictPolicy,
) -> ChildPlan {
    let span = dedup_span(child);
    let _guard = span.enter();
    decide_in(&span, index, plugin, child, policy)
}

/// `artifact.dedup_resolve`: one child's decision.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn dedup_span(child: &Incoming) -> Span {
    info_span!(
        "artifact.dedup_resolve",
        artifact_name = %child.name,
        content_hash = %child.content_hash,
        decision = tracing::field::Empty
    )
}

/// Decides one child inside its entered `artifact.dedup_resolve` span.
fn decide_in(
    span: &Span,
    index: &dyn ArtifactIndex,
    plugin: &str,
    child: &Incoming,
    policy: ConflictPolicy,
) -> ChildPlan {
    let key = name_key(&child.name);
    let base =
        |bucket, decision, target_name: String, existing: Option<&IndexedArtifact>, pinned| {
            ChildPlan {
                kind: child.kind,
                name: child.name.clone(),
                content_hash: child.content_hash,
                relationship: child.relationship,
                bucket,
                decision,
                target_name,
                artifact_id: existing.map(|e| e.id.clone()),
                current_hash: existing.map(|e| e.current_hash),
                pinned_hash: pinned,
            }
        };
    let plan = match index.find(child.kind, &key, &child.content_hash) {
        None => base(
            Bucket::New,
            Decision::CreateNewArtifact,
            child.name.clone(),
            None,
            child.content_hash,
        ),
        Some(found) if found.has_hash => base(
            Bucket::Existing,
            Decision::LinkExisting,
            found.name.clone(),
            Some(&found),
            child.content_hash,
        ),
        Some(found) => match policy {
            ConflictPolicy::NewVersion => base(
                Bucket::Conflict,
                Decision::CreateNewVersion,
                found.name.clone(),
                Some(&found),
                child.content_hash,
            ),
            ConflictPolicy::Keep => base(
                Bucket::Conflict,
                Decision::LinkExisting,
                found.name.clone(),
                Some(&found),
                found.current_hash,
            ),
            ConflictPolicy::Fork => {
                let fork = fork_name(&child.name, plugin);
                let mut p = match index.find(child.kind, &name_key(&fork), &child.content_hash) {
                    None => base(
                        Bucket::Conflict,
                        Decision::CreateNewArtifact,
                        fork,
                        None,
                        child.content_hash,
                    ),
                    Some(f) if f.has_hash => base(
                        Bucket::Conflict,
                        Decision::LinkExisting,
                        f.name.clone(),
                        Some(&f),
                        child.content_hash,
                    ),
                    Some(f) => base(
                        Bucket::Conflict,
                        Decision::CreateNewVersion,
                        f.name.clone(),
                        Some(&f),
                        child.content_hash,
                    ),
                };
                // The preview compares with the artifact that clashed.
                p.current_hash = Some(found.current_hash);
                p
            }
        },
    };
    span.record("decision", plan.decision.as_str());
    debug!(
        event = "dedup_decision",
        artifact_name = %plan.name,
        decision = plan.decision.as_str(),
        content_hash = %plan.content_hash,
        "dedup_decision"
    );
    plan
}

/// Plans a whole plugin under one policy for every conflict.
pub fn plan_import(
    index: &dyn ArtifactIndex,
    plugin: &str,
    children: &[Incoming],
    policy: ConflictPolicy,
) -> ImportPlan {
    plan_import_with(index, plugin, children, &policy.into())
}

/// Plans a whole plugin, each child under its own policy.
pub fn plan_import_with(
    index: &dyn ArtifactIndex,
    plugin: &str,
    children: &[Incoming],
    choices: &ConflictChoices,
) -> ImportPlan {
    ImportPlan {
        plugin: plugin.to_owned(),
        policy: choices.default,
        children: children
            .iter()
            .map(|c| decide(index, plugin, c, choices.policy(plugin, c.kind, &c.name)))
            .collect(),
    }
}

/// [`plan_import_with`], running `within(i)` first inside child `i`'s
/// `artifact.dedup_resolve` span: the engine re-computes the child's hash
/// there (its `artifact.hash_compute` span), so a trace shows the import →
/// the dedup decision → the hash it rests on. The first error stops the plan.
pub fn plan_import_within<E>(
    index: &dyn ArtifactIndex,
    plugin: &str,
    children: &[Incoming],
    choices: &ConflictChoices,
    mut within: impl FnMut(usize) -> Result<(), E>,
) -> Result<ImportPlan, E> {
    let mut planned = Vec::with_capacity(children.len());
    for (i, c) in children.iter().enumerate() {
        let span = dedup_span(c);
        let _guard = span.enter();
        within(i)?;
        let policy = choices.policy(plugin, c.kind, &c.name);
        planned.push(decide_in(&span, index, plugin, c, policy));
    }
    Ok(ImportPlan {
        plugin: plugin.to_owned(),
        policy: choices.default,
        children: planned,
    })
}

/// The preview: `{"name", "buckets": {"new", "existing", "conflict"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub name: String,
    pub buckets: Buckets,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Buckets {
    pub new: Vec<PreviewChild>,
    pub existing: Vec<PreviewChild>,
    pub conflict: Vec<PreviewChild>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewChild {
    pub kind: ArtifactKind,
    pub name: String,
    pub content_hash: ContentHash,
    pub current_hash: Option<ContentHash>,
}

impl From<&ImportPlan> for Preview {
    fn from(plan: &ImportPlan) -> Self {
        let mut buckets = Buckets::default();
        for c in &plan.children {
            let item = PreviewChild {
                kind: c.kind,
                name: c.name.clone(),
                content_hash: c.content_hash,
                current_hash: c.current_hash,
            };
            match c.bucket {
                Bucket::New => buckets.new.push(item),
                Bucket::Existing => buckets.existing.push(item),
                Bucket::Conflict => buckets.conflict.push(item),
            }
        }
        Preview {
            name: plan.plugin.clone(),
            buckets,
        }
    }
}

/// An in-memory index for tests and small hosts.
#[derive(Debug, Clone, Default)]
pub struct MemoryIndex {
    artifacts: BTreeMap<(ArtifactKind, String), (IndexedArtifact, Vec<ContentHash>)>,
}

impl MemoryIndex {
    pub fn insert(&mut self, kind: ArtifactKind, name: &str, id: &str, hashes: &[ContentHash]) {
        let current = hashes
            .last()
            .copied()
            .unwrap_or_else(|| crate::hash::hash_bytes(b""));
        self.artifacts.insert(
            (kind, name_key(name)),
            (
                IndexedArtifact {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    current_hash: current,
                    has_hash: false,
                },
                hashes.to_vec(),
            ),
        );
    }
}

impl ArtifactIndex for MemoryIndex {
    fn find(&self, kind: ArtifactKind, key: &str, hash: &ContentHash) -> Option<IndexedArtifact> {
        self.artifacts
            .get(&(kind, key.to_owned()))
            .map(|(a, hashes)| IndexedArtifact {
                has_hash: hashes.contains(hash),
                ..a.clone()
            })
    }
}

#[cfg(test)]
mod tests;

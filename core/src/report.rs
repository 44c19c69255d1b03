//! Transfer types: the JSON that `skillmeat inspect --json`, the desktop app
//! and the browser all show. Built from domain values, never the reverse.

use crate::prelude::*;
use crate::spans::{display, info_span};
use serde::Serialize;

use crate::artifact::{ArtifactKind, Relationship};
use crate::discovery::{Detection, Discovery};
use crate::error::Result;
use crate::hash::ContentHash;
use crate::path::SafeRelPath;
use crate::validate::Level;

/// `{"plugins": [...], "warnings": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    pub plugins: Vec<PluginReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PluginReport {
    pub name: String,
    pub root: SafeRelPath,
    pub detection: Detection,
    pub confidence: f64,
    pub version: Option<String>,
    pub description: Option<String>,
    pub content_hash: ContentHash,
    pub files: usize,
    pub children: Vec<ChildReport>,
    pub warnings: Vec<String>,
    /// Whether Claude Code loads the plugin; `load_errors` say why not.
    pub loads_in_claude_code: bool,
    pub load_errors: Vec<String>,
    /// What `claude plugin validate` calls an error although the plugin
    /// loads.
    pub validation_errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChildReport {
    pub kind: ArtifactKind,
    pub name: String,
    pub path: SafeRelPath,
    pub relationship: Relationship,
    pub content_hash: ContentHash,
    pub description: Option<String>,
    /// A hook's events (sorted); absent for other kinds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

impl InspectReport {
    /// Hashes every plugin and child from the SHA-256 of each file, which
    /// `digest` gives for a path relative to the listing root.
    pub fn build(
        discovery: &Discovery,
        digest: &dyn Fn(&SafeRelPath) -> Option<ContentHash>,
    ) -> Result<Self> {
        let mut plugins = Vec::with_capacity(discovery.plugins.len());
        for plugin in &discovery.plugins {
            let in_plugin = |p: &SafeRelPath| digest(&plugin.root.join(p));
            let mut children = Vec::with_capacity(plugin.children.len());
            for child in &plugin.children {
                let span = info_span!(
                    "artifact.hash_compute",
                    artifact_name = %child.name,
                    content_hash = tracing::field::Empty
                );
                let _guard = span.enter();
                let d = child.digest(&in_plugin)?;
                span.record("content_hash", display(d.content_hash));
                children.push(ChildReport {
                    kind: child.kind,
                    name: child.name.clone(),
                    path: child.path.clone(),
                    relationship: child.relationship,
                    content_hash: d.content_hash,
                    description: child.description.clone(),
                    events: child.events.clone(),
                });
            }
            let whole = plugin.digest(&in_plugin)?;
            plugins.push(PluginReport {
                name: plugin.name.clone(),
                root: plugin.root.clone(),
                detection: plugin.detection,
                confidence: plugin.confidence,
                version: plugin.version.clone(),
                description: plugin.description.clone(),
                content_hash: whole.content_hash,
                files: whole.files,
                children,
                warnings: plugin.warnings.clone(),
                loads_in_claude_code: plugin.validation.loads(),
                load_errors: plugin.validation.messages(Level::Load),
                validation_errors: plugin.validation.messages(Level::Validate),
            });
        }
        Ok(Self {
            plugins,
            marketplace: discovery.marketplace.clone(),
            warnings: discovery
                .warnings
                .iter()
                .cloned()
                .chain(discovery.remote.iter().map(|r| {
                    format!(
                        "plugin {:?}: its source is a git repository ({}), which inspect does not fetch (add and preview do)",
                        r.name, r.source
                    )
                }))
                .collect(),
        })
    }
}

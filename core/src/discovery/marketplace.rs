//! `.claude-plugin/marketplace.json`: many plugins below one root.

use crate::prelude::*;
use serde_json::Value;

use super::remote::{self, RemoteEntry, RemoteProblem};
use super::{Discovery, FileReader, Listing, entry};
use crate::error::{Error, Result};
use crate::path::SafeRelPath;

pub(super) fn manifest_path(root: &SafeRelPath) -> SafeRelPath {
    root.join(&SafeRelPath::new(".claude-plugin/marketplace.json").unwrap_or_default())
}

/// Each entry with a local `source` becomes a plugin, each with a remote one
/// a [`RemoteEntry`] for the host to fetch; an entry that cannot be read is
/// skipped with a warning (one bad entry does not fail the rest), and one
/// whose path would leave the root is also listed in `escaping`.
pub(super) fn discover(listing: &Listing, read: &dyn FileReader) -> Result<Discovery> {
    let path = manifest_path(&SafeRelPath::root());
    let file = path.as_str().to_owned();
    let bytes = super::read_small(read, &path).map_err(|problem| Error::Unread {
        file: file.clone(),
        problem,
    })?;
    let mut doc: Value = crate::json::parse(&bytes).map_err(|e| Error::Json {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let plugin_root = doc
        .get("metadata")
        .and_then(|m| m.get("pluginRoot"))
        .and_then(Value::as_str)
        .and_then(|r| SafeRelPath::from_lenient(r).ok());
    let mut discovery = Discovery {
        marketplace: doc.get("name").and_then(Value::as_str).map(str::to_owned),
        ..Discovery::default()
    };
    // Owned, so each entry moves into its plugin as the manifest.
    let entries = doc
        .get_mut("plugins")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| Error::Manifest {
            file: file.clone(),
            field: "plugins".into(),
            reason: "is required and must be an array".into(),
        })?;
    let mut located: Vec<(usize, SafeRelPath)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let label = entry
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("plugins[{i}]"), |n| format!("plugin {n:?}"));
        match local_source(entry, plugin_root.as_ref()) {
            Ok(Located::Local(root)) if root.is_root() || listing.is_dir(&root) => {
                located.push((i, root))
            }
            Ok(Located::Local(root)) => discovery.warnings.push(format!(
                "{file}: {label}: source ./{root} has no files here; skipped"
            )),
            Ok(Located::Remote(source)) => match entry.get("name").and_then(Value::as_str) {
                Some(name) => discovery.remote.push(RemoteEntry {
                    name: name.to_owned(),
                    source,
                    entry: entry.clone(),
                }),
                None => discovery
                    .warnings
                    .push(format!("{file}: {label}: `name` is required; skipped")),
            },
            Err(RemoteProblem::Escapes(reason)) => {
                let message = format!("{file}: {label}: {reason}");
                discovery.warnings.push(format!("{message}; skipped"));
                discovery.escaping.push(message);
            }
            Err(RemoteProblem::Invalid(reason)) => discovery
                .warnings
                .push(format!("{file}: {label}: {reason}; skipped")),
        }
    }
    let roots: Vec<SafeRelPath> = located.iter().map(|(_, r)| r.clone()).collect();
    for (i, root) in &located {
        let entry = core::mem::take(&mut entries[*i]);
        let entry_file = format!("{file} (plugins[{i}])");
        let others = super::nested_below(&roots, root);
        match entry::marketplace_plugin(listing, read, root, entry, &entry_file, &others) {
            Ok(plugin) => discovery.plugins.push(plugin),
            Err(e) => discovery.warnings.push(format!("{e}; plugin skipped")),
        }
    }
    Ok(discovery)
}

/// Where an entry's plugin is.
enum Located {
    /// A folder below the marketplace root.
    Local(SafeRelPath),
    /// Another repository.
    Remote(remote::RemoteSource),
}

/// The plugin root or remote source an entry points to.
fn local_source(
    entry: &Value,
    plugin_root: Option<&SafeRelPath>,
) -> core::result::Result<Located, RemoteProblem> {
    match entry.get("source") {
        Some(Value::String(s)) => {
            let bare = !s.starts_with("./") && s != ".";
            let rel = SafeRelPath::from_lenient(s)
                .map_err(|p| RemoteProblem::Escapes(format!("source {s:?}: {p}")))?;
            Ok(Located::Local(match (bare, plugin_root) {
                (true, Some(base)) => base.join(&rel),
                _ => rel,
            }))
        }
        Some(source @ Value::Object(_)) => remote::parse(source).map(Located::Remote),
        Some(_) => Err(RemoteProblem::Invalid(
            "source must be a path or an object".into(),
        )),
        None => Err(RemoteProblem::Invalid("source is required".into())),
    }
}

//! Importing: the three-bucket preview, and the transactional import of
//! every plugin of a folder, marketplace or bundle zip (each plugin in its
//! own transaction).

use std::path::PathBuf;

use skillmeat_core::discovery::Plugin;
use skillmeat_core::plan::{self, ConflictChoices};

use super::artifacts::count;
use super::scope::Scope;
use super::staging::Staging;
use super::transfer::{
    Buckets, ImportArgs, ImportPhase, ImportPreview, ImportProgress, ImportSummary, PluginImport,
    PluginPreview, Policy, PreviewArgs, PreviewChild, SizeLimits, StoredChild,
};
use super::{blocking, path_arg};
use crate::bundle::{self, Limits, Opened};
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::import::{self, ImportResult};
use crate::inspect::Source;
use crate::query;
use crate::store::rows;

/// What an import reports as it goes, plugin by plugin.
#[derive(Debug, Clone, Copy)]
pub enum ImportStep<'a> {
    /// A plugin's import starts.
    Started(&'a ImportProgress),
    /// It ended: `phase` is `finished` or `failed`.
    Ended(&'a ImportProgress, &'a PluginImport),
}

/// The plan of every plugin in `args.path` against the collection, in three
/// buckets; nothing is written (a bundle is extracted into the system's
/// temp folder, not the skillmeat home).
pub async fn preview(scope: &Scope, args: PreviewArgs) -> Result<ImportPreview> {
    let path = path_arg(&args.path)?.to_owned();
    let opened = open(path, std::env::temp_dir(), args.limits).await?;
    plan_all(scope, &opened.source, args.policy).await
}

/// [`preview`] for the desktop app's wizard, in one call: the engine reads
/// and hashes the folder or bundle (no file crosses to the page). A bundle
/// stays staged, extracted next to the collection, so
/// [`file_diff`](super::file_diff) reads the conflict the user opens.
pub async fn preview_staged(
    scope: &Scope,
    staging: &Staging,
    args: PreviewArgs,
) -> Result<ImportPreview> {
    let path = path_arg(&args.path)?.to_owned();
    let (staging, scratch) = (staging.clone(), scope.home().root().to_owned());
    let limits = engine_limits(args.limits);
    let opened = blocking(move || staging.open(&path, &scratch, &limits)).await?;
    plan_all(scope, &opened.source, args.policy).await
}

async fn plan_all(scope: &Scope, source: &Source, policy: Option<Policy>) -> Result<ImportPreview> {
    let c = scope.read().await?;
    let policy = policy.unwrap_or_default().engine();
    let mut plugins = Vec::with_capacity(source.discovery.plugins.len());
    for plugin in &source.discovery.plugins {
        let plan = import::plan(c.as_deref(), source, plugin, policy).await?;
        plugins.push(preview_of(plan::Preview::from(&plan)));
    }
    Ok(ImportPreview { plugins })
}

fn preview_of(p: plan::Preview) -> PluginPreview {
    let children = |items: Vec<plan::PreviewChild>| {
        items
            .into_iter()
            .map(|c| PreviewChild {
                kind: c.kind.into(),
                name: c.name,
                content_hash: c.content_hash.to_hex(),
                current_hash: c.current_hash.map(|h| h.to_hex()),
            })
            .collect()
    };
    PluginPreview {
        name: p.name,
        buckets: Buckets {
            new: children(p.buckets.new),
            existing: children(p.buckets.existing),
            conflict: children(p.buckets.conflict),
        },
    }
}

/// Imports every plugin of `args.path`, each in its own transaction (each
/// conflict under its entry in `choices`, or else under `policy`), telling
/// `on_step` as each starts and ends. A plugin that fails is reported in
/// its result (with its code) and the others go on; with `dry_run` each is
/// only planned. A bundle is extracted next to the collection it goes into.
pub async fn import(
    scope: &Scope,
    args: ImportArgs,
    mut on_step: impl FnMut(ImportStep<'_>),
) -> Result<ImportSummary> {
    let path = path_arg(&args.path)?.to_owned();
    let dry_run = args.dry_run.unwrap_or(false);
    let scratch = match dry_run {
        true => std::env::temp_dir(),
        false => scope.home().root().to_owned(),
    };
    let opened = open(path, scratch, args.limits).await?;
    let c = match dry_run {
        true => scope.read().await?,
        false => Some(scope.create().await?),
    };
    let mut choices = ConflictChoices::new(args.policy.engine());
    for ch in &args.choices {
        choices.set(&ch.plugin, ch.kind.engine(), &ch.name, ch.policy.engine());
    }
    let target = Target {
        collection: c.as_deref(),
        source: &opened.source,
        choices: &choices,
        dry_run,
    };
    let results = import_all(&target, &mut on_step).await;
    if let Some(c) = c {
        c.close().await;
    }
    let warnings = opened.source.discovery.warnings.iter();
    Ok(ImportSummary {
        results: results?,
        warnings: warnings.map(ToString::to_string).collect(),
    })
}

async fn import_all(
    t: &Target<'_>,
    on_step: &mut impl FnMut(ImportStep<'_>),
) -> Result<Vec<PluginImport>> {
    let plugins = &t.source.discovery.plugins;
    let total = count(plugins.len());
    let mut results = Vec::with_capacity(plugins.len());
    for (i, plugin) in plugins.iter().enumerate() {
        let progress = |phase| ImportProgress {
            plugin: plugin.name.clone(),
            index: count(i),
            total,
            phase,
        };
        on_step(ImportStep::Started(&progress(ImportPhase::Started)));
        let result = import_one(t, plugin).await?;
        let phase = match result.success {
            true => ImportPhase::Finished,
            false => ImportPhase::Failed,
        };
        on_step(ImportStep::Ended(&progress(phase), &result));
        results.push(result);
    }
    Ok(results)
}

/// Where one plugin goes, and how.
struct Target<'a> {
    collection: Option<&'a Collection>,
    source: &'a Source,
    choices: &'a ConflictChoices,
    dry_run: bool,
}

/// One plugin: imported (or planned), or failed with its error's code.
async fn import_one(t: &Target<'_>, plugin: &Plugin) -> Result<PluginImport> {
    let txn = rows::new_id();
    let choices = t.choices.clone();
    let result = match (t.collection, t.dry_run) {
        (c, true) => import::plan(c, t.source, plugin, choices)
            .await
            .map(|plan| ImportResult::planned(&plan)),
        (Some(c), false) => import::import_plugin(c, t.source, plugin, choices, &txn).await,
        (None, false) => Err(Error::Internal("collection not open".into())),
    };
    let (result, code) = match result {
        Ok(r) => (r, None),
        Err(e) => (ImportResult::failed(&plugin.name, txn, &e), Some(e.code())),
    };
    let children = match (t.collection, &result.plugin_id) {
        (Some(c), Some(id)) if result.success && !result.dry_run => stored_children(c, id).await?,
        _ => Vec::new(),
    };
    Ok(PluginImport {
        success: result.success,
        plugin_name: result.plugin_name,
        plugin_id: result.plugin_id,
        children_imported: count(result.children_imported),
        children_reused: count(result.children_reused),
        children_new_version: count(result.children_new_version),
        errors: result.errors,
        transaction_id: result.transaction_id,
        dry_run: result.dry_run,
        children,
        error_code: code,
    })
}

/// The children the engine stored for plugin `id`, at their pinned hashes.
async fn stored_children(c: &Collection, id: &str) -> Result<Vec<StoredChild>> {
    let plugin = query::show(c, id, None).await?;
    Ok(plugin
        .children
        .into_iter()
        .map(|c| StoredChild {
            kind: c.artifact_type.into(),
            name: c.artifact_name,
            pinned_hash: c.pinned_version_hash,
        })
        .collect())
}

/// Opens a folder or bundle (a bundle is verified and extracted below
/// `scratch`) off the async threads.
async fn open(path: PathBuf, scratch: PathBuf, limits: SizeLimits) -> Result<Opened> {
    let limits = engine_limits(limits);
    blocking(move || bundle::open_with(&path, &scratch, &limits)).await
}

/// The limits in force, with the face's sizes.
pub(super) fn engine_limits(l: SizeLimits) -> Limits {
    Limits::in_force().with_sizes(l.file_bytes, l.plugin_bytes)
}

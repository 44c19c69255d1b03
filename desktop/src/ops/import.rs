//! Importing: the three-bucket preview, and the transactional import of
//! every plugin of a folder, marketplace or bundle zip (each plugin in its
//! own transaction).

use std::path::PathBuf;

use skillmeat_core::discovery::Plugin;
use skillmeat_core::plan::{self, ConflictChoices};
use skillmeat_core::validate::{Level, Validation};

use super::artifacts::count;
use super::scope::Scope;
use super::staging::Staging;
use super::transfer::{
    Buckets, ChildChoice, ImportArgs, ImportPhase, ImportPreview, ImportProgress, ImportSummary,
    PluginImport, PluginPreview, Policy, PreviewArgs, PreviewChild, SizeLimits, StoredChild,
};
use super::{blocking, path_arg};
use crate::bundle::Limits;
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::import::{self, FromSource, ImportResult};
use crate::inspect::Source;
use crate::origin::{self, Request, Resolved};
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
    let from = From::of(&args.path, args.limits, args.offline, args.plugins)?;
    let resolved = from.resolve(scope, std::env::temp_dir()).await?;
    let each = resolved
        .plugins()
        .map(|(source, plugin, _)| (source, plugin));
    plan_all(scope, each, args.policy, resolved.warnings()).await
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
    let source = &opened.source;
    let each = source
        .discovery
        .plugins
        .iter()
        .map(|plugin| (source, plugin));
    let warnings = source.discovery.warnings.clone();
    plan_all(scope, each, args.policy, warnings).await
}

pub(super) async fn plan_all<'a>(
    scope: &Scope,
    each: impl Iterator<Item = (&'a Source, &'a Plugin)>,
    policy: Option<Policy>,
    warnings: Vec<String>,
) -> Result<ImportPreview> {
    let c = scope.read().await?;
    let policy = policy.unwrap_or_default().engine();
    let each: Vec<_> = each.collect();
    let plans = import::plans(c.as_deref(), &each, policy).await?;
    let plugins = each
        .iter()
        .zip(&plans)
        .map(|((_, plugin), plan)| PluginPreview {
            description: plugin.description.clone(),
            ..preview_of(plan::Preview::from(plan), &plugin.validation)
        })
        .collect();
    Ok(ImportPreview { plugins, warnings })
}

/// What a face asked to read: the source as given, and how.
pub(super) struct From {
    given: PathBuf,
    limits: SizeLimits,
    offline: bool,
    plugins: Option<Vec<String>>,
}

impl From {
    pub(super) fn of(
        given: &std::path::Path,
        limits: SizeLimits,
        offline: Option<bool>,
        plugins: Option<Vec<String>>,
    ) -> Result<From> {
        Ok(From {
            given: path_arg(given)?.to_owned(),
            limits,
            offline: offline.unwrap_or(false),
            plugins,
        })
    }

    /// The source resolved (fetched, a bundle extracted below `scratch`)
    /// off the async threads.
    pub(super) async fn resolve(self, scope: &Scope, scratch: PathBuf) -> Result<Resolved> {
        let cache = scope.home().git_cache();
        blocking(move || {
            let limits = engine_limits(self.limits);
            origin::resolve(&Request {
                given: &self.given,
                scratch: &scratch,
                cache: &cache,
                limits: &limits,
                offline: self.offline,
                plugins: self.plugins.as_deref(),
            })
        })
        .await
    }
}

pub(super) fn preview_of(p: plan::Preview, v: &Validation) -> PluginPreview {
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
        description: None,
        buckets: Buckets {
            new: children(p.buckets.new),
            existing: children(p.buckets.existing),
            conflict: children(p.buckets.conflict),
        },
        loads_in_claude_code: v.loads(),
        load_errors: v.messages(Level::Load),
        validation_errors: v.messages(Level::Validate),
    }
}

/// What discovery noticed, then what an import says of the chosen plugins
/// Claude Code would refuse (imported anyway: the user may fix them; deploy
/// refuses them without --force).
pub(super) fn summary_warnings(resolved: &Resolved) -> Vec<String> {
    let mut out = resolved.warnings();
    for (_, p, _) in resolved.plugins() {
        let v = &p.validation;
        if !v.loads() {
            out.push(format!(
                "{}: Claude Code would not load this plugin (imported anyway; deploy refuses it until it is fixed, or with --force): {}",
                p.name,
                v.messages(Level::Load).join("; ")
            ));
        }
        for e in v.messages(Level::Validate) {
            out.push(format!("{}: `claude plugin validate` reports: {e}", p.name));
        }
    }
    out
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
    let dry_run = args.dry_run.unwrap_or(false);
    let scratch = match dry_run {
        true => std::env::temp_dir(),
        false => scope.home().root().to_owned(),
    };
    let from = From::of(&args.path, args.limits, args.offline, args.plugins.clone())?;
    let resolved = from.resolve(scope, scratch).await?;
    let c = match dry_run {
        true => scope.read().await?,
        false => Some(scope.create().await?),
    };
    let choices = conflict_choices(args.policy, &args.choices);
    let target = Target {
        collection: c.as_deref(),
        resolved: &resolved,
        choices: &choices,
        dry_run,
        stop: &|| false,
    };
    let results = import_all(&target, &mut on_step).await;
    if let Some(c) = c {
        c.close().await;
    }
    Ok(ImportSummary {
        results: results?,
        warnings: summary_warnings(&resolved),
    })
}

/// A default policy and a choice per child, as the engine takes them.
pub(super) fn conflict_choices(policy: Policy, each: &[ChildChoice]) -> ConflictChoices {
    let mut choices = ConflictChoices::new(policy.engine());
    for ch in each {
        choices.set(&ch.plugin, ch.kind.engine(), &ch.name, ch.policy.engine());
    }
    choices
}

/// Imports the plugins of `t` one after the other, until `t.stop` says
/// to stop (checked before each plugin: one is never stopped half-way).
pub(super) async fn import_all(
    t: &Target<'_>,
    on_step: &mut impl FnMut(ImportStep<'_>),
) -> Result<Vec<PluginImport>> {
    let total = count(t.resolved.plugins().count());
    let mut results = Vec::new();
    for (i, (source, plugin, provenance)) in t.resolved.plugins().enumerate() {
        if (t.stop)() {
            break;
        }
        let progress = |phase| ImportProgress {
            plugin: plugin.name.clone(),
            index: count(i),
            total,
            phase,
        };
        on_step(ImportStep::Started(&progress(ImportPhase::Started)));
        let result = import_one(t, (source, plugin, Some(provenance))).await?;
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
pub(super) struct Target<'a> {
    pub collection: Option<&'a Collection>,
    pub resolved: &'a Resolved,
    pub choices: &'a ConflictChoices,
    pub dry_run: bool,
    /// Asked before each plugin: `true` ends the import there.
    pub stop: &'a (dyn Fn() -> bool + Sync),
}

/// One plugin: imported (or planned), or failed with its error's code.
async fn import_one(t: &Target<'_>, from: FromSource<'_>) -> Result<PluginImport> {
    let (source, plugin, _) = from;
    let txn = rows::new_id();
    let choices = t.choices.clone();
    let result = match (t.collection, t.dry_run) {
        (c, true) => import::plan(c, source, plugin, choices)
            .await
            .map(|plan| ImportResult::planned(&plan)),
        (Some(c), false) => import::import_from(c, from, choices, &txn).await,
        (None, false) => Err(Error::Internal("collection not open".into())),
    };
    let (result, code) = match result {
        Ok(r) => (r, None),
        Err(e) => (ImportResult::failed(&plugin.name, txn, &e), Some(e.code())),
    };
    // What the transaction wrote: the memberships it committed.
    let children = match result.success && !result.dry_run {
        true => (result.members.iter())
            .map(|(kind, name, pinned)| StoredChild {
                kind: (*kind).into(),
                name: name.clone(),
                pinned_hash: Some(pinned.to_hex()),
            })
            .collect(),
        false => Vec::new(),
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
        loads_in_claude_code: plugin.validation.loads(),
        load_errors: plugin.validation.messages(Level::Load),
        validation_errors: plugin.validation.messages(Level::Validate),
        error_code: code,
    })
}

/// The limits in force, with the face's sizes.
pub(super) fn engine_limits(l: SizeLimits) -> Limits {
    Limits::in_force().with_sizes(l.file_bytes, l.plugin_bytes)
}

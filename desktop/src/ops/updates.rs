//! `outdated` and `update` (DESIGN.md §13): each plugin's recorded source
//! read again through `origin` and compared with the collection by content
//! hash — never by version string — and the changed plugins imported again
//! through the one import path, each in its own transaction.
//!
//! Plugins that share a source (a marketplace, a folder, a bundle) are read
//! from it once: 300 plugins of one marketplace are one fetch, one checkout
//! and one scan.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use skillmeat_core::ArtifactKind;
use skillmeat_core::artifact::name_key;

use super::blocking;
use super::import::{Target, conflict_choices, engine_limits, import_all, preview_of};
use super::scope::Scope;
use super::transfer::{
    ChangedChild, ChildChange, OutdatedArgs, OutdatedReport, OutdatedState, PluginOutdated,
    PluginPreview, Policy, SizeLimits, UpdateArgs, UpdateResult,
};
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::import;
use crate::inspect::Source;
use crate::origin::{self, Provenance, Request, Resolved, spec::Spec};
use crate::query::{self, ListFilter};
use skillmeat_core::discovery::Plugin;

/// Every plugin asked for (all when `args.names` is empty) checked against
/// its recorded source. Nothing is written (a fetch updates the git cache
/// only). An unknown name is an error; a source that cannot be read is a
/// state of its plugin, not an error.
pub async fn outdated(scope: &Scope, args: OutdatedArgs) -> Result<OutdatedReport> {
    let names = args.names.unwrap_or_default();
    let Some(c) = open_read(scope, &names).await? else {
        return Ok(OutdatedReport {
            plugins: Vec::new(),
        });
    };
    let stored = stored(&c, &names).await;
    c.close().await;
    let checked = check(
        scope,
        stored?,
        args.offline.unwrap_or(false),
        std::env::temp_dir(),
    )
    .await?;
    Ok(OutdatedReport {
        plugins: checked.plugins,
    })
}

/// [`outdated`], then each changed plugin planned (`dry_run`: its three
/// buckets) or imported again from the source just read, under the
/// conflict policy (`new-version` by default, as `add`). Its provenance
/// becomes the commit read. Deployed projects are not touched.
pub async fn update(scope: &Scope, args: UpdateArgs) -> Result<UpdateResult> {
    let names = args.names.unwrap_or_default();
    let dry_run = args.dry_run.unwrap_or(false);
    let policy = args.on_conflict.unwrap_or_default();
    let c = match dry_run {
        true => open_read(scope, &names).await?,
        false => open_written(scope, &names).await?,
    };
    let Some(c) = c else {
        return Ok(UpdateResult {
            dry_run,
            checked: Vec::new(),
            previews: Vec::new(),
            results: Vec::new(),
        });
    };
    let scratch = match dry_run {
        true => std::env::temp_dir(),
        false => scope.home().root().to_owned(),
    };
    let outcome = update_in(scope, &c, &names, (dry_run, policy, args.offline), scratch).await;
    c.close().await;
    outcome
}

async fn update_in(
    scope: &Scope,
    c: &Collection,
    names: &[String],
    (dry_run, policy, offline): (bool, Policy, Option<bool>),
    scratch: PathBuf,
) -> Result<UpdateResult> {
    let stored = stored(c, names).await?;
    let mut checked = check(scope, stored, offline.unwrap_or(false), scratch).await?;
    let changed: HashSet<String> = checked
        .plugins
        .iter()
        .filter(|p| p.state == OutdatedState::Changed)
        .map(|p| name_key(&p.name))
        .collect();
    for resolved in checked.sources.iter_mut() {
        keep_only(resolved, &changed);
    }
    let mut out = UpdateResult {
        dry_run,
        checked: checked.plugins,
        previews: Vec::new(),
        results: Vec::new(),
    };
    for resolved in &checked.sources {
        match dry_run {
            true => out.previews.extend(plans(c, resolved, policy).await?),
            false => {
                let choices = conflict_choices(policy, &[]);
                let target = Target {
                    collection: Some(c),
                    resolved,
                    choices: &choices,
                    dry_run: false,
                    // A stopping server starts no further plugin.
                    stop: &|| scope.imports().stopping(),
                };
                out.results.extend(import_all(&target, &mut |_| {}).await?);
            }
        }
    }
    Ok(out)
}

/// The three buckets of each plugin of `resolved` against the collection.
async fn plans(c: &Collection, resolved: &Resolved, policy: Policy) -> Result<Vec<PluginPreview>> {
    let plugins: Vec<_> = resolved.plugins().map(|(s, p, _)| (s, p)).collect();
    let plans = import::plans(Some(c), &plugins, policy.engine()).await?;
    Ok(plugins
        .iter()
        .zip(&plans)
        .map(|((_, plugin), plan)| {
            preview_of(
                skillmeat_core::plan::Preview::from(plan),
                &plugin.validation,
            )
        })
        .collect())
}

/// Drops from `resolved` every plugin not named in `keys` (name keys).
fn keep_only(resolved: &mut Resolved, keys: &HashSet<String>) {
    for part in &mut resolved.parts {
        let plugins = &part.opened.source.discovery.plugins;
        part.plugins
            .retain(|(i, _)| keys.contains(&name_key(&plugins[*i].name)));
    }
}

async fn open_read<'a>(
    scope: &'a Scope,
    names: &[String],
) -> Result<Option<super::scope::Open<'a>>> {
    match names.first() {
        Some(first) => scope.read_for(first).await.map(Some),
        None => scope.read().await,
    }
}

async fn open_written<'a>(
    scope: &'a Scope,
    names: &[String],
) -> Result<Option<super::scope::Open<'a>>> {
    match names.first() {
        Some(first) => scope.existing_for(first).await.map(Some),
        None => scope.existing().await,
    }
}

/// A child's kind, name and content hash.
type ChildHash = (ArtifactKind, String, String);

/// A plugin as the collection holds it.
struct Stored {
    id: String,
    name: String,
    content_hash: String,
    /// Each child's kind, name and the hash the plugin pins.
    children: Vec<ChildHash>,
    origin: Option<Provenance>,
    /// Whether the current version is the newest one stored: after `use`
    /// made an older one current, the source's unchanged commit says
    /// nothing about the current content, which is then compared.
    current_is_newest: bool,
}

/// The plugins `names` names (every plugin when empty), each once, by name.
async fn stored(c: &Collection, names: &[String]) -> Result<Vec<Stored>> {
    let ids: Vec<String> = match names.is_empty() {
        true => {
            let filter = ListFilter {
                kind: Some(ArtifactKind::Composite),
                ..ListFilter::default()
            };
            query::list(c, &filter)
                .await?
                .items
                .into_iter()
                .map(|i| i.id)
                .collect()
        }
        false => names.to_vec(),
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for id in ids {
        let reference = id.strip_prefix("composite:").unwrap_or(&id);
        let d = query::show(c, reference, Some(ArtifactKind::Composite.as_str())).await?;
        if !seen.insert(d.id.clone()) {
            continue;
        }
        let current_is_newest = d.versions.last().is_some_and(|v| v.current);
        out.push(Stored {
            current_is_newest,
            children: d
                .children
                .into_iter()
                .map(|a| {
                    let hash = a.pinned_version_hash.unwrap_or(a.current_hash);
                    (a.artifact_type, a.artifact_name, hash)
                })
                .collect(),
            id: d.id,
            name: d.name,
            content_hash: d.content_hash,
            origin: d.origin,
        });
    }
    out.sort_by_key(|a| name_key(&a.name));
    Ok(out)
}

/// Every plugin's state, and the sources read (for `update`).
struct Checked {
    plugins: Vec<PluginOutdated>,
    sources: Vec<Resolved>,
}

async fn check(
    scope: &Scope,
    stored: Vec<Stored>,
    offline: bool,
    scratch: PathBuf,
) -> Result<Checked> {
    let cache = scope.home().git_cache();
    blocking(move || {
        let limits = engine_limits(SizeLimits::default());
        let req = Request {
            given: Path::new(""),
            scratch: &scratch,
            cache: &cache,
            limits: &limits,
            offline,
            plugins: None,
        };
        check_all(&req, &stored)
    })
    .await
}

/// The plugins grouped by the source read for them, each source read once.
fn check_all(req: &Request<'_>, stored: &[Stored]) -> Result<Checked> {
    let mut groups: Vec<(Spec, Vec<usize>)> = Vec::new();
    let mut states: BTreeMap<usize, PluginOutdated> = BTreeMap::new();
    for (i, s) in stored.iter().enumerate() {
        match s.origin.as_ref().and_then(origin::source_of) {
            None => {
                states.insert(i, state_of(s, OutdatedState::Untracked, None));
            }
            Some(spec) => match groups.iter_mut().find(|(g, _)| *g == spec) {
                Some((_, members)) => members.push(i),
                None => groups.push((spec, vec![i])),
            },
        }
    }
    let mut found = Found {
        states,
        sources: Vec::new(),
    };
    for (spec, members) in groups {
        check_group(req, stored, &spec, &members, &mut found)?;
    }
    Ok(Checked {
        plugins: found.states.into_values().collect(),
        sources: found.sources,
    })
}

/// What the checks found so far: each plugin's state (by its index in the
/// stored plugins) and the sources read.
struct Found {
    states: BTreeMap<usize, PluginOutdated>,
    sources: Vec<Resolved>,
}

/// The plugins `members` of one source, read once. When the source fails
/// for several plugins (a marketplace whose one remote entry does not
/// answer), each is read again on its own, so one entry does not decide for
/// the others.
fn check_group(
    req: &Request<'_>,
    stored: &[Stored],
    spec: &Spec,
    members: &[usize],
    found: &mut Found,
) -> Result<()> {
    let now = match origin::current_commit(req, spec) {
        Ok(now) => now,
        Err(e) => {
            let (state, reason) = failed(e)?;
            for &i in members {
                let s = &stored[i];
                found
                    .states
                    .insert(i, state_of(s, state, Some(reason.clone())));
            }
            return Ok(());
        }
    };
    let (same, rest): (Vec<usize>, Vec<usize>) = members.iter().partition(|&&i| {
        now.is_some() && stored[i].current_is_newest && recorded_at(&stored[i], now.as_deref())
    });
    for i in same {
        let s = &stored[i];
        let state = PluginOutdated {
            latest_commit: now.clone(),
            latest_hash: Some(s.content_hash.clone()),
            ..state_of(s, OutdatedState::UpToDate, None)
        };
        found.states.insert(i, state);
    }
    match rest.is_empty() {
        true => Ok(()),
        false => recheck_members(req, stored, spec, &rest, found),
    }
}

/// Whether plugin `s` was imported from commit `now` of its source's
/// repository, its files in that repository (not in another one a
/// marketplace entry names): then its source is unchanged and nothing
/// needs reading.
fn recorded_at(s: &Stored, now: Option<&str>) -> bool {
    let Some(p) = &s.origin else {
        return false;
    };
    let at = |l: &crate::origin::Location| l.commit.as_deref() == now;
    match &p.marketplace {
        Some(m) => at(&m.location) && at(&p.location) && p.location.url == m.location.url,
        None => at(&p.location),
    }
}

/// The plugins `members` of `spec`, read and compared.
fn recheck_members(
    req: &Request<'_>,
    stored: &[Stored],
    spec: &Spec,
    members: &[usize],
    found: &mut Found,
) -> Result<()> {
    let names: Vec<String> = members.iter().map(|&i| stored[i].name.clone()).collect();
    match origin::recheck(req, spec, &names) {
        Ok((resolved, missing)) => {
            let missing: HashSet<String> = missing.iter().map(|n| name_key(n)).collect();
            for &i in members {
                let s = &stored[i];
                let state = match missing.contains(&name_key(&s.name)) {
                    true => gone_from(s),
                    false => compare(s, &resolved)?,
                };
                found.states.insert(i, state);
            }
            found.sources.push(resolved);
        }
        Err(e) if members.len() > 1 && !base_failed(&e, spec) => {
            for &i in members {
                recheck_members(req, stored, spec, &[i], found)?;
            }
        }
        Err(e) => {
            let (state, reason) = failed(e)?;
            for &i in members {
                found
                    .states
                    .insert(i, state_of(&stored[i], state, Some(reason.clone())));
            }
        }
    }
    Ok(())
}

/// Whether `e` is the failure of the source itself (its repository or
/// path), not of one of the remote entries of its marketplace.
fn base_failed(e: &Error, spec: &Spec) -> bool {
    let failed_url = match e {
        Error::Remote { url, .. } | Error::SourceGone { url, .. } => url,
        _ => return true,
    };
    match spec {
        Spec::Git(g) => *failed_url == g.url,
        Spec::Local(path) => *failed_url == path.display().to_string(),
    }
}

/// What a source that could not be read means for its plugins: gone (it
/// was reached, and the ref, folder or plugin is not there), else
/// unreachable. Our own failure is an error.
fn failed(e: Error) -> Result<(OutdatedState, String)> {
    let gone = matches!(
        e,
        Error::SourceGone { .. } | Error::UnknownPlugin { .. } | Error::NoPlugin(_)
    );
    let state = match (gone, e.code()) {
        (true, _) => OutdatedState::Gone,
        (false, crate::error::ErrorCode::Internal) => return Err(e),
        (false, _) => OutdatedState::Unreachable,
    };
    Ok((state, e.to_string()))
}

fn gone_from(s: &Stored) -> PluginOutdated {
    let source = s.origin.as_ref().map(source_line).unwrap_or_default();
    let reason = format!("{source}: no plugin named {:?} any more", s.name);
    state_of(s, OutdatedState::Gone, Some(reason))
}

/// Where a plugin's source is, on one line: its marketplace, else itself.
fn source_line(p: &Provenance) -> String {
    match &p.marketplace {
        Some(m) => m.location.display(),
        None => p.location.display(),
    }
}

fn state_of(s: &Stored, state: OutdatedState, reason: Option<String>) -> PluginOutdated {
    PluginOutdated {
        id: s.id.clone(),
        name: s.name.clone(),
        state,
        source: s.origin.as_ref().map(|p| p.location.display()),
        commit: s.origin.as_ref().and_then(|p| p.location.commit.clone()),
        latest_commit: None,
        content_hash: s.content_hash.clone(),
        latest_hash: None,
        children: Vec::new(),
        reason,
    }
}

/// Plugin `s` against the plugin of its name in `resolved`.
fn compare(s: &Stored, resolved: &Resolved) -> Result<PluginOutdated> {
    let key = name_key(&s.name);
    let Some((source, plugin, provenance)) = resolved
        .plugins()
        .find(|(_, p, _)| name_key(&p.name) == key)
    else {
        return Ok(gone_from(s));
    };
    let (latest_hash, latest) = hashes(source, plugin)?;
    let children = changes(&s.children, &latest);
    let state = match latest_hash == s.content_hash && children.is_empty() {
        true => OutdatedState::UpToDate,
        false => OutdatedState::Changed,
    };
    Ok(PluginOutdated {
        latest_commit: provenance.location.commit.clone(),
        latest_hash: Some(latest_hash),
        children,
        ..state_of(s, state, None)
    })
}

/// The plugin's content hash in the source, and each child's.
fn hashes(source: &Source, plugin: &Plugin) -> Result<(String, Vec<ChildHash>)> {
    let (children, whole) = import::payload::build(source, plugin)?;
    let children = children
        .into_iter()
        .map(|c| (c.kind, c.name, c.content_hash.to_hex()))
        .collect();
    Ok((whole.content_hash.to_hex(), children))
}

/// The children new, changed or gone from `old` to `new` (by kind and
/// name key), in kind then name order.
fn changes(old: &[ChildHash], new: &[ChildHash]) -> Vec<ChangedChild> {
    let key = |(k, n, _): &ChildHash| (k.as_str(), name_key(n));
    let old: BTreeMap<_, _> = old.iter().map(|c| (key(c), c)).collect();
    let new: BTreeMap<_, _> = new.iter().map(|c| (key(c), c)).collect();
    let mut out = Vec::new();
    for (k, (kind, name, hash)) in &old {
        match new.get(k) {
            None => out.push(changed(*kind, name, ChildChange::Gone, Some(hash), None)),
            Some((_, _, h)) if h != hash => {
                out.push(changed(
                    *kind,
                    name,
                    ChildChange::Changed,
                    Some(hash),
                    Some(h),
                ));
            }
            Some(_) => {}
        }
    }
    for (k, (kind, name, hash)) in &new {
        if !old.contains_key(k) {
            out.push(changed(*kind, name, ChildChange::New, None, Some(hash)));
        }
    }
    out.sort_by(|a, b| {
        (a.kind.as_str(), name_key(&a.name)).cmp(&(b.kind.as_str(), name_key(&b.name)))
    });
    out
}

fn changed(
    kind: ArtifactKind,
    name: &str,
    change: ChildChange,
    old: Option<&String>,
    new: Option<&String>,
) -> ChangedChild {
    ChangedChild {
        kind: kind.into(),
        name: name.to_owned(),
        change,
        old_hash: old.cloned(),
        new_hash: new.cloned(),
    }
}

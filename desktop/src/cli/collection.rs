//! `add`, `preview`, `list`, `show`, `verify`: thin handlers over the engine.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::plan::{ConflictPolicy, Preview};

use super::{emit, to_json};
use crate::bundle::Limits;
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::import::{self, ImportResult};
use crate::inspect::Source;
use crate::{query, verify};

#[derive(Serialize)]
struct AddOutput<'a> {
    results: &'a [ImportResult],
}

/// How `add` runs: the conflict policy, the size limits, `--dry-run`.
pub(super) struct AddOptions {
    pub policy: ConflictPolicy,
    pub limits: Limits,
    pub dry_run: bool,
}

pub(super) async fn add(
    home: &Home,
    collection: &str,
    path: &Path,
    opts: AddOptions,
    json: bool,
) -> Result<i32> {
    let AddOptions {
        policy,
        limits,
        dry_run,
    } = opts;
    let opened = if dry_run {
        super::bundle::open_for_preview(path, &limits)?
    } else {
        super::bundle::open_for_import(home, path, &limits)?
    };
    let source = &opened.source;
    let plugins = &source.discovery.plugins;
    let coll = if dry_run {
        Collection::open_read(home, collection).await?
    } else {
        Some(Collection::open(home, collection).await?)
    };
    let progress = progress_bar(plugins.len() as u64);
    let mut results = Vec::with_capacity(plugins.len());
    let mut code = 0;
    for plugin in plugins {
        progress.set_message(plugin.name.clone());
        let transaction_id = crate::store::rows::new_id();
        let result = match (&coll, dry_run) {
            (c, true) => import::plan(c.as_ref(), source, plugin, policy)
                .await
                .map(|plan| ImportResult::planned(&plan)),
            (Some(c), false) => {
                import::import_plugin(c, source, plugin, policy, &transaction_id).await
            }
            (None, false) => Err(Error::Internal("collection not open".into())),
        };
        let result = result.unwrap_or_else(|e| {
            code = code.max(e.exit_code());
            ImportResult::failed(&plugin.name, transaction_id, &e)
        });
        if !json {
            progress.suspend(|| {
                let _ = emit(&describe(&result));
            });
        }
        results.push(result);
        progress.inc(1);
    }
    progress.finish_and_clear();
    if let (Some(c), false) = (&coll, dry_run) {
        c.close().await;
    }
    if json {
        emit(&to_json(&AddOutput { results: &results })?)?;
    } else {
        emit(&summary(&results, source, dry_run))?;
    }
    Ok(code)
}

fn progress_bar(len: u64) -> ProgressBar {
    if len < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn describe(r: &ImportResult) -> String {
    if !r.success {
        return format!("failed    {}: {}\n", r.plugin_name, r.errors.join("; "));
    }
    let verb = if r.dry_run { "would add" } else { "imported" };
    let txn = if r.dry_run {
        String::new()
    } else {
        format!("  (transaction {})", r.transaction_id)
    };
    format!(
        "{verb:<9} {}: {} new, {} reused, {} new versions{txn}\n",
        r.plugin_name, r.children_imported, r.children_reused, r.children_new_version
    )
}

fn summary(results: &[ImportResult], source: &Source, dry_run: bool) -> String {
    let mut out = String::new();
    for w in &source.discovery.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let ok = results.iter().filter(|r| r.success).count();
    let sum = |f: fn(&ImportResult) -> usize| results.iter().map(f).sum::<usize>();
    let _ = writeln!(
        out,
        "{} {ok} of {} plugin{}: {} new, {} reused, {} new versions{}",
        if dry_run { "dry run:" } else { "done:" },
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        sum(|r| r.children_imported),
        sum(|r| r.children_reused),
        sum(|r| r.children_new_version),
        if dry_run {
            " (nothing was written)"
        } else {
            ""
        },
    );
    out
}

#[derive(Serialize)]
struct PreviewOutput {
    plugins: Vec<Preview>,
}

pub(super) async fn preview(
    home: &Home,
    collection: &str,
    path: &Path,
    policy: ConflictPolicy,
    limits: &Limits,
    json: bool,
) -> Result<i32> {
    let opened = super::bundle::open_for_preview(path, limits)?;
    let source = &opened.source;
    let coll = Collection::open_read(home, collection).await?;
    let mut plugins = Vec::new();
    for plugin in &source.discovery.plugins {
        let plan = import::plan(coll.as_ref(), source, plugin, policy).await?;
        plugins.push(Preview::from(&plan));
    }
    if json {
        emit(&to_json(&PreviewOutput { plugins })?)?;
        return Ok(0);
    }
    let mut out = String::new();
    for p in &plugins {
        let b = &p.buckets;
        let _ = writeln!(
            out,
            "{}: {} new, {} existing, {} conflict",
            p.name,
            b.new.len(),
            b.existing.len(),
            b.conflict.len()
        );
        for (label, items) in [
            ("NEW", &b.new),
            ("EXISTING", &b.existing),
            ("CONFLICT", &b.conflict),
        ] {
            for c in items {
                let change = match c.current_hash {
                    Some(cur) if label == "CONFLICT" => {
                        format!("  {} -> {}", cur.short(), c.content_hash.short())
                    }
                    _ => format!("  {}", c.content_hash.short()),
                };
                let _ = writeln!(
                    out,
                    "  {label:<8} {:<10} {}{change}",
                    c.kind.as_str(),
                    c.name
                );
            }
        }
    }
    let _ = writeln!(out, "nothing was written");
    emit(&out)?;
    Ok(0)
}

pub(super) async fn list(
    home: &Home,
    collection: &str,
    kind: Option<&str>,
    limit: Option<usize>,
    json: bool,
) -> Result<i32> {
    let listing = match Collection::open_read(home, collection).await? {
        Some(c) => query::list(&c, kind, limit).await?,
        None => query::Listing {
            items: Vec::new(),
            total: 0,
            count: 0,
        },
    };
    if json {
        emit(&to_json(&listing)?)?;
        return Ok(0);
    }
    if listing.items.is_empty() {
        emit(&format!(
            "collection {collection:?} is empty: add a plugin with `skillmeat add <folder>`\n"
        ))?;
        return Ok(0);
    }
    let rows: Vec<[String; 5]> = listing
        .items
        .iter()
        .map(|i| {
            [
                i.name.clone(),
                i.kind.to_string(),
                i.subtype.clone().unwrap_or_else(|| "-".into()),
                i.version
                    .clone()
                    .unwrap_or_else(|| i.content_hash[..12].to_owned()),
                if i.kind == ArtifactKind::Composite {
                    i.child_count.to_string()
                } else {
                    "-".into()
                },
            ]
        })
        .collect();
    let header = ["NAME", "TYPE", "SUBTYPE", "VERSION", "CHILDREN"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(header.map(str::to_owned)).chain(rows) {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    if listing.count < listing.total {
        let _ = writeln!(out, "({} of {})", listing.count, listing.total);
    }
    emit(&out)?;
    Ok(0)
}

pub(super) async fn show(
    home: &Home,
    collection: &str,
    name: &str,
    kind: Option<&str>,
    json: bool,
) -> Result<i32> {
    let coll = super::existing_collection(home, collection, name, true).await?;
    let d = query::show(&coll, name, kind).await?;
    if json {
        emit(&to_json(&d)?)?;
        return Ok(0);
    }
    let mut out = String::new();
    let subtype = d
        .subtype
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let _ = writeln!(out, "{}  {}{subtype}  {}", d.name, d.kind, d.id);
    if let Some(v) = &d.version {
        let _ = writeln!(out, "  version      {v}");
    }
    if let Some(desc) = &d.description {
        let _ = writeln!(out, "  description  {desc}");
    }
    let _ = writeln!(out, "  content      sha256:{}", d.content_hash);
    if let Some(s) = &d.source {
        let _ = writeln!(out, "  source       {s}");
    }
    if !d.parents.is_empty() {
        let _ = writeln!(out, "Part of:");
        for p in &d.parents {
            let _ = writeln!(
                out,
                "  {} ({})  {}",
                p.artifact_name, p.artifact_type, p.relationship_type
            );
        }
    }
    let _ = writeln!(out, "Versions:");
    for v in &d.versions {
        let mark = if v.current { " (current)" } else { "" };
        let _ = writeln!(
            out,
            "  {}  {}  {} files{mark}",
            &v.content_hash[..12],
            v.created_at,
            v.file_count
        );
    }
    if !d.children.is_empty() {
        let _ = writeln!(out, "Contains:");
        for c in &d.children {
            let pinned = c.pinned_version_hash.as_deref().unwrap_or("");
            let sync = if pinned == c.current_hash {
                "in sync"
            } else {
                "drifted: current differs from pinned"
            };
            let _ = writeln!(
                out,
                "  {:<10} {:<30} pinned {}  {sync}",
                c.artifact_type,
                c.artifact_name,
                pinned.get(..12).unwrap_or(pinned)
            );
        }
    }
    emit(&out)?;
    Ok(0)
}

pub(super) async fn verify(home: &Home, collection: &str, json: bool) -> Result<i32> {
    let report = match Collection::open_read(home, collection).await? {
        Some(c) => verify::verify(&c).await?,
        None => verify::verify_folder(&home.collection_dir(collection)?, collection),
    };
    if json {
        emit(&to_json(&report)?)?;
    } else {
        let mut out = String::new();
        for p in &report.problems {
            let _ = writeln!(out, "problem: {p}");
        }
        let _ = writeln!(
            out,
            "{}: {} artifacts, {} versions, {} stored blobs checked",
            if report.ok { "ok" } else { "NOT OK" },
            report.artifacts,
            report.versions,
            report.blobs
        );
        emit(&out)?;
    }
    Ok(if report.ok { 0 } else { 1 })
}

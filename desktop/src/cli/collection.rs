//! `add`, `preview`, `list`, `show`, `verify`: thin handlers over the
//! operations layer.

use std::fmt::Write as _;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::{emit, to_json};
use crate::error::Result;
use crate::ops::transfer::{
    ImportArgs, ImportSummary, Kind, ListArgs, LockArgs, MigrateArgs, PluginImport, PluginPreview,
    PreviewArgs, ShowArgs,
};
use crate::ops::{self, ImportStep, Scope};

/// `add --json`: `{"results": [...]}`, each result without the stored
/// children the app gets (the CLI's documented shape).
#[derive(Serialize)]
struct AddOutput<'a> {
    results: Vec<AddedPlugin<'a>>,
}

#[derive(Serialize)]
struct AddedPlugin<'a> {
    success: bool,
    plugin_name: &'a str,
    plugin_id: Option<&'a str>,
    children_imported: u32,
    children_reused: u32,
    children_new_version: u32,
    errors: &'a [String],
    transaction_id: &'a str,
    dry_run: bool,
    loads_in_claude_code: bool,
    load_errors: &'a [String],
    validation_errors: &'a [String],
}

impl<'a> From<&'a PluginImport> for AddedPlugin<'a> {
    fn from(r: &'a PluginImport) -> Self {
        AddedPlugin {
            success: r.success,
            plugin_name: &r.plugin_name,
            plugin_id: r.plugin_id.as_deref(),
            children_imported: r.children_imported,
            children_reused: r.children_reused,
            children_new_version: r.children_new_version,
            errors: &r.errors,
            transaction_id: &r.transaction_id,
            dry_run: r.dry_run,
            loads_in_claude_code: r.loads_in_claude_code,
            load_errors: &r.load_errors,
            validation_errors: &r.validation_errors,
        }
    }
}

pub(super) async fn add(scope: &Scope, args: ImportArgs, json: bool) -> Result<i32> {
    let dry_run = args.dry_run.unwrap_or(false);
    let mut progress: Option<ProgressBar> = None;
    let summary = ops::import(scope, args, |step| match step {
        ImportStep::Started(p) => {
            let bar = progress.get_or_insert_with(|| progress_bar(u64::from(p.total)));
            bar.set_message(p.plugin.clone());
        }
        ImportStep::Ended(_, result) => {
            if let Some(bar) = &progress {
                if !json {
                    bar.suspend(|| {
                        let _ = emit(&describe(result));
                    });
                }
                bar.inc(1);
            }
        }
    })
    .await?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if json {
        let results = summary.results.iter().map(AddedPlugin::from).collect();
        emit(&to_json(&AddOutput { results })?)?;
    } else {
        emit(&summary_text(&summary, dry_run))?;
    }
    Ok(summary.worst().map_or(0, |c| c.exit_code()))
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

pub(super) fn describe(r: &PluginImport) -> String {
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

fn summary_text(summary: &ImportSummary, dry_run: bool) -> String {
    let mut out = String::new();
    for w in &summary.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let results = &summary.results;
    let ok = results.iter().filter(|r| r.success).count();
    let sum = |f: fn(&PluginImport) -> u32| results.iter().map(f).sum::<u32>();
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

pub(super) async fn preview(scope: &Scope, args: PreviewArgs, json: bool) -> Result<i32> {
    let preview = ops::preview(scope, args).await?;
    if json {
        emit(&to_json(&preview)?)?;
        return Ok(0);
    }
    let mut out = String::new();
    for p in &preview.plugins {
        write_buckets(&mut out, p);
    }
    for w in &preview.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = writeln!(out, "nothing was written");
    emit(&out)?;
    Ok(0)
}

/// One plugin's NEW, EXISTING and CONFLICT children (`preview`, `update --dry-run`).
pub(super) fn write_buckets(out: &mut String, p: &PluginPreview) {
    let b = &p.buckets;
    let _ = writeln!(
        out,
        "{}: {} new, {} existing, {} conflict",
        p.name,
        b.new.len(),
        b.existing.len(),
        b.conflict.len()
    );
    super::inspect::write_validation(out, &p.load_errors, &p.validation_errors);
    for (label, items) in [
        ("NEW", &b.new),
        ("EXISTING", &b.existing),
        ("CONFLICT", &b.conflict),
    ] {
        for c in items {
            let change = match &c.current_hash {
                Some(cur) if label == "CONFLICT" => {
                    format!("  {} -> {}", short(cur), short(&c.content_hash))
                }
                _ => format!("  {}", short(&c.content_hash)),
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

/// The first 12 characters of a hash, for people.
pub(super) fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

pub(super) async fn list(scope: &Scope, args: ListArgs, json: bool) -> Result<i32> {
    let listing = ops::list(scope, args).await?;
    if json {
        emit(&to_json(&listing)?)?;
        return Ok(0);
    }
    if listing.items.is_empty() {
        emit(&format!(
            "collection {:?} is empty: add a plugin with `skillmeat add <folder>`\n",
            scope.name()
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
                    .unwrap_or_else(|| short(&i.content_hash).to_owned()),
                if i.kind == Kind::Composite {
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

pub(super) async fn show(scope: &Scope, args: ShowArgs, json: bool) -> Result<i32> {
    let d = ops::show(scope, args).await?;
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
    if let Some(o) = &d.origin {
        let at = location_text(
            &o.kind,
            &o.url,
            o.git_ref.as_deref(),
            o.commit.as_deref(),
            &o.path,
        );
        let _ = writeln!(out, "  origin       {at}");
        if let Some(m) = &o.marketplace {
            let name = m
                .name
                .as_deref()
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            let at = location_text(
                &m.kind,
                &m.url,
                m.git_ref.as_deref(),
                m.commit.as_deref(),
                &m.path,
            );
            let _ = writeln!(out, "  marketplace  {name}{at}");
        }
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
            short(&v.content_hash),
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

pub(super) async fn lock(scope: &Scope, args: LockArgs, json: bool) -> Result<i32> {
    let written = ops::lock(scope, args).await?;
    if json {
        emit(&to_json(&written)?)?;
    } else {
        emit(&format!(
            "wrote {} ({} artifacts) and {}\n",
            written.lock, written.artifacts, written.manifest
        ))?;
    }
    Ok(0)
}

pub(super) async fn migrate(args: MigrateArgs, json: bool) -> Result<i32> {
    let m = ops::migrate(args).await?;
    if json {
        emit(&to_json(&m)?)?;
    } else {
        emit(&format!(
            "migrated collection {} ({} artifacts) to {}: {} rows and {} files ({} bytes) copied, \
             {} rows and {} files already there; the copy verifies and equals the original\n",
            m.collection,
            m.artifacts,
            m.to,
            m.rows_copied,
            m.contents_copied,
            m.bytes_copied,
            m.rows_present,
            m.contents_present
        ))?;
    }
    Ok(0)
}

pub(super) async fn verify(scope: &Scope, json: bool) -> Result<i32> {
    let report = ops::verify(scope).await?;
    if json {
        emit(&to_json(&report)?)?;
    } else {
        let mut out = String::new();
        for p in &report.problems {
            let _ = writeln!(out, "problem: {p}");
        }
        for n in &report.notes {
            let _ = writeln!(out, "note: {n}");
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

/// `git https://h/r.git @ v1 (commit 0123…) #plugins/p`, parts left out
/// when absent.
fn location_text(
    kind: &str,
    url: &str,
    git_ref: Option<&str>,
    commit: Option<&str>,
    path: &str,
) -> String {
    let mut text = format!("{kind} {url}");
    if let Some(r) = git_ref {
        text.push_str(&format!(" @ {r}"));
    }
    if let Some(c) = commit {
        text.push_str(&format!(" (commit {c})"));
    }
    if !path.is_empty() {
        text.push_str(&format!(" #{path}"));
    }
    text
}

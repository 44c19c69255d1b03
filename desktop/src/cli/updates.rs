//! `outdated` and `update`: thin handlers over the operations layer.
//!
//! `outdated` exits 0 whatever it finds (it is a report: changed,
//! unreachable and gone plugins are states, not failures); 1 only for bad
//! input (an unknown plugin name). `update` exits 0, or the worst exit code
//! of a plugin whose import failed (as `add`).

use std::fmt::Write as _;

use super::collection::{describe, short, write_buckets};
use super::{emit, to_json};
use crate::error::Result;
use crate::ops::transfer::{
    ChildChange, OutdatedArgs, OutdatedState, PluginOutdated, UpdateArgs, UpdateResult,
};
use crate::ops::{self, Scope};

pub(super) async fn outdated(scope: &Scope, args: OutdatedArgs, json: bool) -> Result<i32> {
    let report = ops::outdated(scope, args).await?;
    if json {
        emit(&to_json(&report)?)?;
        return Ok(0);
    }
    if report.plugins.is_empty() {
        emit("no plugins in the collection\n")?;
        return Ok(0);
    }
    let mut out = String::new();
    for p in &report.plugins {
        write_state(&mut out, p);
    }
    emit(&out)?;
    Ok(0)
}

/// `NAME  STATE  (source)` and, for a changed plugin, one line per child.
fn write_state(out: &mut String, p: &PluginOutdated) {
    let commits = match (&p.commit, &p.latest_commit) {
        (Some(a), Some(b)) if a != b => format!("  {} -> {}", short(a), short(b)),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{:<32} {:<18} {}{commits}",
        p.name,
        p.state.as_str(),
        p.source.as_deref().unwrap_or("-")
    );
    if let Some(reason) = &p.reason {
        let _ = writeln!(out, "  {reason}");
    }
    if p.state == OutdatedState::Changed && p.children.is_empty() {
        let _ = writeln!(out, "  the plugin's own files changed (no child did)");
    }
    for c in &p.children {
        let (label, hashes) = match c.change {
            ChildChange::New => (
                "new",
                c.new_hash
                    .as_deref()
                    .map(short)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            ChildChange::Gone => (
                "gone",
                c.old_hash
                    .as_deref()
                    .map(short)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            ChildChange::Changed => (
                "changed",
                format!(
                    "{} -> {}",
                    c.old_hash.as_deref().map(short).unwrap_or_default(),
                    c.new_hash.as_deref().map(short).unwrap_or_default()
                ),
            ),
        };
        let _ = writeln!(
            out,
            "  {label:<8} {:<10} {}  {hashes}",
            c.kind.as_str(),
            c.name
        );
    }
}

pub(super) async fn update(scope: &Scope, args: UpdateArgs, json: bool) -> Result<i32> {
    let r = ops::update(scope, args).await?;
    let worst = r
        .results
        .iter()
        .filter_map(|p| p.error_code)
        .map(|c| c.exit_code())
        .max()
        .unwrap_or(0);
    if json {
        emit(&to_json(&r)?)?;
    } else {
        emit(&update_text(&r))?;
    }
    Ok(worst)
}

fn update_text(r: &UpdateResult) -> String {
    let mut out = String::new();
    for p in r
        .checked
        .iter()
        .filter(|p| p.state != OutdatedState::Changed)
    {
        let _ = writeln!(out, "{:<32} {}", p.name, p.state.as_str());
        if let Some(reason) = &p.reason {
            let _ = writeln!(out, "  {reason}");
        }
    }
    for p in &r.previews {
        write_buckets(&mut out, p);
    }
    for p in &r.results {
        out.push_str(&describe(p));
    }
    let changed = r
        .checked
        .iter()
        .filter(|p| p.state == OutdatedState::Changed)
        .count();
    let _ = match (r.dry_run, changed) {
        (_, 0) => writeln!(out, "nothing to update"),
        (true, n) => writeln!(
            out,
            "dry run: {n} plugin(s) would be updated; nothing was written"
        ),
        (false, n) => writeln!(
            out,
            "updated {n} plugin(s); deployed projects are unchanged (`skillmeat status --project P` shows them outdated)"
        ),
    };
    out
}

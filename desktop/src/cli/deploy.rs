//! `deploy`, `undeploy`, `status`: thin handlers over `crate::deploy`.

use std::fmt::Write as _;
use std::path::Path;

use super::{emit, to_json};
use crate::collection::Collection;
use crate::deploy::{self, Action, Options, Outcome, State};
use crate::error::{Error, Result};
use crate::home::Home;

pub(super) async fn deploy(
    home: &Home,
    collection: &str,
    name: &str,
    project: &Path,
    opts: Options,
    json: bool,
) -> Result<i32> {
    let coll = super::existing_collection(home, collection, name, opts.dry_run).await?;
    let outcome = deploy::deploy(home, &coll, name, project, &opts).await;
    coll.close().await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        // With --json, one document: the plan (conflicts marked) and the error.
        Err(e @ Error::DeployConflict { .. }) if json => {
            let Error::DeployConflict { plan, .. } = &e else {
                return Err(e);
            };
            let mut doc = serde_json::to_value(plan.as_ref())
                .map_err(|e| Error::Internal(format!("serialising JSON: {e}")))?;
            doc["error"] = e.to_string().into();
            emit(&to_json(&doc)?)?;
            return Ok(1);
        }
        Err(Error::DeployConflict {
            plan,
            conflicts,
            name,
        }) if opts.dry_run => {
            emit(&plan_text(&plan))?;
            return Err(Error::DeployConflict {
                name,
                conflicts,
                plan,
            });
        }
        Err(e) => return Err(e),
    };
    if json {
        emit(&to_json(&outcome)?)?;
        return Ok(0);
    }
    emit(&plan_text(&outcome))?;
    Ok(0)
}

/// A deployment's operations, one line each, and what it comes to.
fn plan_text(outcome: &Outcome) -> String {
    let mut out = String::new();
    for w in &outcome.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for op in &outcome.operations {
        let action = match op.action {
            Action::Write => "write",
            Action::Replace => "replace",
            Action::Unchanged => "unchanged",
            Action::Conflict => "CONFLICT",
            Action::Backup => "backup+write",
            Action::MergeHook => "merge hook",
            Action::MergeMcpServer => "merge MCP",
            Action::Remove => "remove",
        };
        let detail = op
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {action:<12} {}{detail}", op.path);
    }
    let verb = if outcome.dry_run {
        "would deploy"
    } else {
        "deployed"
    };
    let _ = writeln!(
        out,
        "{verb} {} ({} artifact{}) to {}",
        outcome.name,
        outcome.deployed.len(),
        if outcome.deployed.len() == 1 { "" } else { "s" },
        outcome.project
    );
    out
}

pub(super) async fn undeploy(
    home: &Home,
    collection: &str,
    name: &str,
    project: &Path,
    force: bool,
    json: bool,
) -> Result<i32> {
    let coll = Collection::open_existing(home, collection).await?;
    let report = deploy::undeploy(home, coll.as_ref(), name, project, force).await;
    if let Some(c) = &coll {
        c.close().await;
    }
    let report = report?;
    if json {
        emit(&to_json(&report)?)?;
        return Ok(0);
    }
    let mut out = String::new();
    for k in &report.kept {
        let _ = writeln!(
            out,
            "kept (changed since deployment; --force backs it up and removes it): {k}"
        );
    }
    for n in &report.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for r in &report.restored {
        let _ = writeln!(out, "restored your file: {r}");
    }
    for b in &report.backed_up {
        let _ = writeln!(out, "backed up (changed since deployment): {b}");
    }
    for s in &report.mcp_servers_restored {
        let _ = writeln!(out, "restored your MCP server: {s}");
    }
    let _ = writeln!(
        out,
        "undeployed {}: {} files removed, {} restored, {} hooks and {} MCP servers taken out",
        report.name,
        report.removed.len(),
        report.restored.len(),
        report.hooks_removed,
        report.mcp_servers_removed
    );
    emit(&out)?;
    Ok(0)
}

pub(super) async fn status(
    home: &Home,
    collection: &str,
    project: &Path,
    json: bool,
) -> Result<i32> {
    let coll = Collection::open_read(home, collection).await?;
    let report = deploy::status(home, coll.as_ref(), project).await?;
    if json {
        emit(&to_json(&report)?)?;
        return Ok(0);
    }
    if report.items.is_empty() {
        emit(&format!(
            "nothing deployed in {} by skillmeat\n",
            report.project
        ))?;
        return Ok(0);
    }
    let mut out = format!(
        "{:<10} {:<10} {:<32} {}\n",
        "STATUS", "TYPE", "NAME", "PLUGIN"
    );
    for i in &report.items {
        let state = match i.status {
            State::Ok => "ok",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Outdated => "outdated",
        };
        let _ = writeln!(
            out,
            "{state:<10} {:<10} {:<32} {}",
            i.kind.as_str(),
            i.name,
            i.parent.as_deref().unwrap_or("-")
        );
    }
    emit(&out)?;
    Ok(0)
}

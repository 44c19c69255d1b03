//! `deploy`, `undeploy`, `status`: thin handlers over the operations layer.

use std::fmt::Write as _;

use super::{emit, to_json};
use crate::error::{Error, Result};
use crate::ops::transfer::{
    DeployAction, DeployArgs, DeployResult, Drift, ProjectArgs, UndeployArgs,
};
use crate::ops::{self, Scope};

pub(super) async fn deploy(scope: &Scope, args: DeployArgs, json: bool) -> Result<i32> {
    let dry_run = args.dry_run;
    let e = match ops::deploy(scope, args).await {
        Ok(outcome) if json => {
            emit(&to_json(&outcome)?)?;
            return Ok(0);
        }
        Ok(outcome) => {
            emit(&plan_text(&outcome))?;
            return Ok(0);
        }
        Err(e) => e,
    };
    match ops::conflict_plan(&e) {
        // With --json, one document: the plan (conflicts marked) and the error.
        Some(plan) if json => {
            let mut doc = serde_json::to_value(&plan)
                .map_err(|e| Error::Internal(format!("serialising JSON: {e}")))?;
            doc["error"] = e.to_string().into();
            emit(&to_json(&doc)?)?;
            Ok(1)
        }
        Some(plan) if dry_run => {
            emit(&plan_text(&plan))?;
            Err(e)
        }
        _ => Err(e),
    }
}

/// A deployment's operations, one line each, and what it comes to.
fn plan_text(outcome: &DeployResult) -> String {
    let mut out = String::new();
    for w in &outcome.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for op in &outcome.operations {
        let action = match op.action {
            DeployAction::Write => "write",
            DeployAction::Replace => "replace",
            DeployAction::Unchanged => "unchanged",
            DeployAction::Conflict => "CONFLICT",
            DeployAction::Backup => "backup+write",
            DeployAction::MergeHook => "merge hook",
            DeployAction::MergeMcpServer => "merge MCP",
            DeployAction::Remove => "remove",
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

pub(super) async fn undeploy(scope: &Scope, args: UndeployArgs, json: bool) -> Result<i32> {
    let report = ops::undeploy(scope, args).await?;
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

pub(super) async fn status(scope: &Scope, args: ProjectArgs, json: bool) -> Result<i32> {
    let report = ops::status(scope, args).await?;
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
            Drift::Ok => "ok",
            Drift::Modified => "modified",
            Drift::Missing => "missing",
            Drift::Outdated => "outdated",
        };
        let _ = writeln!(
            out,
            "{state:<10} {:<10} {:<32} {}",
            i.kind.as_str(),
            i.name,
            i.parent.as_deref().unwrap_or("-")
        );
    }
    let outdated = report
        .items
        .iter()
        .filter(|i| i.status == Drift::Outdated)
        .count();
    if outdated > 0 {
        let _ = writeln!(
            out,
            "{outdated} outdated: the collection has a newer version (after `skillmeat update` or `use`); `skillmeat deploy NAME --project {}` deploys it",
            report.project
        );
    }
    emit(&out)?;
    Ok(0)
}

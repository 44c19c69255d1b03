//! `skillmeat inspect PATH [--json]`

use std::fmt::Write as _;
use std::path::Path;

use skillmeat_core::ArtifactKind;

use super::{emit, to_json};
use crate::error::Error;
use crate::ops::transfer::SizeLimits;
use crate::ops::{self, InspectReport};

pub(super) fn run(path: &Path, limits: SizeLimits, json: bool) -> Result<i32, Error> {
    let report = ops::inspect(path, limits)?;
    if json {
        emit(&to_json(&report)?)?;
    } else {
        emit(&render(path, &report))?;
    }
    Ok(0)
}

/// The human tree view.
fn render(path: &Path, report: &InspectReport) -> String {
    let mut out = String::new();
    if let Some(m) = &report.marketplace {
        let _ = writeln!(out, "marketplace {m} ({})\n", path.display());
    }
    for plugin in &report.plugins {
        let version = plugin
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{version}  [{} {:.2}]  {}",
            plugin.name,
            plugin.detection.as_str(),
            plugin.confidence,
            plugin.root
        );
        let _ = writeln!(
            out,
            "  content {}  ({} files)",
            plugin.content_hash, plugin.files
        );
        let width = plugin
            .children
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        for (i, c) in plugin.children.iter().enumerate() {
            let branch = if i + 1 == plugin.children.len() {
                "└─"
            } else {
                "├─"
            };
            let rel = if c.relationship == skillmeat_core::Relationship::Member {
                String::new()
            } else {
                format!("  {}", c.relationship)
            };
            let _ = writeln!(
                out,
                "  {branch} {:<10} {:<width$}  {}  {}{rel}",
                c.kind.as_str(),
                c.name,
                c.content_hash.short(),
                c.path
            );
        }
        for w in &plugin.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
        write_validation(&mut out, &plugin.load_errors, &plugin.validation_errors);
        out.push('\n');
    }
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let count = |k: ArtifactKind| -> usize {
        report
            .plugins
            .iter()
            .map(|p| p.children.iter().filter(|c| c.kind == k).count())
            .sum()
    };
    let children: usize = report.plugins.iter().map(|p| p.children.len()).sum();
    let _ = writeln!(
        out,
        "{} plugin{}, {children} children: {} skills, {} commands, {} agents, {} hooks, {} MCP servers, {} LSP servers",
        report.plugins.len(),
        if report.plugins.len() == 1 { "" } else { "s" },
        count(ArtifactKind::Skill),
        count(ArtifactKind::Command),
        count(ArtifactKind::Agent),
        count(ArtifactKind::Hook),
        count(ArtifactKind::McpServer),
        count(ArtifactKind::LspServer),
    );
    out
}

/// Claude Code's verdict on a plugin: the reasons it would not load it,
/// and what `claude plugin validate` would call an error.
pub(super) fn write_validation(out: &mut String, load_errors: &[String], validation: &[String]) {
    if !load_errors.is_empty() {
        let _ = writeln!(out, "  does not load in Claude Code:");
        for e in load_errors {
            let _ = writeln!(out, "    error: {e}");
        }
    }
    for e in validation {
        let _ = writeln!(out, "  warning: claude plugin validate: {e}");
    }
}

//! `export`: a thin handler over the operations layer.

use serde::Serialize;

use super::{emit, to_json};
use crate::error::Result;
use crate::ops::transfer::ExportArgs;
use crate::ops::{self, Scope};

/// `export --json`: `{"path", "content_hash", "files", "bytes"}` (the
/// CLI's documented shape; the plugin and version are in the text).
#[derive(Serialize)]
struct Exported<'a> {
    path: &'a str,
    content_hash: &'a str,
    files: u32,
    bytes: u64,
}

pub(super) async fn export(scope: &Scope, args: ExportArgs, json: bool) -> Result<i32> {
    let report = ops::export(scope, args).await?;
    if json {
        emit(&to_json(&Exported {
            path: &report.path,
            content_hash: &report.content_hash,
            files: report.files,
            bytes: report.bytes,
        })?)?;
    } else {
        let version = report
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        emit(&format!(
            "exported {}{version}: {} ({} files, {} bytes, sha256 {})\n",
            report.plugin, report.path, report.files, report.bytes, report.content_hash
        ))?;
    }
    Ok(0)
}

//! `export`, and opening what `add` / `preview` are given (a folder or a
//! bundle zip): thin handlers over `crate::bundle`.

use std::path::Path;

use super::{emit, to_json};
use crate::bundle::{self, Limits, Opened, Secrets};
use crate::error::Result;
use crate::home::Home;

pub(super) async fn export(
    home: &Home,
    collection: &str,
    name: &str,
    output: Option<&Path>,
    allow_secrets: bool,
    json: bool,
) -> Result<i32> {
    let coll = super::existing_collection(home, collection, name, true).await?;
    let secrets = if allow_secrets {
        Secrets::Allow
    } else {
        Secrets::Refuse
    };
    let report = bundle::export(&coll, name, output, secrets).await?;
    if json {
        emit(&to_json(&report)?)?;
    } else {
        let version = report
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        emit(&format!(
            "exported {}{version}: {} ({} files, {} bytes, sha256 {})\n",
            report.plugin,
            report.path.display(),
            report.files,
            report.bytes,
            report.content_hash
        ))?;
    }
    Ok(0)
}

/// A folder or a bundle for `add`: a bundle is extracted below the
/// skillmeat home, next to the collection it is imported into.
pub(super) fn open_for_import(home: &Home, path: &Path, limits: &Limits) -> Result<Opened> {
    bundle::open_with(path, home.root(), limits)
}

/// A folder or a bundle for `preview` and `add --dry-run`: a bundle is
/// extracted into the system's temp folder, so nothing is written to the
/// skillmeat home.
pub(super) fn open_for_preview(path: &Path, limits: &Limits) -> Result<Opened> {
    bundle::open_with(path, &std::env::temp_dir(), limits)
}

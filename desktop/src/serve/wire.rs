//! What the HTTP API takes and gives where it is not an `ops` transfer type
//! as it is: the seeds' names (`artifact_type`, `q`, `type`,
//! `artifact_uuid`), query strings, and bodies whose artifact is in the
//! path. Each maps to or from an `ops` type in a few lines; nothing here
//! decides what an operation does.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use crate::ops::transfer::{DeployMode, Kind, ListArgs, Membership};

/// The page size when none is asked for, and the largest one.
pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;

/// `GET /api/v1/artifacts`: filters and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this type (`composite` is a plugin).
    #[param(inline)]
    pub artifact_type: Option<Kind>,
    /// Only plugins of this subtype (`plugin`; any case).
    #[param(example = "plugin")]
    pub subtype: Option<String>,
    /// Part of the name, case-insensitive (`_` and a space match `-`).
    #[param(example = "brainstorm")]
    pub q: Option<String>,
    /// Items in the page, at most 1000 (100 by default).
    #[param(minimum = 0, maximum = 1000, example = 50)]
    pub limit: Option<u32>,
    /// Items skipped before the page.
    #[param(minimum = 0, example = 0)]
    pub offset: Option<u32>,
}

impl ListQuery {
    pub fn args(self) -> Result<ListArgs, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if limit > MAX_LIMIT {
            return Err(ApiError::bad_input(format!(
                "limit {limit} is over {MAX_LIMIT}: page with offset"
            )));
        }
        Ok(ListArgs {
            kind: self.artifact_type,
            subtype: self.subtype.map(|s| s.to_lowercase()),
            search: self.q,
            limit: Some(limit),
            offset: self.offset,
        })
    }
}

/// `GET /api/v1/artifacts/{id}/associations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssociationsQuery {
    /// The plugins it belongs to (true by default).
    #[param(example = true)]
    pub include_parents: Option<bool>,
    /// A plugin's children (true by default).
    #[param(example = true)]
    pub include_children: Option<bool>,
    /// Only memberships of this relationship.
    #[param(inline)]
    pub relationship_type: Option<Membership>,
}

/// `GET /api/v1/artifacts/{id}/files/{path}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The version's content hash; the current version by default.
    #[param(example = "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9")]
    pub version: Option<String>,
}

/// `GET /api/v1/artifacts/{id}/bundle`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    /// Export files that look like secrets (`.env`, `*.pem` …) instead of
    /// refusing (false by default).
    pub allow_secrets: Option<bool>,
}

/// `POST /api/v1/artifacts/{id}/deploy`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"project": "/home/me/src/app", "dry_run": true}))]
pub struct DeployBody {
    /// The project's root folder, an absolute path on the server's machine.
    pub project: String,
    /// Replace files skillmeat did not write (keeping a backup).
    #[serde(default)]
    pub force: bool,
    /// Only plan: 200 with the operations, conflicts marked; nothing written.
    #[serde(default)]
    pub dry_run: bool,
    /// Each child's current version instead of the one the plugin pins.
    #[serde(default)]
    pub use_current: bool,
    /// `plugin` (the default for a plugin) or `unpacked` (the default for
    /// one artifact, and with `use_current`).
    pub mode: Option<DeployMode>,
}

/// `POST /api/v1/artifacts/{id}/undeploy`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"project": "/home/me/src/app"}))]
pub struct UndeployBody {
    /// The project's root folder, an absolute path on the server's machine.
    pub project: String,
    /// Also remove files changed since deployment (kept as backups).
    #[serde(default)]
    pub force: bool,
}

/// `GET /api/v1/projects/status`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The project's root folder, an absolute path on the server's machine.
    #[param(example = "/home/me/src/app")]
    pub project: String,
}

/// A project folder as a client gave it: absolute, since the server's
/// working folder means nothing to a client.
pub fn project_path(project: &str) -> Result<std::path::PathBuf, ApiError> {
    let path = std::path::PathBuf::from(project);
    match path.is_absolute() {
        true => Ok(path),
        false => Err(ApiError::bad_input(format!(
            "project {project:?} is not an absolute path (a folder on the server's machine)"
        ))),
    }
}

/// `GET /healthz`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// Always `ok` while the server answers.
    pub status: String,
}

/// `DELETE /api/v1/artifacts/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// Keep a plugin's children in the collection.
    #[serde(default)]
    pub keep_children: bool,
    /// Remove an artifact that is part of a plugin or deployed in a project.
    #[serde(default)]
    pub force: bool,
    /// Only say what would go; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /api/v1/artifacts/{id}/use`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"hash": "sha256:3b1f0c9e"}))]
pub struct UseBody {
    /// `sha256:<hex>`, or a unique prefix of at least 8 hex characters.
    pub hash: String,
}

/// `GET /api/v1/outdated`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutdatedQuery {
    /// One plugin (its id, name or `composite:name`); every plugin when absent.
    #[param(example = "superpowers")]
    pub name: Option<String>,
    /// Fetch nothing: git sources are read from the server's cache only.
    #[serde(default)]
    pub offline: bool,
}

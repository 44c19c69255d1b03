//! What the HTTP API takes and gives where it is not an `ops` transfer type
//! as it is: the seeds' names (`artifact_type`, `q`, `type`,
//! `artifact_uuid`), query strings, and bodies whose artifact is in the
//! path. Each maps to or from an `ops` type in a few lines; nothing here
//! decides what an operation does.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use crate::ops::transfer::{
    ArtifactDetail, ArtifactList, ArtifactSummary, Association, DeployMode, DeploymentInfo, Kind,
    ListArgs, Membership, Origin, VersionInfo,
};

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

/// One artifact of the list (the seeds' fields).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[schema(example = json!({
    "id": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
    "artifact_uuid": "01JZ8Y4W5N3K9Q2R7T6V0XABCD",
    "name": "superpowers",
    "type": "composite",
    "subtype": "plugin",
    "version": "4.0.3",
    "child_count": 3,
    "content_hash": "9f2c4e1b7a3d5f60c8e2b4a6d8f0e1c3b5a79d2e4f6081a3c5e7f9b1d3a5c7e9",
    "created_at": "2026-02-19T10:00:00Z",
    "updated_at": "2026-02-19T10:00:00Z"
}))]
pub struct ArtifactItem {
    /// The artifact's id (a ULID).
    pub id: String,
    /// The same id, under the seeds' second name for it.
    pub artifact_uuid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// A plugin's subtype (`plugin`); null for other types.
    pub subtype: Option<String>,
    pub version: Option<String>,
    /// Children of a plugin (0 for other types).
    pub child_count: u32,
    /// SHA-256 of the current version (the canonical tree hash).
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<ArtifactSummary> for ArtifactItem {
    fn from(a: ArtifactSummary) -> ArtifactItem {
        ArtifactItem {
            artifact_uuid: a.id.clone(),
            id: a.id,
            name: a.name,
            kind: a.kind,
            subtype: a.subtype,
            version: a.version,
            child_count: a.child_count,
            content_hash: a.content_hash,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// One page of artifacts: plugins first, then by type and name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactPage {
    pub items: Vec<ArtifactItem>,
    /// Artifacts matching the filters, before the page.
    pub total: u32,
    /// Items in this page.
    pub count: u32,
}

impl From<ArtifactList> for ArtifactPage {
    fn from(l: ArtifactList) -> ArtifactPage {
        ArtifactPage {
            items: l.items.into_iter().map(ArtifactItem::from).collect(),
            total: l.total,
            count: l.count,
        }
    }
}

/// One artifact with its versions, source, associations and deployments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactInfo {
    pub id: String,
    pub artifact_uuid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub subtype: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    /// Where a plugin was last imported from: kind (folder, bundle, git),
    /// URL or path, ref as given, resolved commit, folder, and the
    /// marketplace it was listed in; null for other artifacts (and for
    /// plugins imported before skillmeat recorded it).
    pub source: Option<Origin>,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
    /// Every stored version, the current one marked.
    pub versions: Vec<VersionInfo>,
    /// The plugins it belongs to.
    pub parents: Vec<Association>,
    /// A plugin's children.
    pub children: Vec<Association>,
    /// Projects it is deployed to.
    pub deployments: Vec<DeploymentInfo>,
    /// For a plugin: whether Claude Code loads it as stored (always true
    /// for other kinds); `load_errors` say why not.
    pub loads_in_claude_code: bool,
    pub load_errors: Vec<String>,
    /// What `claude plugin validate` calls an error although it loads.
    pub validation_errors: Vec<String>,
}

impl From<ArtifactDetail> for ArtifactInfo {
    fn from(d: ArtifactDetail) -> ArtifactInfo {
        ArtifactInfo {
            artifact_uuid: d.id.clone(),
            id: d.id,
            name: d.name,
            kind: d.kind,
            subtype: d.subtype,
            version: d.version,
            description: d.description,
            source: d.origin,
            content_hash: d.content_hash,
            created_at: d.created_at,
            updated_at: d.updated_at,
            versions: d.versions,
            parents: d.parents,
            children: d.children,
            deployments: d.deployments,
            loads_in_claude_code: d.loads_in_claude_code,
            load_errors: d.load_errors,
            validation_errors: d.validation_errors,
        }
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

/// `GET /api/v1/server`: what the browser UI needs to know of the server.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[schema(example = json!({"version": "0.1.0", "collection": "default", "loopback": true}))]
pub struct ServerInfo {
    /// skillmeat's version.
    pub version: String,
    /// The collection served.
    pub collection: String,
    /// Listening on loopback without `--public`: deploy, undeploy and status
    /// work (the project is a folder on the server's machine, which is the
    /// client's).
    pub loopback: bool,
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

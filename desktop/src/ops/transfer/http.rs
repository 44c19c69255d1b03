//! The HTTP API's own shapes of what the operations give (the seeds'
//! names: `type` for `kind`, `artifact_uuid`, `source` for the provenance),
//! and what the browser UI learns of the server. Each maps from an `ops`
//! transfer type in a few lines.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::{
    ArtifactDetail, ArtifactList, ArtifactSummary, Association, DeploymentInfo, Kind, Origin,
    VersionInfo,
};

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

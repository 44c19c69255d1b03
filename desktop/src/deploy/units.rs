//! What a deployment consists of, read from the collection: each artifact
//! at the version to deploy (pinned by default), with its files.

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use sqlx::SqliteConnection;

use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::query;
use crate::store::KindColumn;
use crate::store::rows::{self, VersionFile};

/// One artifact to deploy.
#[derive(Debug, Clone)]
pub struct Unit {
    pub kind: ArtifactKind,
    pub name: String,
    pub artifact_id: String,
    /// The version deployed.
    pub content_hash: String,
    pub pinned_hash: Option<String>,
    pub parent: Option<String>,
    pub relationship: Option<String>,
    /// Where it sat in its plugin (the hook's config file).
    pub plugin_path: Option<String>,
    pub files: Vec<VersionFile>,
}

/// A plugin (its members and meta files) or a single artifact.
#[derive(Debug, Clone)]
pub struct Target {
    pub artifact: query::Resolved,
    pub version: Option<String>,
    pub content_hash: String,
    pub units: Vec<Unit>,
    /// The plugin's meta files (empty for a single artifact).
    pub meta: Vec<VersionFile>,
    pub warnings: Vec<String>,
    /// When this deployment is made (RFC 3339).
    pub deployed_at: String,
}

#[derive(Debug, sqlx::FromRow)]
struct MemberRow {
    child_id: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    name: String,
    relationship_type: String,
    pinned_version_hash: Option<String>,
    path: Option<String>,
    current_version_id: String,
    current_hash: String,
}

pub async fn load(collection: &Collection, name: &str, use_current: bool) -> Result<Target> {
    let mut conn = collection.pool.acquire().await?;
    let artifact = query::resolve(&mut conn, collection, name, None).await?;
    let (current_version, current_hash) = current(&mut conn, &artifact.id).await?;
    let mut warnings = Vec::new();
    if artifact.kind != ArtifactKind::Composite {
        let files = rows::version_files(&mut conn, &current_version).await?;
        let unit = Unit {
            kind: artifact.kind,
            name: artifact.name.clone(),
            artifact_id: artifact.id.clone(),
            content_hash: current_hash.clone(),
            pinned_hash: None,
            parent: None,
            relationship: None,
            plugin_path: None,
            files,
        };
        return Ok(Target {
            artifact,
            version: None,
            content_hash: current_hash,
            units: vec![unit],
            meta: Vec::new(),
            warnings,
            deployed_at: crate::fsx::now_rfc3339(),
        });
    }
    let version: Option<String> =
        sqlx::query_scalar("SELECT version FROM composites WHERE artifact_id = ?")
            .bind(&artifact.id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    let members: Vec<MemberRow> = sqlx::query_as(
        "SELECT m.child_id, c.kind, c.name, m.relationship_type, m.pinned_version_hash, m.path,
                c.current_version_id, v.content_hash AS current_hash
         FROM composite_memberships m JOIN artifacts c ON c.id = m.child_id
         JOIN artifact_versions v ON v.id = c.current_version_id
         WHERE m.composite_id = ? ORDER BY m.position",
    )
    .bind(&artifact.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut units = Vec::with_capacity(members.len());
    for m in members {
        let kind = m.kind;
        let pinned = m.pinned_version_hash.clone();
        let (version_id, hash) = match &pinned {
            Some(p) if *p != m.current_hash && !use_current => {
                warnings.push(format!(
                    "{kind} {}: the collection's current version is {} but {} pins {}; deploying the pinned version (use --use-current for the current one)",
                    m.name,
                    &m.current_hash[..12],
                    artifact.name,
                    &p[..12.min(p.len())]
                ));
                let parsed = p.parse().map_err(|e| Error::Internal(format!("{e}")))?;
                let vid = rows::version_id(&mut conn, &m.child_id, &parsed)
                    .await?
                    .ok_or_else(|| {
                        Error::Internal(format!("pinned version {p} of {} is not stored", m.name))
                    })?;
                (vid, p.clone())
            }
            _ => (m.current_version_id.clone(), m.current_hash.clone()),
        };
        let files = rows::version_files(&mut conn, &version_id).await?;
        units.push(Unit {
            kind,
            name: m.name,
            artifact_id: m.child_id,
            content_hash: hash,
            pinned_hash: pinned,
            parent: Some(artifact.name.clone()),
            relationship: Some(m.relationship_type),
            plugin_path: m.path,
            files,
        });
    }
    let meta = rows::version_files(&mut conn, &current_version).await?;
    Ok(Target {
        artifact,
        version,
        content_hash: current_hash,
        units,
        meta,
        warnings,
        deployed_at: crate::fsx::now_rfc3339(),
    })
}

async fn current(conn: &mut SqliteConnection, artifact: &str) -> Result<(String, String)> {
    Ok(sqlx::query_as(
        "SELECT v.id, v.content_hash FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id WHERE a.id = ?",
    )
    .bind(artifact)
    .fetch_one(conn)
    .await?)
}

/// `.claude/plugins/<plugin>/deployment.toml`: the plugin, its version and
/// each member with its pinned and deployed hash.
pub fn deployment_toml(target: &Target) -> Result<String> {
    #[derive(Serialize)]
    struct Doc<'a> {
        plugin: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<&'a str>,
        content_hash: String,
        deployed_at: &'a str,
        members: Vec<Member<'a>>,
    }
    #[derive(Serialize)]
    struct Member<'a> {
        kind: &'a str,
        name: &'a str,
        relationship: &'a str,
        pinned: String,
        deployed: String,
    }
    let doc = Doc {
        plugin: &target.artifact.name,
        version: target.version.as_deref(),
        content_hash: format!("sha256:{}", target.content_hash),
        deployed_at: &target.deployed_at,
        members: target
            .units
            .iter()
            .map(|u| Member {
                kind: u.kind.as_str(),
                name: &u.name,
                relationship: u.relationship.as_deref().unwrap_or("MEMBER"),
                pinned: format!(
                    "sha256:{}",
                    u.pinned_hash.as_deref().unwrap_or(&u.content_hash)
                ),
                deployed: format!("sha256:{}", u.content_hash),
            })
            .collect(),
    };
    let body = toml::to_string(&doc)
        .map_err(|e| Error::Internal(format!("writing deployment.toml: {e}")))?;
    Ok(format!(
        "# Deployed by skillmeat. Claude Code does not read this folder; the plugin's hooks use it.\n{body}"
    ))
}

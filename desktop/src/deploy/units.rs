//! What a deployment consists of, read from the collection: each artifact
//! at the version to deploy (pinned by default), with its files.

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::kind::Unpacked;
use sqlx::AnyConnection;

use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::query;
use crate::store::KindColumn;
use crate::store::rows::{self, VersionFile};

impl Target {
    /// For an unpacked deployment: the members Claude Code reads only from
    /// a plugin (LSP servers: it has no project-level LSP configuration)
    /// are left out, each with a warning saying so. A single such artifact
    /// cannot be deployed unpacked at all.
    pub fn unpacked_only(&mut self) -> Result<()> {
        let plugin_only = |k: ArtifactKind| k.info().unpacked == Unpacked::PluginOnly;
        if self.artifact.kind != ArtifactKind::Composite && plugin_only(self.artifact.kind) {
            return Err(Error::Usage(format!(
                "{} is a single {}: Claude Code reads {}s only from a plugin (it has no project-level configuration for them); deploy the plugin it came with",
                self.artifact.name,
                self.artifact.kind.noun(),
                self.artifact.kind.noun()
            )));
        }
        let (kept, left): (Vec<Unit>, Vec<Unit>) = std::mem::take(&mut self.units)
            .into_iter()
            .partition(|u| !plugin_only(u.kind));
        self.units = kept;
        for u in left {
            self.warnings.push(format!(
                "{} {}: not deployed: an unpacked deployment cannot hold it (Claude Code reads {}s only from a plugin and has no project-level configuration for them); deploy with --mode plugin to use it",
                u.kind.noun(),
                u.name,
                u.kind.noun()
            ));
        }
        Ok(())
    }
}

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

/// What deploying `name` (a plugin or one artifact) puts in a project.
pub async fn load(collection: &Collection, name: &str, use_current: bool) -> Result<Target> {
    let mut conn = collection.pool.acquire().await?;
    let artifact = query::resolve(&mut conn, collection, name, None).await?;
    // Fetching takes a connection of its own: not while holding this one.
    drop(conn);
    collection.fetch_artifact(&artifact.id).await?;
    let mut conn = collection.pool.acquire().await?;
    let (current_version, content_hash) = current(&mut conn, &artifact.id).await?;
    let mut target = Target {
        version: None,
        content_hash,
        units: Vec::new(),
        meta: Vec::new(),
        warnings: Vec::new(),
        deployed_at: crate::fsx::now_rfc3339(),
        artifact,
    };
    let files = rows::version_files(&mut conn, &current_version).await?;
    if target.artifact.kind != ArtifactKind::Composite {
        target.units.push(Unit {
            kind: target.artifact.kind,
            name: target.artifact.name.clone(),
            artifact_id: target.artifact.id.clone(),
            content_hash: target.content_hash.clone(),
            pinned_hash: None,
            parent: None,
            relationship: None,
            plugin_path: None,
            files,
        });
        return Ok(target);
    }
    target.meta = files;
    target.version = sqlx::query_scalar("SELECT version FROM composites WHERE artifact_id = $1")
        .bind(&target.artifact.id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    for m in members(&mut conn, &target.artifact.id).await? {
        let unit = member_unit(&mut conn, &mut target, m, use_current).await?;
        target.units.push(unit);
    }
    Ok(target)
}

/// A plugin's members, in their order.
async fn members(conn: &mut AnyConnection, plugin: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT m.child_id, c.kind, c.name, m.relationship_type, m.pinned_version_hash, m.path,
                c.current_version_id, v.content_hash AS current_hash
         FROM composite_memberships m JOIN artifacts c ON c.id = m.child_id
         JOIN artifact_versions v ON v.id = c.current_version_id
         WHERE m.composite_id = $1 ORDER BY m.position",
    )
    .bind(plugin)
    .fetch_all(conn)
    .await?)
}

/// One member at the version to deploy: the one its plugin pins (with a
/// warning when the collection's current one differs), or with
/// `use_current` the current one.
async fn member_unit(
    conn: &mut AnyConnection,
    target: &mut Target,
    m: MemberRow,
    use_current: bool,
) -> Result<Unit> {
    let pinned = m.pinned_version_hash.clone();
    let (version_id, hash) = match &pinned {
        Some(p) if *p != m.current_hash && !use_current => {
            target.warnings.push(format!(
                "{} {}: the collection's current version is {} but {} pins {}; deploying the pinned version (use --use-current for the current one)",
                m.kind,
                m.name,
                m.current_hash.get(..12).unwrap_or(&m.current_hash),
                target.artifact.name,
                p.get(..12).unwrap_or(p)
            ));
            let parsed = p.parse().map_err(|e| Error::Internal(format!("{e}")))?;
            let vid = rows::version_id(conn, &m.child_id, &parsed)
                .await?
                .ok_or_else(|| {
                    Error::Internal(format!("pinned version {p} of {} is not stored", m.name))
                })?;
            (vid, p.clone())
        }
        _ => (m.current_version_id.clone(), m.current_hash.clone()),
    };
    Ok(Unit {
        kind: m.kind,
        name: m.name,
        artifact_id: m.child_id,
        content_hash: hash,
        pinned_hash: pinned,
        parent: Some(target.artifact.name.clone()),
        relationship: Some(m.relationship_type),
        plugin_path: m.path,
        files: rows::version_files(conn, &version_id).await?,
    })
}

async fn current(conn: &mut AnyConnection, artifact: &str) -> Result<(String, String)> {
    Ok(sqlx::query_as(
        "SELECT v.id, v.content_hash FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id WHERE a.id = $1",
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

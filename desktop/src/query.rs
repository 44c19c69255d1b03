//! Read-only views of a collection: `list` and `show`.

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::artifact::Relationship;
use sqlx::{AnyConnection, FromRow};

use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::origin::Provenance;
use crate::store::{Flag, KindColumn, sources};

/// `{"items": [...], "total", "count"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub items: Vec<ListItem>,
    pub total: usize,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ListItem {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "KindColumn")]
    pub kind: ArtifactKind,
    pub subtype: Option<String>,
    pub version: Option<String>,
    pub child_count: i64,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Which artifacts [`list`] returns: every filter and the page are applied
/// in SQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    pub kind: Option<ArtifactKind>,
    /// A plugin's subtype (`plugin`); other kinds have none.
    pub subtype: Option<&'a str>,
    /// Part of the name, compared by name key (case-insensitive; `_` and a
    /// space match `-`).
    pub search: Option<&'a str>,
    /// At most this many items (all when `None`).
    pub limit: Option<u32>,
    /// Items skipped before the page.
    pub offset: u32,
}

/// The rows a filter selects (`$1` collection, `$2` kind, `$3` subtype,
/// `$4` a LIKE pattern of the name-key needle, see [`contains`]).
const FILTERED: &str = "FROM artifacts a
     JOIN artifact_versions v ON v.id = a.current_version_id
     LEFT JOIN composites c ON c.artifact_id = a.id
     WHERE a.collection_id = $1 AND ($2 IS NULL OR a.kind = $2)
       AND ($3 IS NULL OR c.subtype = $3) AND ($4 IS NULL OR a.name_key LIKE $4 ESCAPE '\\')";

/// [`FILTERED`] counted from the index alone (no join for the rows it
/// does not need: a subtype is asked of `composites` only when given).
pub const COUNTED: &str = "SELECT COUNT(*) FROM artifacts a
     WHERE a.collection_id = $1 AND a.current_version_id IS NOT NULL
       AND ($2 IS NULL OR a.kind = $2)
       AND ($3 IS NULL OR EXISTS (SELECT 1 FROM composites c
                                  WHERE c.artifact_id = a.id AND c.subtype = $3))
       AND ($4 IS NULL OR a.name_key LIKE $4 ESCAPE '\\')";

/// One page of [`FILTERED`] in the list's order, which the index
/// `artifacts_listing` (migration 0005) holds: no sort of the collection.
pub fn page_sql() -> String {
    format!(
        "SELECT a.id, a.name, a.kind, c.subtype, c.version,
            (SELECT COUNT(*) FROM composite_memberships m WHERE m.composite_id = a.id) AS child_count,
            v.content_hash, a.created_at, a.updated_at
         {FILTERED}
         ORDER BY a.kind <> 'composite', a.kind, a.name_key LIMIT $5 OFFSET $6"
    )
}

/// The `LIKE … ESCAPE '\'` pattern of the names that contain `needle`
/// (SQLite's `instr` and PostgreSQL's `strpos` have no common spelling).
/// Name keys are lower case, so SQLite's case-blind LIKE and PostgreSQL's
/// case-exact one agree.
fn contains(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Artifacts (composites first, then by kind and name) matching `filter`,
/// one page of them; `total` counts every match.
pub async fn list(collection: &Collection, filter: &ListFilter<'_>) -> Result<Listing> {
    let mut conn = collection.pool.acquire().await?;
    let kind = filter.kind.map(ArtifactKind::as_str);
    let needle = filter
        .search
        .map(skillmeat_core::artifact::name_key)
        .filter(|n| !n.is_empty())
        .map(|n| contains(&n));
    let total: i64 = sqlx::query_scalar(COUNTED)
        .bind(&collection.id)
        .bind(kind)
        .bind(filter.subtype)
        .bind(needle.as_deref())
        .fetch_one(&mut *conn)
        .await?;
    // `FILTERED` is a constant; every value is bound.
    let items: Vec<ListItem> = sqlx::query_as(sqlx::AssertSqlSafe(page_sql()))
        .bind(&collection.id)
        .bind(kind)
        .bind(filter.subtype)
        .bind(needle.as_deref())
        .bind(filter.limit.map_or(i64::MAX, i64::from))
        .bind(i64::from(filter.offset))
        .fetch_all(&mut *conn)
        .await?;
    Ok(Listing {
        count: items.len(),
        total: usize::try_from(total).unwrap_or(0),
        items,
    })
}

/// One artifact with its versions and associations.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub id: String,
    pub name: String,
    pub kind: ArtifactKind,
    pub subtype: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    /// Where a plugin was last imported from (recorded since provenance).
    pub origin: Option<Provenance>,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
    pub versions: Vec<VersionItem>,
    pub parents: Vec<Association>,
    pub children: Vec<Association>,
    /// Projects it is deployed to.
    pub deployments: Vec<DeploymentItem>,
}

/// A project an artifact is deployed to, with the plugin it came with.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct DeploymentItem {
    pub project: String,
    pub parent: Option<String>,
    pub content_hash: String,
    pub platform: String,
    pub deployed_at: String,
}

async fn deployments(conn: &mut AnyConnection, artifact: &str) -> Result<Vec<DeploymentItem>> {
    Ok(sqlx::query_as(
        "SELECT d.project, p.name AS parent, d.content_hash, d.platform, d.deployed_at
         FROM deployments d LEFT JOIN artifacts p ON p.id = d.parent_id
         WHERE d.artifact_id = $1 ORDER BY d.project, d.deployed_at",
    )
    .bind(artifact)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct VersionItem {
    pub content_hash: String,
    pub file_count: i64,
    pub created_at: String,
    #[sqlx(try_from = "Flag")]
    pub current: bool,
}

/// `{"artifact_id", "artifact_name", "artifact_type", "relationship_type",
/// "pinned_version_hash", "created_at"}` plus the other side's current hash.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Association {
    pub artifact_id: String,
    pub artifact_name: String,
    #[sqlx(try_from = "KindColumn")]
    pub artifact_type: ArtifactKind,
    pub relationship_type: String,
    pub pinned_version_hash: Option<String>,
    pub current_hash: String,
    /// Where the child sits inside the plugin.
    pub path: Option<String>,
    pub created_at: String,
}

#[derive(Debug, FromRow)]
struct Head {
    id: String,
    name: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    subtype: Option<String>,
    version: Option<String>,
    description: Option<String>,
    source: Option<String>,
    content_hash: String,
    created_at: String,
    updated_at: String,
}

const HEAD: &str =
    "SELECT a.id, a.name, a.kind, c.subtype, c.version, a.description, a.source, v.content_hash,
        a.created_at, a.updated_at
     FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id
     LEFT JOIN composites c ON c.artifact_id = a.id
     WHERE a.collection_id = $1";

/// An artifact found by name or id.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub id: String,
    pub name: String,
    pub kind: ArtifactKind,
}

/// Finds an artifact by id or name. A name shared by several kinds picks
/// the plugin if one of them is a plugin, else asks for `--type`.
pub async fn resolve(
    conn: &mut AnyConnection,
    collection: &Collection,
    name_or_id: &str,
    kind: Option<&str>,
) -> Result<Resolved> {
    let head = find(conn, collection, name_or_id, kind).await?;
    Ok(Resolved {
        kind: head.kind,
        id: head.id,
        name: head.name,
    })
}

/// One artifact with its versions and associations.
pub async fn show(collection: &Collection, name_or_id: &str, kind: Option<&str>) -> Result<Detail> {
    let mut conn = collection.pool.acquire().await?;
    let head = find(&mut conn, collection, name_or_id, kind).await?;
    let versions = versions(&mut conn, &head.id).await?;
    let parents = associations(&mut conn, &head.id, Side::Parents, None).await?;
    let children = associations(&mut conn, &head.id, Side::Children, None).await?;
    let deployments = deployments(&mut conn, &head.id).await?;
    let origin = sources::of(&mut conn, &head.id).await?;
    Ok(Detail {
        id: head.id,
        name: head.name,
        kind: head.kind,
        subtype: head.subtype,
        version: head.version,
        description: head.description,
        source: head.source,
        origin,
        content_hash: head.content_hash,
        created_at: head.created_at,
        updated_at: head.updated_at,
        versions,
        parents,
        children,
        deployments,
    })
}

async fn find(
    conn: &mut AnyConnection,
    collection: &Collection,
    name_or_id: &str,
    kind: Option<&str>,
) -> Result<Head> {
    let by_id: Option<Head> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{HEAD} AND a.id = $2 AND ($3 IS NULL OR a.kind = $3)"
    )))
    .bind(&collection.id)
    .bind(name_or_id)
    .bind(kind)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(head) = by_id {
        return Ok(head);
    }
    // By (collection, kind, name key): the unique index, probed once per
    // kind. (`$3 IS NULL OR a.kind = $3` could use none of it: every lookup
    // scanned the collection, 60 ms at 100,000 artifacts.)
    let key = skillmeat_core::artifact::name_key(name_or_id);
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k],
        None => ArtifactKind::CHILDREN
            .iter()
            .chain(&[ArtifactKind::Composite])
            .map(|k| k.as_str())
            .collect(),
    };
    let slots: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "{HEAD} AND a.name_key = $2 AND a.kind IN ({})",
        slots.join(", ")
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&collection.id)
        .bind(&key);
    for k in kinds {
        query = query.bind(k);
    }
    let mut heads: Vec<Head> = query.fetch_all(&mut *conn).await?;
    if heads.len() > 1
        && let Some(i) = heads.iter().position(|h| h.kind == ArtifactKind::Composite)
    {
        heads = vec![heads.swap_remove(i)];
    }
    let head = match heads.len() {
        0 => {
            return Err(Error::UnknownArtifact {
                name: name_or_id.to_owned(),
                within: format!("collection {:?}", collection.name),
            });
        }
        1 => heads.remove(0),
        _ => {
            let kinds: Vec<&str> = heads.iter().map(|h| h.kind.as_str()).collect();
            return Err(Error::Usage(format!(
                "{name_or_id:?} names several artifacts ({}); add --type",
                kinds.join(", ")
            )));
        }
    };
    Ok(head)
}

async fn versions(conn: &mut AnyConnection, artifact: &str) -> Result<Vec<VersionItem>> {
    Ok(sqlx::query_as(
        "SELECT v.content_hash, v.file_count, v.created_at, (v.id = a.current_version_id) AS current
         FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id
         WHERE v.artifact_id = $1 ORDER BY v.created_at, v.id",
    )
    .bind(artifact)
    .fetch_all(conn)
    .await?)
}

/// Which side of an artifact's memberships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The plugins it belongs to.
    Parents,
    /// A plugin's children.
    Children,
}

/// The artifacts on one side of `artifact`'s memberships, in plugin order,
/// only those of `relationship` (`MEMBER`, `REQUIRED`, `OPTIONAL`) if given.
pub async fn associations(
    conn: &mut AnyConnection,
    artifact: &str,
    side: Side,
    relationship: Option<Relationship>,
) -> Result<Vec<Association>> {
    let (other, this) = match side {
        Side::Parents => ("composite_id", "child_id"),
        Side::Children => ("child_id", "composite_id"),
    };
    let sql = format!(
        "SELECT o.id AS artifact_id, o.name AS artifact_name, o.kind AS artifact_type, m.relationship_type,
                m.pinned_version_hash, v.content_hash AS current_hash, m.path, m.created_at
         FROM composite_memberships m
         JOIN artifacts o ON o.id = m.{other}
         JOIN artifact_versions v ON v.id = o.current_version_id
         WHERE m.{this} = $1 AND ($2 IS NULL OR m.relationship_type = $2)
         ORDER BY m.position, o.name_key"
    );
    // `other` and `this` are column names chosen above, never user input.
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(artifact)
        .bind(relationship.map(Relationship::as_str))
        .fetch_all(conn)
        .await?)
}

/// The id of `artifact`'s current version.
pub async fn current_version(conn: &mut AnyConnection, artifact: &str) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT current_version_id FROM artifacts WHERE id = $1")
            .bind(artifact)
            .fetch_one(conn)
            .await?,
    )
}

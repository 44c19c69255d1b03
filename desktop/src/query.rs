//! Read-only views of a collection: `list` and `show`.

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::artifact::Relationship;
use sqlx::{AnyConnection, Connection, FromRow};

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

/// The artifacts a filter selects (as `p`): the conditions given and
/// nothing else (an `$n IS NULL OR …` is checked on every row, and keeps
/// SQLite from the index a kind needs), `$1` the collection, then
/// [`values`](Self::values) from `$2` on.
#[derive(Debug, Clone)]
pub struct Selected {
    pub conditions: String,
    pub values: Vec<String>,
    /// The list's order over `p`: by name key within one kind (the unique
    /// index on (collection, kind, name key)), else plugins first, then by
    /// kind and name key (the index `artifacts_listing`, migration 0005).
    by_name: bool,
}

/// Which way a page is read through the list's order: from the start, or
/// back from the end (a page past the middle skips fewer index entries so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

impl Selected {
    pub fn of(filter: &ListFilter<'_>) -> Selected {
        let mut selected = Selected {
            conditions: "p.collection_id = $1".to_owned(),
            values: Vec::new(),
            by_name: filter.kind.is_some(),
        };
        if let Some(kind) = filter.kind {
            selected.and("p.kind = $", kind.as_str().to_owned(), "");
        }
        if let Some(subtype) = filter.subtype {
            selected.and(
                "EXISTS (SELECT 1 FROM composites s WHERE s.artifact_id = p.id AND s.subtype = $",
                subtype.to_owned(),
                ")",
            );
        }
        let needle = filter
            .search
            .map(skillmeat_core::artifact::name_key)
            .filter(|n| !n.is_empty());
        if let Some(needle) = needle {
            selected.and("p.name_key LIKE $", contains(&needle), " ESCAPE '\\'");
        }
        selected
    }

    /// Adds `before $n after` with `value` as `$n`.
    fn and(&mut self, before: &str, value: String, after: &str) {
        self.values.push(value);
        let n = self.values.len() + 1;
        self.conditions
            .push_str(&format!(" AND {before}{n}{after}"));
    }

    /// How many artifacts are selected, counted from an index alone.
    pub fn count_sql(&self) -> String {
        format!("SELECT COUNT(*) FROM artifacts p WHERE {}", self.conditions)
    }

    /// The list's order over `p`, read in `direction`.
    fn order(&self, direction: Direction) -> String {
        let desc = match direction {
            Direction::Forward => "",
            Direction::Backward => " DESC",
        };
        match self.by_name {
            true => format!("p.name_key{desc}"),
            false => format!("p.kind <> 'composite'{desc}, p.kind{desc}, p.name_key{desc}"),
        }
    }

    /// One page (`LIMIT` and `OFFSET` the two values after
    /// [`values`](Self::values)) read in `direction` through the index of
    /// the list's order, then the details of its rows only, in the list's
    /// order (a sort of the page alone).
    pub fn page_sql(&self, direction: Direction) -> String {
        let limit = self.values.len() + 2;
        format!(
            "SELECT {}
             FROM (SELECT p.id FROM artifacts p WHERE {} ORDER BY {}
                   LIMIT ${limit} OFFSET ${}) page
             JOIN artifacts a ON a.id = page.id
             JOIN artifact_versions v ON v.id = a.current_version_id
             LEFT JOIN composites c ON c.artifact_id = a.id
             ORDER BY a.kind <> 'composite', a.kind, a.name_key",
            details("a"),
            self.conditions,
            self.order(direction),
            limit + 1
        )
    }

    /// Every selected artifact from `OFFSET` (the value after
    /// [`values`](Self::values)) on, read in the list's order through its
    /// index (no page: no sort at all).
    pub fn rest_sql(&self) -> String {
        let limit = self.values.len() + 2;
        format!(
            "SELECT {}
             FROM artifacts p
             JOIN artifact_versions v ON v.id = p.current_version_id
             LEFT JOIN composites c ON c.artifact_id = p.id
             WHERE {} ORDER BY {} LIMIT ${limit} OFFSET ${}",
            details("p"),
            self.conditions,
            self.order(Direction::Forward),
            limit + 1
        )
    }
}

/// A list item's columns, of the artifact `a` (its version `v`, its
/// plugin row `c`).
fn details(a: &str) -> String {
    format!(
        "{a}.id, {a}.name, {a}.kind, c.subtype, c.version,
         (SELECT COUNT(*) FROM composite_memberships m WHERE m.composite_id = {a}.id) AS child_count,
         v.content_hash, {a}.created_at, {a}.updated_at"
    )
}

/// Where the page `offset`, `limit` of `total` rows is read from: the
/// direction, and the limit and offset in it.
pub fn page_at(total: u64, offset: u64, limit: u64) -> (Direction, u64, u64) {
    let limit = limit.min(total.saturating_sub(offset));
    let from_end = total.saturating_sub(offset.saturating_add(limit));
    match from_end < offset {
        true => (Direction::Backward, limit, from_end),
        false => (Direction::Forward, limit, offset),
    }
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
/// one page of them; `total` counts every match. Both read in one
/// transaction (the page's place is worked out from the total), each from
/// an index: the total from `artifacts_collection` (or the index of the
/// filter), the page by skipping index entries from the nearer end.
pub async fn list(collection: &Collection, filter: &ListFilter<'_>) -> Result<Listing> {
    list_counted(collection, filter, None).await
}

/// [`list`], with the total already known (`Some`: the caller knows the
/// collection has not changed since it was counted) or counted here.
pub async fn list_counted(
    collection: &Collection,
    filter: &ListFilter<'_>,
    total: Option<u64>,
) -> Result<Listing> {
    let selected = Selected::of(filter);
    let mut conn = collection.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let total = match total {
        Some(total) => total,
        None => count(&mut tx, collection, &selected).await?,
    };
    let offset = u64::from(filter.offset);
    let (sql, limit, offset) = match filter.limit {
        None => (selected.rest_sql(), u64::MAX, offset),
        Some(limit) => {
            let (direction, limit, offset) = page_at(total, offset, u64::from(limit));
            (selected.page_sql(direction), limit, offset)
        }
    };
    let mut page = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&collection.id);
    for v in &selected.values {
        page = page.bind(v);
    }
    let items: Vec<ListItem> = match limit {
        0 => Vec::new(),
        _ => {
            page.bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&mut *tx)
                .await?
        }
    };
    tx.commit().await?;
    Ok(Listing {
        count: items.len(),
        total: usize::try_from(total).unwrap_or(usize::MAX),
        items,
    })
}

/// How many artifacts `selected` selects.
async fn count(
    conn: &mut AnyConnection,
    collection: &Collection,
    selected: &Selected,
) -> Result<u64> {
    // The SQL is made of constants; every value is bound.
    let mut count =
        sqlx::query_scalar(sqlx::AssertSqlSafe(selected.count_sql())).bind(&collection.id);
    for v in &selected.values {
        count = count.bind(v);
    }
    let total: i64 = count.fetch_one(&mut *conn).await?;
    Ok(u64::try_from(total).unwrap_or(0))
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
    let (parents, children) = associations(&mut conn, &head.id, Sides::BOTH, None).await?;
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
    // One statement: by id, then by (collection, kind, name key), each half
    // on its own index (an `OR` of the two made SQLite scan the collection).
    // The name half probes the unique index once per kind: `a.kind IN …`,
    // not "any kind" (which could use only its `collection_id` prefix).
    let key = skillmeat_core::artifact::name_key(name_or_id);
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k],
        None => ArtifactKind::CHILDREN
            .iter()
            .chain(&[ArtifactKind::Composite])
            .map(|k| k.as_str())
            .collect(),
    };
    let slots: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
    let slots = slots.join(", ");
    let sql = format!(
        "{HEAD} AND a.id = $2 AND a.kind IN ({slots})
         UNION ALL
         {HEAD} AND a.name_key = $3 AND a.kind IN ({slots})"
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&collection.id)
        .bind(name_or_id)
        .bind(&key);
    for k in kinds {
        query = query.bind(k);
    }
    let mut heads: Vec<Head> = query.fetch_all(&mut *conn).await?;
    // An id names one artifact, whatever shares its text as a name.
    if let Some(i) = heads.iter().position(|h| h.id == name_or_id) {
        return Ok(heads.swap_remove(i));
    }
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

/// Which sides of an artifact's memberships [`associations`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides {
    pub parents: bool,
    pub children: bool,
}

impl Sides {
    pub const BOTH: Sides = Sides {
        parents: true,
        children: true,
    };
}

/// An [`Association`] and the side it is on, as [`associations`] reads it.
#[derive(Debug, FromRow)]
struct Sided {
    side: String,
    #[sqlx(flatten)]
    association: Association,
}

/// One side's rows of the statement [`associations`] runs (`$1` the
/// artifact, `$2` a relationship or NULL), tagged with the side.
fn side_sql(side: Side) -> String {
    let (tag, other, this) = match side {
        Side::Parents => ("parent", "composite_id", "child_id"),
        Side::Children => ("child", "child_id", "composite_id"),
    };
    format!(
        "SELECT '{tag}' AS side, m.position AS place, o.name_key AS sort_key,
                o.id AS artifact_id, o.name AS artifact_name, o.kind AS artifact_type,
                m.relationship_type, m.pinned_version_hash, v.content_hash AS current_hash,
                m.path, m.created_at
         FROM composite_memberships m
         JOIN artifacts o ON o.id = m.{other}
         JOIN artifact_versions v ON v.id = o.current_version_id
         WHERE m.{this} = $1 AND ($2 IS NULL OR m.relationship_type = $2)"
    )
}

/// The artifacts on each side of `artifact`'s memberships that `sides`
/// asks for, in plugin order, only those of `relationship` (`MEMBER`,
/// `REQUIRED`, `OPTIONAL`) if given: (parents, children), in one statement.
pub async fn associations(
    conn: &mut AnyConnection,
    artifact: &str,
    sides: Sides,
    relationship: Option<Relationship>,
) -> Result<(Vec<Association>, Vec<Association>)> {
    let parts: Vec<String> = [
        (sides.parents, Side::Parents),
        (sides.children, Side::Children),
    ]
    .into_iter()
    .filter(|(wanted, _)| *wanted)
    .map(|(_, side)| side_sql(side))
    .collect();
    if parts.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let sql = format!(
        "{} ORDER BY side, place, sort_key",
        parts.join(" UNION ALL ")
    );
    // Every part is a constant chosen above, never user input.
    let rows: Vec<Sided> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(artifact)
        .bind(relationship.map(Relationship::as_str))
        .fetch_all(conn)
        .await?;
    let (mut parents, mut children) = (Vec::new(), Vec::new());
    for row in rows {
        match row.side.as_str() {
            "parent" => parents.push(row.association),
            _ => children.push(row.association),
        }
    }
    Ok((parents, children))
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

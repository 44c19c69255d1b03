//! Row functions: each takes a connection or transaction and does one thing.
//! Plain `query`/`query_as`; every lookup the importer makes is backed by a
//! unique index (see the `dedup_lookups_use_indexes` test).

use std::collections::{HashMap, HashSet};

use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::IndexedArtifact;
use skillmeat_core::{ArtifactKind, Relationship};
use sqlx::{AnyConnection, FromRow};
use ulid::Ulid;

use super::{Flag, KindColumn};
use crate::error::{Error, Result};
use crate::fsx::now_rfc3339;

pub fn new_id() -> String {
    Ulid::generate().to_string()
}

/// The collection `name`'s id, creating the row on first use.
pub async fn ensure_collection(conn: &mut AnyConnection, name: &str) -> Result<String> {
    sqlx::query("INSERT INTO collections (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT(name) DO NOTHING")
        .bind(new_id())
        .bind(name)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
    let id: String = sqlx::query_scalar("SELECT id FROM collections WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

pub async fn collection_id(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM collections WHERE name = $1")
            .bind(name)
            .fetch_optional(conn)
            .await?,
    )
}

/// The dedup lookup: the artifact `(kind, name_key)` with its current hash
/// and whether it has a version with `hash`.
pub const FIND_IDENTITY: &str = "SELECT a.id, a.name, cv.content_hash AS current_hash,
        EXISTS (SELECT 1 FROM artifact_versions v WHERE v.artifact_id = a.id AND v.content_hash = $1) AS has_hash
     FROM artifacts a JOIN artifact_versions cv ON cv.id = a.current_version_id
     WHERE a.collection_id = $2 AND a.kind = $3 AND a.name_key = $4";

#[derive(Debug, FromRow)]
struct IdentityRow {
    id: String,
    name: String,
    current_hash: String,
    #[sqlx(try_from = "Flag")]
    has_hash: bool,
}

pub async fn find_identity(
    conn: &mut AnyConnection,
    collection: &str,
    kind: ArtifactKind,
    name_key: &str,
    hash: &ContentHash,
) -> Result<Option<IndexedArtifact>> {
    let row: Option<IdentityRow> = sqlx::query_as(FIND_IDENTITY)
        .bind(hash.to_hex())
        .bind(collection)
        .bind(kind.as_str())
        .bind(name_key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(IndexedArtifact {
            id: r.id,
            name: r.name,
            current_hash: parse_hash(&r.current_hash)?,
            has_hash: r.has_hash,
        })
    })
    .transpose()
}

/// [`find_identity`] for many questions at once, a few statements in all
/// (one per question would be a round trip each: thousands for a
/// marketplace): the artifacts by `(kind, name_key)`, then which of their
/// versions hold the hashes asked about.
pub async fn find_identities(
    conn: &mut AnyConnection,
    collection: &str,
    questions: &[(ArtifactKind, String, ContentHash)],
) -> Result<HashMap<(ArtifactKind, String, ContentHash), Option<IndexedArtifact>>> {
    let mut artifacts: HashMap<(ArtifactKind, String), IdentityFound> = HashMap::new();
    for chunk in questions.chunks(IDENTITY_ROWS) {
        let sql = identities_sql(chunk.len());
        let mut query =
            sqlx::query_as::<_, IdentityFound>(sqlx::AssertSqlSafe(sql)).bind(collection);
        for (kind, key, _) in chunk {
            query = query.bind(kind.as_str()).bind(key);
        }
        for row in query.fetch_all(&mut *conn).await? {
            artifacts.insert((row.kind, row.name_key.clone()), row);
        }
    }
    // Only an artifact asked about a hash other than its current one needs
    // its other versions looked at (none, when a marketplace is imported
    // again unchanged).
    let mut ids: Vec<&str> = questions
        .iter()
        .filter_map(|(kind, key, hash)| {
            let a = artifacts.get(&(*kind, key.clone()))?;
            (a.current_hash != hash.to_hex()).then_some(a.id.as_str())
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let held = version_hashes(conn, &ids).await?;
    let mut answers = HashMap::with_capacity(questions.len());
    for (kind, key, hash) in questions {
        let found = match artifacts.get(&(*kind, key.clone())) {
            Some(a) => Some(IndexedArtifact {
                id: a.id.clone(),
                name: a.name.clone(),
                current_hash: parse_hash(&a.current_hash)?,
                has_hash: a.current_hash == hash.to_hex()
                    || held.contains(&(a.id.clone(), hash.to_hex())),
            }),
            None => None,
        };
        answers.insert((*kind, key.clone(), *hash), found);
    }
    Ok(answers)
}

/// The artifacts of collection `$1` with `(kind, name_key)` one of `n`
/// pairs (`$2, $3`, `$4, $5`, …), each found through the unique index.
pub fn identities_sql(n: usize) -> String {
    let pairs: Vec<String> = (0..n)
        .map(|i| format!("(${}, ${})", 2 * i + 2, 2 * i + 3))
        .collect();
    // Driven from the pairs (`CROSS JOIN` keeps SQLite's loop order), each
    // a lookup in the unique index, rather than every artifact of the
    // collection tested against the list.
    format!(
        "WITH wanted (kind, name_key) AS (VALUES {})
         SELECT a.id, a.kind, a.name_key, a.name, cv.content_hash AS current_hash
         FROM wanted w CROSS JOIN artifacts a
         JOIN artifact_versions cv ON cv.id = a.current_version_id
         WHERE a.collection_id = $1 AND a.kind = w.kind AND a.name_key = w.name_key",
        pairs.join(", ")
    )
}

/// Questions asked by one statement of [`find_identities`] (2 values each).
const IDENTITY_ROWS: usize = 400;

#[derive(Debug, FromRow)]
struct IdentityFound {
    id: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    name_key: String,
    name: String,
    current_hash: String,
}

/// Every `(artifact, content hash)` of the versions of `ids`.
async fn version_hashes(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashSet<(String, String)>> {
    let mut held = HashSet::new();
    for chunk in ids.chunks(super::contents::CHUNK) {
        let sql = format!(
            "SELECT artifact_id, content_hash FROM artifact_versions WHERE artifact_id IN ({})",
            super::contents::placeholders(chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        held.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(held)
}

pub fn parse_hash(s: &str) -> Result<ContentHash> {
    s.parse()
        .map_err(|e| Error::Internal(format!("corrupt hash in the database: {e}")))
}

/// A version an import writes: of a new artifact (`new`), or a new
/// current version of an existing one.
#[derive(Debug)]
pub struct NewVersion<'a> {
    pub artifact: String,
    pub new: Option<NewArtifact<'a>>,
    pub hash: ContentHash,
    pub files: Vec<VersionFile>,
    pub description: Option<&'a str>,
}

/// The artifact row of a [`NewVersion`] whose artifact is new.
#[derive(Debug)]
pub struct NewArtifact<'a> {
    pub kind: ArtifactKind,
    pub name: &'a str,
    pub source: Option<&'a str>,
}

/// Writes `versions`, each current: new artifacts' rows (their current
/// version set at once: the reference is checked at commit), the versions
/// and their files many to a statement, then the current version of each
/// existing artifact one by one.
pub async fn insert_versions(
    conn: &mut AnyConnection,
    collection: &str,
    versions: &[NewVersion<'_>],
) -> Result<()> {
    let ids: Vec<String> = versions.iter().map(|_| new_id()).collect();
    let now = now_rfc3339();
    let new: Vec<(&NewVersion, &String)> = (versions.iter().zip(&ids))
        .filter(|(v, _)| v.new.is_some())
        .collect();
    for chunk in new.chunks(ARTIFACT_ROWS) {
        insert_artifact_rows(conn, collection, chunk, &now).await?;
    }
    let all: Vec<(&NewVersion, &String)> = versions.iter().zip(&ids).collect();
    for chunk in all.chunks(ARTIFACT_ROWS) {
        insert_version_rows(conn, chunk, &now).await?;
    }
    let files: Vec<(&String, &VersionFile)> = (versions.iter().zip(&ids))
        .flat_map(|(v, id)| v.files.iter().map(move |f| (id, f)))
        .collect();
    for chunk in files.chunks(FILE_ROWS) {
        insert_file_rows(conn, chunk).await?;
    }
    for (v, id) in all.iter().filter(|(v, _)| v.new.is_none()) {
        set_current(conn, &v.artifact, id, v.description, None).await?;
    }
    Ok(())
}

/// Artifacts written by one statement (10 values each), and versions (5).
const ARTIFACT_ROWS: usize = 100;

async fn insert_artifact_rows(
    conn: &mut AnyConnection,
    collection: &str,
    rows: &[(&NewVersion<'_>, &String)],
    now: &str,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO artifacts (id, collection_id, kind, name, name_key, description, source,
             current_version_id, created_at, updated_at)
         VALUES {}",
        value_rows(rows.len(), 10)
    );
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (v, version) in rows {
        let Some(a) = &v.new else { continue };
        insert = insert
            .bind(&v.artifact)
            .bind(collection)
            .bind(a.kind.as_str())
            .bind(a.name)
            .bind(skillmeat_core::artifact::name_key(a.name))
            .bind(v.description)
            .bind(a.source)
            .bind(*version)
            .bind(now)
            .bind(now);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

async fn insert_version_rows(
    conn: &mut AnyConnection,
    rows: &[(&NewVersion<'_>, &String)],
    now: &str,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO artifact_versions (id, artifact_id, content_hash, file_count, created_at) VALUES {}",
        value_rows(rows.len(), 5)
    );
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (v, id) in rows {
        insert = insert
            .bind(*id)
            .bind(&v.artifact)
            .bind(v.hash.to_hex())
            .bind(v.files.len() as i64)
            .bind(now);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

async fn insert_file_rows(
    conn: &mut AnyConnection,
    rows: &[(&String, &VersionFile)],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO version_files (version_id, path, blob_hash, size, executable) VALUES {}",
        value_rows(rows.len(), 5)
    );
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (version, f) in rows {
        insert = insert
            .bind(*version)
            .bind(&f.path)
            .bind(&f.blob_hash)
            .bind(f.size)
            .bind(f.executable);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

/// One file of a version.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct VersionFile {
    pub path: String,
    pub blob_hash: String,
    pub size: i64,
    #[sqlx(try_from = "Flag")]
    pub executable: bool,
}

/// Files inserted by one statement (5 values each: well under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound values).
const FILE_ROWS: usize = 200;

/// `($1, …, $width), ($width+1, …), …`: `rows` rows of `width` values.
fn value_rows(rows: usize, width: usize) -> String {
    let row = |r: usize| {
        let values: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
        format!("({})", values.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

pub async fn version_id(
    conn: &mut AnyConnection,
    artifact: &str,
    hash: &ContentHash,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM artifact_versions WHERE artifact_id = $1 AND content_hash = $2",
    )
    .bind(artifact)
    .bind(hash.to_hex())
    .fetch_optional(conn)
    .await?)
}

/// Makes `version` current and refreshes the artifact's description/source.
pub async fn set_current(
    conn: &mut AnyConnection,
    artifact: &str,
    version: &str,
    description: Option<&str>,
    source: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE artifacts SET current_version_id = $1, description = COALESCE($2, description),
         source = COALESCE($3, source), updated_at = $4 WHERE id = $5",
    )
    .bind(version)
    .bind(description)
    .bind(source)
    .bind(now_rfc3339())
    .bind(artifact)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn upsert_composite(
    conn: &mut AnyConnection,
    artifact: &str,
    version: Option<&str>,
    manifest: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO composites (artifact_id, subtype, version, manifest) VALUES ($1, 'plugin', $2, $3)
         ON CONFLICT(artifact_id) DO UPDATE SET version = excluded.version, manifest = excluded.manifest",
    )
    .bind(artifact)
    .bind(version)
    .bind(manifest)
    .execute(conn)
    .await?;
    Ok(())
}

/// One membership to write.
#[derive(Debug, Clone)]
pub struct NewMembership {
    pub child_id: String,
    pub relationship: Relationship,
    pub pinned: ContentHash,
    pub path: String,
}

/// (child, relationship, pinned hash, path, position)
type MembershipRow = (String, String, Option<String>, Option<String>, i64);

/// Reconciles a plugin's memberships to exactly `members` (in order),
/// writing only what differs. Returns whether anything changed.
pub async fn reconcile_memberships(
    conn: &mut AnyConnection,
    composite: &str,
    members: &[NewMembership],
) -> Result<bool> {
    let existing: Vec<MembershipRow> = sqlx::query_as(
        "SELECT child_id, relationship_type, pinned_version_hash, path, position
         FROM composite_memberships WHERE composite_id = $1",
    )
    .bind(composite)
    .fetch_all(&mut *conn)
    .await?;
    let mut changed = false;
    for (child, ..) in existing
        .iter()
        .filter(|e| !members.iter().any(|m| m.child_id == e.0))
    {
        sqlx::query("DELETE FROM composite_memberships WHERE composite_id = $1 AND child_id = $2")
            .bind(composite)
            .bind(child)
            .execute(&mut *conn)
            .await?;
        changed = true;
    }
    // The rows that differ, each child once (the last wins, as one upsert
    // after another would), written many to a statement.
    let mut writes: Vec<(&NewMembership, i64)> = Vec::new();
    for (position, m) in members.iter().enumerate() {
        let wanted = (
            m.child_id.clone(),
            m.relationship.as_str().to_owned(),
            Some(m.pinned.to_hex()),
            Some(m.path.clone()),
            position as i64,
        );
        if existing.contains(&wanted) {
            continue;
        }
        changed = true;
        writes.retain(|(w, _)| w.child_id != m.child_id);
        writes.push((m, position as i64));
    }
    for chunk in writes.chunks(MEMBER_ROWS) {
        upsert_memberships(conn, composite, chunk).await?;
    }
    Ok(changed)
}

/// Memberships written by one statement (8 values each).
const MEMBER_ROWS: usize = 100;

/// Inserts or updates the memberships of `composite` in `rows` (each with
/// its position), at most one row a child.
async fn upsert_memberships(
    conn: &mut AnyConnection,
    composite: &str,
    rows: &[(&NewMembership, i64)],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO composite_memberships
           (id, composite_id, child_id, relationship_type, pinned_version_hash, path, position, created_at)
         VALUES {}
         ON CONFLICT(composite_id, child_id) DO UPDATE SET
           relationship_type = excluded.relationship_type,
           pinned_version_hash = excluded.pinned_version_hash,
           path = excluded.path,
           position = excluded.position",
        value_rows(rows.len(), 8)
    );
    let now = now_rfc3339();
    let mut upsert = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (m, position) in rows {
        upsert = upsert
            .bind(new_id())
            .bind(composite)
            .bind(&m.child_id)
            .bind(m.relationship.as_str())
            .bind(m.pinned.to_hex())
            .bind(&m.path)
            .bind(*position)
            .bind(now.clone());
    }
    upsert.execute(&mut *conn).await?;
    Ok(())
}

pub async fn record_transaction(
    conn: &mut AnyConnection,
    id: &str,
    collection: &str,
    plugin: &str,
    started_at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO import_transactions (id, collection_id, plugin_name, started_at, committed_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(collection)
    .bind(plugin)
    .bind(started_at)
    .bind(now_rfc3339())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn transaction_committed(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_transactions WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// Every artifact of the collection with its current version (for the lock
/// file, the manifest and verify).
#[derive(Debug, Clone, FromRow)]
pub struct CurrentArtifact {
    pub id: String,
    #[sqlx(try_from = "KindColumn")]
    pub kind: ArtifactKind,
    pub name: String,
    pub source: Option<String>,
    pub version_id: String,
    pub content_hash: String,
    pub plugin_version: Option<String>,
    /// Where a plugin was imported from.
    #[sqlx(flatten)]
    pub origin: super::sources::SourceRow,
}

pub async fn current_artifacts(
    conn: &mut AnyConnection,
    collection: &str,
) -> Result<Vec<CurrentArtifact>> {
    Ok(sqlx::query_as(
        // Constant text: the columns are a constant too.
        sqlx::AssertSqlSafe(format!("SELECT a.id, a.kind, a.name, a.source, v.id AS version_id, v.content_hash, c.version AS plugin_version, {}
         FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id
         LEFT JOIN composites c ON c.artifact_id = a.id
         LEFT JOIN plugin_sources s ON s.artifact_id = a.id
         WHERE a.collection_id = $1 ORDER BY a.kind, a.name_key", super::sources::COLUMNS)),
    )
    .bind(collection)
    .fetch_all(conn)
    .await?)
}

/// The current state of the given artifacts (those found, in the order
/// given), read many to a statement.
pub async fn current_artifacts_by_id(
    conn: &mut AnyConnection,
    collection: &str,
    ids: &[String],
) -> Result<Vec<CurrentArtifact>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(super::contents::CHUNK) {
        let sql = format!(
            "SELECT a.id, a.kind, a.name, a.source, v.id AS version_id, v.content_hash, c.version AS plugin_version, {}
             FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id
             LEFT JOIN composites c ON c.artifact_id = a.id
             LEFT JOIN plugin_sources s ON s.artifact_id = a.id
             WHERE a.collection_id = $1 AND a.id IN ({})",
            super::sources::COLUMNS,
            (2..chunk.len() + 2).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
        );
        let mut query =
            sqlx::query_as::<_, CurrentArtifact>(sqlx::AssertSqlSafe(sql)).bind(collection);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(row.id.clone(), row);
        }
    }
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

/// The members of one plugin, in order.
pub async fn members_of(conn: &mut AnyConnection, composite: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT m.composite_id, a.kind, a.name, m.relationship_type, m.pinned_version_hash
         FROM composite_memberships m JOIN artifacts a ON a.id = m.child_id
         WHERE m.composite_id = $1 ORDER BY m.position",
    )
    .bind(composite)
    .fetch_all(conn)
    .await?)
}

pub async fn version_files(conn: &mut AnyConnection, version: &str) -> Result<Vec<VersionFile>> {
    Ok(sqlx::query_as("SELECT path, blob_hash, size, executable FROM version_files WHERE version_id = $1 ORDER BY path")
        .bind(version)
        .fetch_all(conn)
        .await?)
}

/// Memberships of one plugin, for the manifest: (plugin id, child kind,
/// child name, relationship, pinned hash).
#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub composite_id: String,
    #[sqlx(try_from = "KindColumn")]
    pub kind: ArtifactKind,
    pub name: String,
    pub relationship_type: String,
    pub pinned_version_hash: Option<String>,
}

pub async fn all_members(conn: &mut AnyConnection, collection: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT m.composite_id, a.kind, a.name, m.relationship_type, m.pinned_version_hash
         FROM composite_memberships m JOIN artifacts a ON a.id = m.child_id
         WHERE a.collection_id = $1 ORDER BY m.composite_id, m.position",
    )
    .bind(collection)
    .fetch_all(conn)
    .await?)
}

/// Forgets a deployment of `artifact` (a plugin with its children, or one
/// artifact on its own) in `project`.
pub async fn delete_deployment(
    conn: &mut AnyConnection,
    project: &str,
    artifact: &str,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM deployments WHERE project = $1 AND (parent_id = $2 OR (artifact_id = $2 AND parent_id IS NULL))",
    )
    .bind(project)
    .bind(artifact)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::value_rows;

    #[test]
    fn value_rows_number_every_value_once() {
        let cases = [
            ((1, 2), "($1, $2)"),
            ((2, 3), "($1, $2, $3), ($4, $5, $6)"),
            ((3, 1), "($1), ($2), ($3)"),
        ];
        for ((rows, width), expected) in cases {
            assert_eq!(value_rows(rows, width), expected, "{rows} × {width}");
        }
    }
}

//! `plugin_sources`: where each plugin was last imported from.

use sqlx::{AnyConnection, FromRow};

use crate::error::Result;
use crate::origin::{Location, Marketplace, Provenance, SourceKind};

/// The columns of a `plugin_sources` row joined as `s` (all null when the
/// plugin has none: imported before provenance was recorded, or a child).
pub const COLUMNS: &str = "s.kind AS src_kind, s.url AS src_url, s.git_ref AS src_ref,
    s.resolved_commit AS src_commit, s.path AS src_path, s.market_name AS mk_name,
    s.market_kind AS mk_kind, s.market_url AS mk_url, s.market_ref AS mk_ref,
    s.market_commit AS mk_commit, s.market_path AS mk_path";

/// A `plugin_sources` row as [`COLUMNS`] selects it.
#[derive(Debug, Clone, Default, FromRow, PartialEq, Eq)]
pub struct SourceRow {
    pub src_kind: Option<String>,
    pub src_url: Option<String>,
    pub src_ref: Option<String>,
    pub src_commit: Option<String>,
    pub src_path: Option<String>,
    pub mk_name: Option<String>,
    pub mk_kind: Option<String>,
    pub mk_url: Option<String>,
    pub mk_ref: Option<String>,
    pub mk_commit: Option<String>,
    pub mk_path: Option<String>,
}

impl SourceRow {
    pub fn provenance(&self) -> Option<Provenance> {
        let location = location(
            self.src_kind.as_deref(),
            self.src_url.as_ref(),
            (&self.src_ref, &self.src_commit, &self.src_path),
        )?;
        let marketplace = location_of_market(self).map(|l| Marketplace {
            name: self.mk_name.clone(),
            location: l,
        });
        Some(Provenance {
            location,
            marketplace,
        })
    }
}

fn location_of_market(r: &SourceRow) -> Option<Location> {
    location(
        r.mk_kind.as_deref(),
        r.mk_url.as_ref(),
        (&r.mk_ref, &r.mk_commit, &r.mk_path),
    )
}

type Rest<'a> = (&'a Option<String>, &'a Option<String>, &'a Option<String>);

fn location(kind: Option<&str>, url: Option<&String>, rest: Rest<'_>) -> Option<Location> {
    let (git_ref, commit, path) = rest;
    Some(Location {
        kind: SourceKind::parse(kind?)?,
        url: url?.clone(),
        git_ref: git_ref.clone(),
        commit: commit.clone(),
        path: path.clone().unwrap_or_default(),
    })
}

/// The provenance of plugin `artifact`, if recorded.
pub async fn of(conn: &mut AnyConnection, artifact: &str) -> Result<Option<Provenance>> {
    let row: Option<SourceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM plugin_sources s WHERE s.artifact_id = $1"
    )))
    .bind(artifact)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|r| r.provenance()))
}

/// Records where plugin `artifact` was imported from; whether that changed.
pub async fn record(conn: &mut AnyConnection, artifact: &str, p: &Provenance) -> Result<bool> {
    if of(&mut *conn, artifact).await?.as_ref() == Some(p) {
        return Ok(false);
    }
    let l = &p.location;
    let m = p.marketplace.as_ref();
    let ml = m.map(|m| &m.location);
    sqlx::query(
        "INSERT INTO plugin_sources (artifact_id, kind, url, git_ref, resolved_commit, path,
            market_name, market_kind, market_url, market_ref, market_commit, market_path)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (artifact_id) DO UPDATE SET kind = excluded.kind, url = excluded.url,
            git_ref = excluded.git_ref, resolved_commit = excluded.resolved_commit,
            path = excluded.path, market_name = excluded.market_name,
            market_kind = excluded.market_kind, market_url = excluded.market_url,
            market_ref = excluded.market_ref, market_commit = excluded.market_commit,
            market_path = excluded.market_path",
    )
    .bind(artifact)
    .bind(l.kind.as_str())
    .bind(&l.url)
    .bind(&l.git_ref)
    .bind(&l.commit)
    .bind(&l.path)
    .bind(m.and_then(|m| m.name.clone()))
    .bind(ml.map(|l| l.kind.as_str()))
    .bind(ml.map(|l| l.url.clone()))
    .bind(ml.and_then(|l| l.git_ref.clone()))
    .bind(ml.and_then(|l| l.commit.clone()))
    .bind(ml.map(|l| l.path.clone()))
    .execute(conn)
    .await?;
    Ok(true)
}

//! Reading the collection: the artifact list, one artifact, its
//! associations, a file of a stored version.

use skillmeat_core::hash::ContentHash;
use skillmeat_core::validate::Level;
use sqlx::AnyConnection;

use super::cache::{AssociationsKey, TotalKey};
use super::scope::{Open, Scope, split_typed};
use super::transfer::{
    ArtifactDetail, ArtifactList, ArtifactSummary, Association, Associations, AssociationsArgs,
    DeploymentInfo, FileArgs, Kind, ListArgs, Membership, Origin, OriginMarketplace, ShowArgs,
    VersionInfo,
};
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::origin::Provenance;
use crate::query::{self, ListFilter, Sides};
use crate::store::rows;

/// Artifacts matching `args` (composites first, then by kind and name), one
/// page of them. A collection that does not exist yet is empty.
pub async fn list(scope: &Scope, args: ListArgs) -> Result<ArtifactList> {
    let Some(c) = scope.read().await? else {
        return Ok(ArtifactList {
            items: Vec::new(),
            total: 0,
            count: 0,
        });
    };
    let filter = ListFilter {
        kind: args.kind.map(|k| k.engine()),
        subtype: args.subtype.as_deref(),
        search: args.search.as_deref(),
        limit: args.limit,
        offset: args.offset.unwrap_or(0),
    };
    let listing = listing(scope, &c, &filter).await?;
    Ok(ArtifactList {
        total: count(listing.total),
        count: count(listing.count),
        items: listing.items.into_iter().map(summary).collect(),
    })
}

/// The page of `filter`, the held collection's total kept until it
/// changes: counting 100,000 artifacts is most of a page's time.
async fn listing(scope: &Scope, c: &Open<'_>, filter: &ListFilter<'_>) -> Result<query::Listing> {
    let Some(cache) = scope.cache(c) else {
        return query::list(c, filter).await;
    };
    let version = cache.version(c).await;
    let key = TotalKey {
        kind: filter.kind.map(|k| k.as_str()),
        subtype: filter.subtype.map(str::to_owned),
        search: filter.search.map(str::to_owned),
    };
    if let Some(total) = cache.totals.get(&key, version) {
        let listing = query::list_counted(c, filter, Some(total)).await?;
        // The page goes with that total only if nothing was committed
        // between the check and its read; else count again (and keep
        // nothing: the version checked is already gone).
        if cache.version(c).await == version {
            return Ok(listing);
        }
        return query::list(c, filter).await;
    }
    let listing = query::list(c, filter).await?;
    cache.totals.put(key, version, &(listing.total as u64));
    Ok(listing)
}

fn summary(i: query::ListItem) -> ArtifactSummary {
    ArtifactSummary {
        id: i.id,
        name: i.name,
        kind: i.kind.into(),
        subtype: i.subtype,
        version: i.version,
        child_count: count(i.child_count),
        content_hash: i.content_hash,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

/// One artifact with its versions, parents, children and deployments.
pub async fn show(scope: &Scope, args: ShowArgs) -> Result<ArtifactDetail> {
    let c = scope.read_for(&args.name_or_id).await?;
    let (reference, kind) = c
        .lookup(&args.name_or_id, args.kind.map(|k| k.engine()))
        .await?;
    let d = query::show(&c, &reference, kind.map(|k| k.as_str())).await?;
    let mut out = detail(d)?;
    if out.kind == Kind::Composite {
        // The plugin as a deploy or an export writes it. Not read back:
        // shown without a verdict, as the deploy that needs it will say.
        match crate::bundle::claude_code_verdict(&c, &out.id).await {
            Ok(v) => {
                out.loads_in_claude_code = v.loads();
                out.load_errors = v.messages(Level::Load);
                out.validation_errors = v.messages(Level::Validate);
            }
            Err(e) => tracing::warn!(plugin = %out.name, error = %e, "no Claude Code verdict"),
        }
    }
    Ok(out)
}

/// A plugin's provenance as the transfer type.
pub(super) fn origin(p: Provenance) -> Origin {
    let l = p.location;
    Origin {
        kind: l.kind.as_str().to_owned(),
        url: l.url,
        git_ref: l.git_ref,
        commit: l.commit,
        path: l.path,
        marketplace: p.marketplace.map(|m| OriginMarketplace {
            name: m.name,
            kind: m.location.kind.as_str().to_owned(),
            url: m.location.url,
            git_ref: m.location.git_ref,
            commit: m.location.commit,
            path: m.location.path,
        }),
    }
}

/// An engine [`query::Detail`] as the transfer type.
pub(super) fn detail(d: query::Detail) -> Result<ArtifactDetail> {
    Ok(ArtifactDetail {
        id: d.id,
        name: d.name,
        kind: d.kind.into(),
        subtype: d.subtype,
        version: d.version,
        description: d.description,
        source: d.source,
        origin: d.origin.map(origin),
        content_hash: d.content_hash,
        created_at: d.created_at,
        updated_at: d.updated_at,
        versions: d
            .versions
            .into_iter()
            .map(|v| VersionInfo {
                content_hash: v.content_hash,
                file_count: count(v.file_count),
                created_at: v.created_at,
                current: v.current,
            })
            .collect(),
        parents: associated(d.parents)?,
        children: associated(d.children)?,
        deployments: d
            .deployments
            .into_iter()
            .map(|x| DeploymentInfo {
                project: x.project,
                parent: x.parent,
                content_hash: x.content_hash,
                platform: x.platform,
                deployed_at: x.deployed_at,
            })
            .collect(),
        loads_in_claude_code: true,
        load_errors: Vec::new(),
        validation_errors: Vec::new(),
    })
}

fn associated(rows: Vec<query::Association>) -> Result<Vec<Association>> {
    rows.into_iter()
        .map(|a| {
            Ok(Association {
                relationship_type: Membership::parse(&a.relationship_type)?,
                artifact_id: a.artifact_id,
                artifact_name: a.artifact_name,
                artifact_type: a.artifact_type.into(),
                pinned_version_hash: a.pinned_version_hash,
                current_hash: a.current_hash,
                path: a.path,
                created_at: a.created_at,
            })
        })
        .collect()
}

/// An artifact's parents and children (each side only if asked for), only
/// memberships of `relationship_type` if given: one pooled connection, two
/// statements (the artifact, then both sides); the held collection's
/// answer is kept until the collection changes.
pub async fn associations(scope: &Scope, args: AssociationsArgs) -> Result<Associations> {
    let c = scope.read_for(&args.id).await?;
    let cache = scope.cache(&c);
    let version = match cache {
        Some(cache) => cache.version(&c).await,
        None => None,
    };
    let key = AssociationsKey {
        id: args.id.clone(),
        parents: args.include_parents,
        children: args.include_children,
        relationship: args
            .relationship_type
            .map(|r| Membership::engine(r).as_str()),
    };
    if let Some(kept) = cache.and_then(|k| k.associations.get(&key, version)) {
        return Ok(kept);
    }
    let found = read_associations(&c, &args).await?;
    if let Some(cache) = cache {
        cache.associations.put(key, version, &found);
    }
    Ok(found)
}

async fn read_associations(c: &Collection, args: &AssociationsArgs) -> Result<Associations> {
    let mut conn = c.pool.acquire().await?;
    let artifact = resolve_on(&mut conn, c, &args.id).await?;
    let sides = Sides {
        parents: args.include_parents,
        children: args.include_children,
    };
    let relationship = args.relationship_type.map(Membership::engine);
    let (parents, children) =
        query::associations(&mut conn, &artifact.id, sides, relationship).await?;
    Ok(Associations {
        artifact_id: artifact.id,
        parents: associated(parents)?,
        children: associated(children)?,
    })
}

/// The bytes of one file of a stored version (the current one unless
/// `version` names another by its hash).
pub async fn file(scope: &Scope, args: FileArgs) -> Result<Vec<u8>> {
    let c = scope.read_for(&args.id).await?;
    let artifact = resolve(&c, &args.id).await?;
    let mut conn = c.pool.acquire().await?;
    let describe = || format!("{} {:?}", artifact.kind, artifact.name);
    let version = match &args.version {
        None => query::current_version(&mut conn, &artifact.id).await?,
        Some(v) => {
            let hash: ContentHash = v
                .parse()
                .map_err(|e| Error::Usage(format!("version {v:?} is not a content hash: {e}")))?;
            rows::version_id(&mut conn, &artifact.id, &hash)
                .await?
                .ok_or_else(|| Error::NotStored {
                    artifact: describe(),
                    what: format!("version {}", hash.to_hex()),
                })?
        }
    };
    let files = rows::version_files(&mut conn, &version).await?;
    drop(conn);
    let f = files
        .into_iter()
        .find(|f| f.path == args.path)
        .ok_or_else(|| Error::NotStored {
            artifact: describe(),
            what: format!("file {:?} in that version", args.path),
        })?;
    let hash = rows::parse_hash(&f.blob_hash)?;
    c.fetch([hash]).await?;
    let blob = c.blob_path(&hash);
    std::fs::read(&blob).map_err(|e| Error::io(&blob, e))
}

/// An artifact named by id, name or `type:name`.
pub(super) async fn resolve(c: &Open<'_>, reference: &str) -> Result<query::Resolved> {
    let mut conn = c.pool.acquire().await?;
    resolve_on(&mut conn, c, reference).await
}

/// [`resolve`] on a connection the caller holds: a `type:name` that names
/// nothing is tried as a plain name (names may hold a `:`), as
/// [`Open::lookup`] does.
async fn resolve_on(
    conn: &mut AnyConnection,
    c: &Collection,
    reference: &str,
) -> Result<query::Resolved> {
    if let Some((kind, name)) = split_typed(reference) {
        match query::resolve(conn, c, name, Some(kind.as_str())).await {
            Err(Error::UnknownArtifact { .. }) => {}
            found => return found,
        }
    }
    query::resolve(conn, c, reference, None).await
}

/// A count for the wire (u32: a TypeScript `number`).
pub(super) fn count<N: TryInto<u32>>(n: N) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

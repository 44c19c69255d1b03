//! The hash-first import's first steps (DESIGN.md §12): the plan from the
//! children's hashes, which blobs the server lacks, an upload re-hashed as
//! it is written; and the removal of uploads nothing used.

use std::fmt::Display;

use std::collections::HashSet;

use futures_util::{Stream, StreamExt};
use skillmeat_core::ContentHash;
use skillmeat_core::artifact::check_name;
use skillmeat_core::plan::{self, Incoming};
use skillmeat_core::validate::Validation;

use super::blocking;
use super::import::preview_of;
use super::scope::Scope;
use super::transfer::{
    BlobStored, BlobsStored, ImportPreview, MissingArgs, MissingBlobs, PlanArgs, PlanPlugin,
};
use crate::bundle::Limits;
use crate::error::{Error, Result};
use crate::fsx;
use crate::import;
use crate::upload::{self, Upload};

/// At most this many hashes in one `missing` question, children in one
/// plan, files in one import.
pub const MAX_ITEMS: usize = 100_000;

/// The three buckets of each plugin, planned against the collection from
/// the kinds, names and hashes a client computed; nothing is read or
/// written.
pub async fn plan(scope: &Scope, args: PlanArgs) -> Result<ImportPreview> {
    let children: usize = args.plugins.iter().map(|p| p.children.len()).sum();
    at_most(children, "children in a plan")?;
    let incoming = args
        .plugins
        .iter()
        .map(incoming_of)
        .collect::<Result<Vec<_>>>()?;
    let policy = args.on_conflict.unwrap_or_default().engine();
    let named: Vec<(&str, Vec<Incoming>)> = args
        .plugins
        .iter()
        .map(|p| p.name.as_str())
        .zip(incoming)
        .collect();
    let c = scope.read().await?;
    let planned = import::plans_incoming(c.as_deref(), &named, policy).await?;
    // The client sent kinds, names and hashes only: the verdict comes with
    // the import, which reads the files.
    let plugins = planned
        .iter()
        .map(|p| preview_of(plan::Preview::from(p), &Validation::default()))
        .collect();
    Ok(ImportPreview {
        plugins,
        warnings: Vec::new(),
    })
}

/// A plugin's children as the planner takes them; names and hashes checked.
fn incoming_of(p: &PlanPlugin) -> Result<Vec<Incoming>> {
    let bad = |what: String| Error::Usage(format!("plugins: {:?}: {what}", p.name));
    check_name(skillmeat_core::ArtifactKind::Composite, &p.name)
        .map_err(|e| bad(format!("not a plugin name: {e}")))?;
    p.children
        .iter()
        .map(|c| {
            let kind = c.kind.engine();
            check_name(kind, &c.name).map_err(|e| bad(format!("{kind} {:?}: {e}", c.name)))?;
            let content_hash = upload::parse_hash(&c.content_hash)
                .map_err(|e| bad(format!("{kind} {:?}: content_hash: {e}", c.name)))?;
            Ok(Incoming {
                kind,
                name: c.name.clone(),
                content_hash,
                relationship: Default::default(),
            })
        })
        .collect()
}

/// The hashes of `args` the server holds neither in the collection's store
/// nor in its uploads: what a client must upload.
pub async fn missing_blobs(scope: &Scope, args: MissingArgs) -> Result<MissingBlobs> {
    at_most(args.sha256.len(), "hashes in one question")?;
    let hashes = args
        .sha256
        .iter()
        .map(|h| upload::parse_hash(h).map_err(|e| Error::Usage(format!("sha256: {e}"))))
        .collect::<Result<Vec<_>>>()?;
    let missing = match database(scope).await? {
        // The database decides: the import may run on another server.
        Some(c) => {
            let unique = unique(&hashes);
            let mut conn = c.pool.acquire().await?;
            let mut held = crate::store::contents::present(&mut conn, &unique).await?;
            held.extend(crate::store::uploads::present(&mut conn, &unique).await?);
            unique.into_iter().filter(|h| !held.contains(h)).collect()
        }
        None => {
            let area = scope.upload_area()?;
            blocking(move || Ok(area.missing(&hashes))).await?
        }
    };
    Ok(MissingBlobs {
        missing: missing.iter().map(|h| h.to_hex()).collect(),
    })
}

/// Those of `hashes` a collection on a database server holds in the
/// database (none for a folder collection, whose store the upload area
/// reads itself).
pub(super) async fn in_database(
    scope: &Scope,
    hashes: &[ContentHash],
) -> Result<HashSet<ContentHash>> {
    let Some(c) = scope.read().await? else {
        return Ok(HashSet::new());
    };
    if !c.in_database() || hashes.is_empty() {
        return Ok(HashSet::new());
    }
    let mut conn = c.pool.acquire().await?;
    crate::store::contents::present(&mut conn, hashes).await
}

/// `hashes`, each once, in the order given.
fn unique(hashes: &[ContentHash]) -> Vec<ContentHash> {
    let mut seen = HashSet::with_capacity(hashes.len());
    hashes
        .iter()
        .filter(|h| seen.insert(**h))
        .copied()
        .collect()
}

/// The collection, when its contents and uploads live on a database server.
async fn database(scope: &Scope) -> Result<Option<super::scope::Open<'_>>> {
    Ok(scope.read().await?.filter(|c| c.in_database()))
}

/// Makes the blobs of `hashes` that the database holds readable by the
/// upload area, for a database collection: stored contents copied into
/// the cache, uploads (which another server may have received) into the
/// area, each checked against its hash.
pub(super) async fn fetch_held(scope: &Scope, hashes: &[ContentHash]) -> Result<()> {
    let held = in_database(scope, hashes).await?;
    let Some(c) = database(scope).await? else {
        return Ok(());
    };
    let area = scope.upload_area()?;
    let rest: Vec<ContentHash> = unique(hashes)
        .into_iter()
        .filter(|h| !held.contains(h) && !fsx::exists(&area.upload_path(h)))
        .collect();
    if !held.is_empty() {
        c.fetch(held).await?;
    }
    let mut conn = c.pool.acquire().await?;
    let mut gone = Vec::new();
    for hash in rest {
        let Some(bytes) = crate::store::uploads::read(&mut conn, &hash).await? else {
            gone.push(hash);
            continue;
        };
        let area = area.clone();
        let kept = blocking(move || keep_verified(&area, &hash, &bytes)).await;
        if let Err(Error::BlobMismatch { .. }) = kept {
            // Damaged in the database: deleted, so that a client asking
            // which blobs are missing uploads it again.
            crate::store::uploads::forget(&mut conn, &hash).await?;
            continue;
        }
        kept?;
    }
    // An upload deleted since the first look was stored by another
    // server's import: read it from the contents. A blob no server
    // received stays missing, and the rebuild names it.
    let stored = crate::store::contents::present(&mut conn, &gone).await?;
    drop(conn);
    if !stored.is_empty() {
        c.fetch(stored).await?;
    }
    Ok(())
}

/// Copies the uploads of `hashes` kept in the area into the database, for
/// a database collection: what one server received, any server imports.
async fn publish(scope: &Scope, area: &upload::Area, hashes: &[ContentHash]) -> Result<()> {
    let Some(c) = database(scope).await? else {
        return Ok(());
    };
    let mut conn = c.pool.acquire().await?;
    for hash in hashes {
        let path = area.upload_path(hash);
        let bytes = blocking(move || std::fs::read(&path).map_err(|e| Error::io(&path, e))).await?;
        crate::store::uploads::put(&mut conn, hash, &bytes).await?;
    }
    Ok(())
}

/// Keeps `body` as the upload of blob `sha256`, hashing it as it is
/// written: bytes that are not that blob are refused and nothing is kept
/// ([`Error::BlobMismatch`]), and so is a body over [`blob_limit`]
/// (`length` is its announced size, when known). Uploading a blob again
/// is harmless (and restarts its time).
pub async fn put_blob<S, B, E>(
    scope: &Scope,
    sha256: &str,
    length: Option<u64>,
    body: S,
) -> Result<BlobStored>
where
    S: Stream<Item = std::result::Result<B, E>> + Unpin,
    B: AsRef<[u8]> + Send + 'static,
    E: Display,
{
    let hash = upload::parse_hash(sha256)?;
    let limit = blob_limit_in(scope).await?;
    let too_large = || Error::TooLarge(format!("a blob may hold at most {limit} bytes here"));
    if length.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let area = scope.upload_area()?;
    let temp = {
        let area = area.clone();
        blocking(move || area.incoming()).await?
    };
    // The file is written on a blocking thread, the chunks handed over as
    // they arrive; a client that stops sending ends the writer too. The
    // writer is spawned before the body is read (a future not yet polled
    // would leave the channel full after 16 chunks: a deadlock).
    let (chunks, mut arrived) = tokio::sync::mpsc::channel::<B>(16);
    let writer = tokio::task::spawn_blocking(move || {
        let mut upload = Upload::new(temp);
        while let Some(chunk) = arrived.blocking_recv() {
            upload.write(chunk.as_ref())?;
        }
        Ok::<_, Error>(upload)
    });
    let fed = feed(body, chunks, limit, too_large).await;
    let upload = writer
        .await
        .map_err(|e| Error::Internal(format!("the upload's writer failed: {e}")))??;
    fed?;
    let size = upload.written();
    let (temp, got) = upload.finish();
    if got != hash {
        return Err(Error::BlobMismatch {
            claimed: hash.to_hex(),
            actual: got.to_hex(),
        });
    }
    {
        let area = area.clone();
        blocking(move || area.keep(temp, &hash)).await?;
    }
    if let Err(e) = publish(scope, &area, &[hash]).await {
        // Not in the database, so not here either: the client uploads it again.
        let _ = std::fs::remove_file(area.upload_path(&hash));
        return Err(e);
    }
    Ok(BlobStored {
        sha256: hash.to_hex(),
        size,
    })
}

/// The most bytes one uploaded blob may hold: what all the files of one
/// plugin may hold, for a bundle zip uploaded whole may be that large. A
/// file is held to the (smaller) per-file limit when it is imported.
pub fn blob_limit() -> u64 {
    let limits = Limits::in_force();
    limits.file_bytes.max(limits.plugin_bytes)
}

/// [`blob_limit`] for the collection in `scope`: a collection on a
/// database server keeps each upload as one value, which PostgreSQL holds
/// to under 1 GiB, so there a blob may hold one file's bytes.
async fn blob_limit_in(scope: &Scope) -> Result<u64> {
    Ok(match database(scope).await? {
        Some(_) => Limits::in_force().file_bytes,
        None => blob_limit(),
    })
}

/// The largest body of a batch upload (`POST /api/v1/blobs`); larger
/// blobs go one by one (`PUT /api/v1/blobs/{sha256}`).
pub const BATCH_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Keeps each blob of a batch, in order: per blob a header line
/// `SHA256 SIZE\n` (64 lowercase hex digits, a space, the size in
/// decimal), then exactly SIZE bytes. Each is hashed as it is written and
/// kept only if it is the blob named: the first that is not stops the batch
/// ([`Error::BlobMismatch`], nothing kept of it; the blobs before it are
/// kept). A header that is not one, a body that ends inside a blob: 400;
/// a blob over [`blob_limit`]: 413.
pub async fn put_blobs<B>(scope: &Scope, body: B) -> Result<BlobsStored>
where
    B: AsRef<[u8]> + Send + 'static,
{
    let area = scope.upload_area()?;
    let limit = blob_limit_in(scope).await?;
    let stored = {
        let area = area.clone();
        blocking(move || keep_batch(&area, body.as_ref(), limit)).await?
    };
    let hashes = stored
        .iter()
        .map(|b| upload::parse_hash(&b.sha256))
        .collect::<Result<Vec<_>>>()?;
    publish(scope, &area, &hashes).await?;
    Ok(BlobsStored { stored })
}

fn keep_batch(area: &upload::Area, mut rest: &[u8], limit: u64) -> Result<Vec<BlobStored>> {
    let mut stored = Vec::new();
    while !rest.is_empty() {
        let (hash, bytes, after) = next_blob(rest, stored.len() + 1, limit)?;
        keep_verified(area, &hash, bytes)?;
        stored.push(BlobStored {
            sha256: hash.to_hex(),
            size: bytes.len() as u64,
        });
        rest = after;
    }
    Ok(stored)
}

/// Keeps `bytes` as the upload of `hash` if they are that blob
/// ([`Error::BlobMismatch`] and nothing kept if not).
fn keep_verified(area: &upload::Area, hash: &ContentHash, bytes: &[u8]) -> Result<()> {
    let mut upload = Upload::new(area.incoming()?);
    upload.write(bytes)?;
    let (temp, got) = upload.finish();
    if got != *hash {
        return Err(Error::BlobMismatch {
            claimed: hash.to_hex(),
            actual: got.to_hex(),
        });
    }
    area.keep(temp, hash)
}

/// The `n`th blob of a batch at the start of `body`: its hash, its bytes, what follows.
fn next_blob(body: &[u8], n: usize, limit: u64) -> Result<(ContentHash, &[u8], &[u8])> {
    let bad = |what: String| Error::Usage(format!("blob {n} of the batch: {what}"));
    let header = body
        .iter()
        .take(100)
        .position(|&b| b == b'\n')
        .map(|end| &body[..end])
        .ok_or_else(|| bad("no header line `SHA256 SIZE` (at most 100 bytes)".into()))?;
    let text = std::str::from_utf8(header).map_err(|_| bad("the header is not text".into()))?;
    let (hex, size) = text
        .split_once(' ')
        .ok_or_else(|| bad(format!("header {text:?} is not `SHA256 SIZE`")))?;
    let hash = upload::parse_hash(hex).map_err(|e| bad(format!("sha256: {e}")))?;
    let size: u64 = size
        .parse()
        .map_err(|_| bad(format!("size {size:?} is not a number of bytes")))?;
    if size > limit {
        return Err(Error::TooLarge(format!(
            "blob {n} of the batch ({hex}): {size} bytes; a blob may hold at most {limit} bytes here"
        )));
    }
    let rest = &body[header.len() + 1..];
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if rest.len() < size {
        return Err(bad(format!(
            "{hex}: the body ends after {} of its {size} bytes",
            rest.len()
        )));
    }
    Ok((hash, &rest[..size], &rest[size..]))
}

/// Hands `body`'s chunks to the writer, counting them against `limit`.
async fn feed<S, B, E>(
    mut body: S,
    chunks: tokio::sync::mpsc::Sender<B>,
    limit: u64,
    too_large: impl Fn() -> Error,
) -> Result<()>
where
    S: Stream<Item = std::result::Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: Display,
{
    let mut total = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Error::Usage(format!("reading the upload: {e}")))?;
        total += chunk.as_ref().len() as u64;
        if total > limit {
            return Err(too_large());
        }
        if chunks.send(chunk).await.is_err() {
            // The writer failed; its error is the one to report.
            break;
        }
    }
    Ok(())
}

/// Removes the uploads no import used that are older than
/// [`upload::ttl`]; returns how many went.
pub async fn sweep_uploads(scope: &Scope) -> Result<usize> {
    let area = scope.upload_area()?;
    let ttl = upload::ttl();
    let mut gone = blocking(move || Ok(area.sweep(ttl))).await?;
    if let Some(c) = database(scope).await? {
        let mut conn = c.pool.acquire().await?;
        let rows = crate::store::uploads::sweep(&mut conn, ttl).await?;
        gone += usize::try_from(rows).unwrap_or(usize::MAX);
    }
    Ok(gone)
}

/// What `verify` notes about uploads: those of the area and, for a
/// database collection, those of the database, older than the TTL.
pub(super) async fn upload_notes(scope: &Scope) -> Result<Vec<String>> {
    let ttl = upload::ttl();
    let mut notes = scope.upload_area()?.notes(ttl);
    if let Some(c) = database(scope).await? {
        let mut conn = c.pool.acquire().await?;
        for hash in crate::store::uploads::stale(&mut conn, ttl).await? {
            notes.push(format!(
                "upload {hash} in the database: an upload no import used, older than {} s (the server removes it)",
                ttl.as_secs()
            ));
        }
    }
    Ok(notes)
}

/// How long an upload no import used is kept (24 h, or
/// `SKILLMEAT_UPLOAD_TTL` seconds).
pub fn upload_ttl() -> std::time::Duration {
    upload::ttl()
}

fn at_most(n: usize, what: &str) -> Result<()> {
    match n > MAX_ITEMS {
        true => Err(Error::TooLarge(format!(
            "{n} {what}; at most {MAX_ITEMS} (split the request)"
        ))),
        false => Ok(()),
    }
}

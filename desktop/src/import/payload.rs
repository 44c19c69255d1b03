//! What an import writes: for every child and for the plugin itself, its
//! hash and its files (where to read each, its blob hash, size and mode).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use skillmeat_core::discovery::{Child, ChildContent, Plugin};
use skillmeat_core::hash::{ContentHash, hash_bytes};
use skillmeat_core::plan::Incoming;
use skillmeat_core::{ArtifactKind, SafeRelPath};

use crate::collection::layout::{SINGLE_FILE, Shape};
use crate::error::{Error, Result};
use crate::fsx;
use crate::inspect::Source;
use crate::store::rows::VersionFile;
use tracing::info_span;

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Origin {
    Disk(PathBuf),
    /// A blob the server holds (an uploaded tree's file): a failure to read
    /// it as planned is the blob gone, which the client uploads again.
    Blob(PathBuf),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct PayloadFile {
    /// Path inside the version (`""` for a single-file version).
    pub rel: String,
    pub blob: ContentHash,
    pub size: u64,
    pub executable: bool,
    pub origin: Origin,
}

/// One artifact to import.
#[derive(Debug, Clone)]
pub struct Payload {
    pub kind: ArtifactKind,
    pub name: String,
    pub description: Option<String>,
    pub content_hash: ContentHash,
    pub shape: Shape,
    pub files: Vec<PayloadFile>,
    /// Where it sits in the plugin.
    pub path: String,
    pub incoming: Incoming,
}

impl Payload {
    pub fn version_files(&self) -> Vec<VersionFile> {
        self.files
            .iter()
            .map(|f| VersionFile {
                path: f.rel.clone(),
                blob_hash: f.blob.to_hex(),
                size: f.size as i64,
                executable: f.executable,
            })
            .collect()
    }
}

/// The children and the plugin (meta files) of one discovered plugin.
pub fn build(source: &Source, plugin: &Plugin) -> Result<(Vec<Payload>, Payload)> {
    // Where each file is, its hash, size and mode: as the source listed
    // and hashed it (its bytes are hashed again as they are stored).
    let disk_file = |rel: String, listed: &SafeRelPath| -> Result<PayloadFile> {
        let listing_rel = plugin.root.join(listed);
        let missing = |what| Error::Internal(format!("{listing_rel} has no {what}"));
        let path = source
            .abs(listing_rel.as_str())
            .ok_or_else(|| missing("path"))?;
        let blob = source
            .digest(listing_rel.as_str())
            .ok_or_else(|| missing("hash"))?;
        let (size, executable) =
            (source.file_meta(listing_rel.as_str())).ok_or_else(|| missing("metadata"))?;
        Ok(PayloadFile {
            rel,
            blob,
            size,
            executable,
            origin: match source.from_blobs {
                true => Origin::Blob(path.to_owned()),
                false => Origin::Disk(path.to_owned()),
            },
        })
    };
    let mut children = Vec::with_capacity(plugin.children.len());
    for child in &plugin.children {
        let (files, shape) = match &child.content {
            ChildContent::File => (
                vec![disk_file(SINGLE_FILE.to_owned(), &child.path)?],
                Shape::File,
            ),
            ChildContent::Inline { json } => (
                vec![PayloadFile {
                    rel: SINGLE_FILE.to_owned(),
                    blob: hash_bytes(json),
                    size: json.len() as u64,
                    executable: false,
                    origin: Origin::Bytes(json.clone()),
                }],
                Shape::File,
            ),
            ChildContent::Tree { base, files } => {
                let mut out = Vec::with_capacity(files.len());
                for f in files {
                    let rel = base.relative(f.as_str()).unwrap_or(f.as_str()).to_owned();
                    out.push(disk_file(rel, f)?);
                }
                (out, Shape::Folder)
            }
        };
        let content_hash = child_hash(source, plugin, child)?;
        children.push(Payload {
            kind: child.kind,
            name: child.name.clone(),
            description: child.description.clone(),
            content_hash,
            shape,
            files,
            path: child.path.to_string(),
            incoming: Incoming {
                kind: child.kind,
                name: child.name.clone(),
                content_hash,
                relationship: child.relationship,
            },
        });
    }
    let mut meta = Vec::new();
    for f in plugin.meta_files() {
        meta.push(disk_file(f.as_str().to_owned(), f)?);
    }
    let digest = |p: &SafeRelPath| source.digest(plugin.root.join(p).as_str());
    let whole = plugin
        .digest(&digest)
        .map_err(|e| Error::core(&source.tree.root, e))?;
    let composite = Payload {
        kind: ArtifactKind::Composite,
        name: plugin.name.clone(),
        description: plugin.description.clone(),
        content_hash: whole.content_hash,
        shape: Shape::Folder,
        files: meta,
        path: plugin.root.to_string(),
        incoming: Incoming {
            kind: ArtifactKind::Composite,
            name: plugin.name.clone(),
            content_hash: whole.content_hash,
            relationship: skillmeat_core::Relationship::Member,
        },
    };
    Ok((children, composite))
}

/// The children of `plugin` as the planner takes them: kind, name, hash
/// (from the digests the source holds; no file is read).
pub fn incoming(source: &Source, plugin: &Plugin) -> Result<Vec<Incoming>> {
    plugin
        .children
        .iter()
        .map(|child| {
            Ok(Incoming {
                kind: child.kind,
                name: child.name.clone(),
                content_hash: child_hash(source, plugin, child)?,
                relationship: child.relationship,
            })
        })
        .collect()
}

/// Re-computes a child's hash from its files' digests, in its
/// `artifact.hash_compute` span (inside its `artifact.dedup_resolve`, see
/// [`skillmeat_core::plan::plan_import_within`]), and checks it is the one
/// the plan rests on.
/// `payload` was built from `plugin.children[i]` ([`build`] keeps their order).
pub fn check_hash(source: &Source, plugin: &Plugin, i: usize, payload: &Payload) -> Result<()> {
    let span = info_span!(
        "artifact.hash_compute",
        artifact_name = %payload.name,
        content_hash = tracing::field::Empty
    );
    let _guard = span.enter();
    let started = Instant::now();
    let child = plugin
        .children
        .get(i)
        .filter(|c| c.kind == payload.kind && c.name == payload.name)
        .ok_or_else(|| Error::Internal(format!("{} is not a child of the plugin", payload.name)))?;
    let hash = child_hash(source, plugin, child)?;
    crate::telemetry::record_hash_duration(started.elapsed());
    span.record("content_hash", tracing::field::display(hash));
    match hash == payload.content_hash {
        true => Ok(()),
        false => Err(Error::Internal(format!(
            "{}: its hash changed between the plan and the import",
            payload.name
        ))),
    }
}

fn child_hash(source: &Source, plugin: &Plugin, child: &Child) -> Result<ContentHash> {
    let digest = |p: &SafeRelPath| source.digest(plugin.root.join(p).as_str());
    Ok(child
        .digest(&digest)
        .map_err(|e| Error::core(&source.tree.root, e))?
        .content_hash)
}

/// Where one payload file is staged: read once from its origin, re-hashed
/// on the way (the engine stores only what it has hashed itself), written to
/// every path in `to`: its new blob if it brings one, then its place in a
/// current version.
#[derive(Debug)]
pub struct StagedCopy<'a> {
    pub file: &'a PayloadFile,
    pub to: Vec<PathBuf>,
}

/// A payload file's bytes, read whole and checked against its hash.
pub fn read_verified(file: &PayloadFile) -> Result<std::borrow::Cow<'_, [u8]>> {
    let bytes = match &file.origin {
        Origin::Bytes(bytes) => std::borrow::Cow::Borrowed(bytes.as_slice()),
        Origin::Disk(path) => {
            std::borrow::Cow::Owned(std::fs::read(path).map_err(|e| Error::io(path, e))?)
        }
        Origin::Blob(path) => {
            std::borrow::Cow::Owned(std::fs::read(path).map_err(|_| changed(file))?)
        }
    };
    if bytes.len() as u64 != file.size || hash_bytes(&bytes) != file.blob {
        return Err(changed(file));
    }
    Ok(bytes)
}

/// A payload file whose bytes no longer hash to what was planned.
fn changed(file: &PayloadFile) -> Error {
    let what = match &file.origin {
        Origin::Disk(p) => p.display().to_string(),
        Origin::Bytes(_) => "inline content".into(),
        // Removed from the server (say, by a `remove` that freed it)
        // since the import found it: named by its hash, never its path.
        Origin::Blob(_) => return Error::MissingBlobs(vec![file.blob.to_hex()]),
    };
    Error::BadInput {
        path: PathBuf::from(what),
        reason: "changed while it was being imported (its hash no longer matches); try again"
            .into(),
    }
}

/// Performs one [`StagedCopy`]; the last path (the current version) gets
/// the file's executable bit, blobs keep the default mode.
pub fn copy_verified(copy: &StagedCopy<'_>) -> Result<()> {
    let file = copy.file;
    let mut outs = Vec::with_capacity(copy.to.len());
    for to in &copy.to {
        outs.push(fsx::create(to)?);
    }
    // The size recorded is the listing's: the bytes are counted too.
    let mut written = 0u64;
    let mut write = |chunk: &[u8]| -> Result<()> {
        written += chunk.len() as u64;
        for (out, to) in outs.iter_mut().zip(&copy.to) {
            out.write_all(chunk).map_err(|e| Error::io(to, e))?;
        }
        Ok(())
    };
    let got = match &file.origin {
        Origin::Bytes(bytes) => {
            write(bytes)?;
            hash_bytes(bytes)
        }
        Origin::Disk(path) => crate::tree::hash_file_with(path, &mut write)?,
        Origin::Blob(path) => {
            crate::tree::hash_file_with(path, &mut write).map_err(|e| match e {
                Error::Unreadable { .. } => changed(file),
                e => e,
            })?
        }
    };
    if got != file.blob || written != file.size {
        return Err(changed(file));
    }
    if let Some(current) = copy.to.last().filter(|_| file.executable) {
        fsx::set_mode(current, true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(origin: Origin, bytes: &[u8], size: u64) -> PayloadFile {
        PayloadFile {
            rel: "a.md".into(),
            blob: hash_bytes(bytes),
            size,
            executable: false,
            origin,
        }
    }

    /// A file copied or read as planned passes; one whose size is not the
    /// listed one (rewritten since it was listed) does not, and a blob gone
    /// from the server is named by its hash, never its path.
    #[test]
    fn files_are_checked_for_their_listed_size_and_hash() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let from = dir.path().join("from");
        std::fs::write(&from, b"hello").expect("written");
        let copy = |f: &PayloadFile| {
            copy_verified(&StagedCopy {
                file: f,
                to: vec![dir.path().join("to")],
            })
        };
        let listed = file(Origin::Disk(from.clone()), b"hello", 5);
        copy(&listed).expect("as listed");
        assert_eq!(
            read_verified(&listed).expect("as listed").as_ref(),
            b"hello"
        );
        let grown = file(Origin::Disk(from.clone()), b"hello", 4);
        assert!(matches!(copy(&grown), Err(Error::BadInput { .. })));
        assert!(matches!(read_verified(&grown), Err(Error::BadInput { .. })));
        let gone = file(Origin::Blob(dir.path().join("gone")), b"hello", 5);
        let hex = hash_bytes(b"hello").to_hex();
        for e in [
            copy(&gone).expect_err("gone"),
            read_verified(&gone).expect_err("gone"),
        ] {
            match e {
                Error::MissingBlobs(names) => assert_eq!(names, vec![hex.clone()]),
                other => panic!("{other:?}"),
            }
        }
    }
}

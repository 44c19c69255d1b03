//! `skillmeat export`: a reproducible bundle zip.
//!
//! Reproducible means: entries sorted by name (UTF-8 bytes), every timestamp
//! 1980-01-01 00:00, unix mode 0644 (0755 when executable), deflate at level
//! 6 — except that an entry over 1 MiB that would deflate by more than 100:1
//! is stored, so that the bundle passes its own zip-bomb check — and a
//! manifest with no clock in it. The same content gives the same bytes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use skillmeat_core::discovery::{self, Listing, MAX_SMALL_FILE, ReadProblem};
use skillmeat_core::hash::{ContentHash, FileHasher, tree_hash};
use skillmeat_core::validate::Validation;
use skillmeat_core::{ArtifactKind, SafeRelPath};
use tracing::{info, info_span, warn};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

use super::contents::{self, Contents, Data, Entry};
use super::limits::{Limits, RATIO_FLOOR_BYTES, human, too_compressed};
use super::manifest::{BundleFile, BundleManifest, BundleMember, BundlePlugin, Expected};
use super::secrets::looks_like_secret;
use super::{FORMAT_VERSION, MANIFEST_NAME};
use crate::collection::Collection;
use crate::error::{Error, Result};

/// What to do with files that look like secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// Stop the export and name them.
    Refuse,
    /// Export them like any other file.
    Allow,
}

/// The bundle written (`export --json` prints the serialised fields).
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub path: PathBuf,
    /// SHA-256 of the zip file.
    pub content_hash: ContentHash,
    /// Files of the plugin in the zip (`skillmeat-bundle.json` not counted).
    pub files: usize,
    /// Size of the zip file.
    pub bytes: u64,
    #[serde(skip)]
    pub plugin: String,
    #[serde(skip)]
    pub version: Option<String>,
}

/// Compression level of every deflated entry.
const LEVEL: i64 = 6;

/// Exports the plugin (or the single artifact) `name_or_id` as a bundle at
/// `out` (default `./<name>-<version>.zip`, or a folder to put it in).
pub async fn export(
    collection: &Collection,
    name_or_id: &str,
    out: Option<&Path>,
    secrets: Secrets,
) -> Result<ExportReport> {
    let started = Instant::now();
    let contents = contents::gather(collection, name_or_id).await?;
    let _span = info_span!("bundle.export", plugin_name = %contents.name).entered();
    for d in &contents.drifted {
        warn!("{}: {d}", contents.name);
    }
    if secrets == Secrets::Refuse {
        refuse_secrets(&contents)?;
    }
    check_limits(&contents)?;
    let manifest = self_check(&contents)?;
    let target = output_path(out, &contents)?;
    let report = write(&contents, &manifest, &target)?;
    info!(
        plugin_name = %contents.name,
        path = %report.path.display(),
        files = report.files,
        bytes = report.bytes,
        duration_ms = started.elapsed().as_millis() as u64,
        "bundle_exported"
    );
    Ok(report)
}

/// A plugin as the tree its export unzips to: what a native deploy puts in
/// `.claude/skills/<plugin>/`.
#[derive(Debug)]
pub struct PluginTree {
    pub name: String,
    /// Every file by plugin-relative path, `skillmeat-bundle.json` included.
    pub files: Vec<TreeFile>,
    /// Each child with the place it has in the plugin (`""`: the root).
    pub members: Vec<(ArtifactKind, String, String)>,
    /// Children at a pinned version other than their current one.
    pub drifted: Vec<String>,
}

#[derive(Debug)]
pub struct TreeFile {
    pub path: String,
    pub sha256: ContentHash,
    pub executable: bool,
    /// Bytes made by the export (`.mcp.json`, a generated `plugin.json`,
    /// the bundle manifest); `None`: the stored blob of `sha256`.
    pub generated: Option<Vec<u8>>,
    /// The child it belongs to (`None`: the plugin's own, or generated).
    pub member: Option<(ArtifactKind, String)>,
}

/// The tree exporting `name_or_id` writes, checked the same way (it reads
/// back through discovery as the same plugin), without writing anything.
pub async fn plugin_tree(collection: &Collection, name_or_id: &str) -> Result<PluginTree> {
    let c = contents::gather(collection, name_or_id).await?;
    let manifest = self_check(&c)?;
    let manifest = Entry::generated(manifest.to_bytes());
    let mut files: Vec<TreeFile> = c
        .files
        .iter()
        .chain([(&MANIFEST_NAME.to_owned(), &manifest)])
        .map(|(path, e)| TreeFile {
            path: path.clone(),
            sha256: e.sha256,
            executable: e.executable,
            generated: match &e.data {
                contents::Data::Bytes(b) => Some(b.clone()),
                contents::Data::Blob(_) => None,
            },
            member: e.member.clone(),
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let members = c
        .members
        .iter()
        .map(|m| (m.kind, m.name.clone(), m.path.clone()))
        .collect();
    Ok(PluginTree {
        name: c.name,
        files,
        members,
        drifted: c.drifted,
    })
}

fn fail(c: &Contents, reason: String) -> Error {
    Error::Export {
        name: c.name.clone(),
        reason,
    }
}

fn refuse_secrets(c: &Contents) -> Result<()> {
    let found: Vec<&str> = c
        .files
        .keys()
        .map(String::as_str)
        .filter(|p| looks_like_secret(p))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(fail(
        c,
        format!(
            "{}: {} (pass --allow-secrets to export {} anyway)",
            if found.len() == 1 {
                "this file looks like a secret"
            } else {
                "these files look like secrets"
            },
            found.join(", "),
            if found.len() == 1 { "it" } else { "them" },
        ),
    ))
}

/// A bundle must be importable: the import limits apply to exports too.
fn check_limits(c: &Contents) -> Result<()> {
    let limits = Limits::DEFAULT;
    if c.files.len() + 1 > limits.entries {
        return Err(fail(
            c,
            format!(
                "{} files; a bundle may hold at most {}",
                c.files.len(),
                limits.entries - 1
            ),
        ));
    }
    if let Some((path, e)) = c.files.iter().find(|(_, e)| e.size > limits.file_bytes) {
        return Err(fail(
            c,
            format!(
                "{path} is {}; a bundle entry may hold at most {}",
                human(e.size),
                human(limits.file_bytes)
            ),
        ));
    }
    let total: u64 = c.files.values().map(|e| e.size).sum();
    if total > limits.plugin_bytes {
        return Err(fail(
            c,
            format!(
                "its files add up to {}; a bundle may hold at most {}",
                human(total),
                human(limits.plugin_bytes)
            ),
        ));
    }
    Ok(())
}

/// What Claude Code would make of the plugin `name_or_id` as exporting (or
/// deploying) it writes it: its files read through core discovery, which
/// validates them (`skillmeat_core::validate`).
pub async fn claude_code_verdict(collection: &Collection, name_or_id: &str) -> Result<Validation> {
    let c = contents::gather(collection, name_or_id).await?;
    let found = discover(&c).map_err(|reason| fail(&c, reason))?;
    Ok(found
        .plugins
        .into_iter()
        .find(|p| p.root.is_root())
        .map(|p| p.validation)
        .unwrap_or_default())
}

/// Core discovery over the bundle's files.
fn discover(c: &Contents) -> std::result::Result<discovery::Discovery, String> {
    let listing = Listing::new(c.files.keys()).map_err(|e| e.to_string())?;
    let read = |rel: &str| -> Result<Vec<u8>, ReadProblem> {
        let e = c.files.get(rel).ok_or(ReadProblem::Failed)?;
        if e.size > MAX_SMALL_FILE {
            return Err(ReadProblem::TooLarge);
        }
        e.data.read().map_err(|_| ReadProblem::Failed)
    };
    discovery::discover(&listing, &c.name, &read).map_err(|e| e.to_string())
}

/// Reads the bundle's files back through core discovery, exactly as an
/// import of the unzipped bundle will, and checks that they are one plugin
/// with the same children at the same hashes. Returns the bundle manifest.
fn self_check(c: &Contents) -> Result<BundleManifest> {
    let wrong = |reason: String| {
        fail(
            c,
            format!("the bundle would not read back as the same plugin: {reason}"),
        )
    };
    let found = discover(c).map_err(wrong)?;
    let plugin = match found.plugins.as_slice() {
        [one] => one,
        many => {
            return Err(wrong(format!(
                "discovery finds {} plugins in it{}",
                many.len(),
                found
                    .warnings
                    .first()
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            )));
        }
    };
    if plugin.name != c.name || !plugin.root.is_root() {
        return Err(wrong(format!(
            "it reads as the plugin {:?} at {}",
            plugin.name, plugin.root
        )));
    }
    if plugin.files.len() != c.files.len() {
        return Err(wrong(format!(
            "only {} of its {} files belong to the plugin",
            plugin.files.len(),
            c.files.len()
        )));
    }
    let digest = |p: &SafeRelPath| c.files.get(p.as_str()).map(|e| e.sha256);
    let expected: Vec<Expected<'_>> = c
        .members
        .iter()
        .map(|m| Expected {
            kind: m.kind,
            name: &m.name,
            path: &m.path,
            hash: m.pinned,
        })
        .collect();
    let partners = super::manifest::match_members(plugin, &digest, &expected).map_err(wrong)?;
    let members = c
        .members
        .iter()
        .zip(partners)
        .map(|(m, child)| BundleMember {
            kind: m.kind,
            name: plugin.children[child].name.clone(),
            path: m.path.clone(),
            relationship: m.relationship,
            pinned_hash: m.pinned,
        })
        .collect();
    let files: Vec<BundleFile> = c
        .files
        .iter()
        .map(|(path, e)| BundleFile {
            path: path.clone(),
            size: e.size,
            sha256: e.sha256,
            executable: e.executable,
        })
        .collect();
    let content_hash = tree_hash(files.iter().map(|f| (f.path.as_str(), f.sha256)))
        .map_err(|e| wrong(e.to_string()))?
        .content_hash;
    Ok(BundleManifest {
        format_version: FORMAT_VERSION,
        plugin: BundlePlugin {
            name: c.name.clone(),
            version: c.version.clone(),
            description: c.description.clone(),
            content_hash,
            origin: c.origin.clone(),
        },
        members,
        files,
    })
}

/// `-o FILE`, `-o FOLDER/` (the default name inside it), or the default
/// name in the current folder.
fn output_path(out: Option<&Path>, c: &Contents) -> Result<PathBuf> {
    let slug = |s: &str| -> String {
        let s: String = s
            .chars()
            .map(|ch| {
                if ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.' | '+') {
                    ch
                } else {
                    '-'
                }
            })
            .collect();
        s.trim_start_matches('.').to_owned()
    };
    let default = match &c.version {
        Some(v) => format!("{}-{}.zip", slug(&c.name), slug(v)),
        None => format!("{}.zip", slug(&c.name)),
    };
    let path = match out {
        Some(p) if p.is_dir() => p.join(default),
        Some(p) => p.to_owned(),
        None => PathBuf::from(default),
    };
    std::path::absolute(&path).map_err(|e| Error::io(&path, e))
}

fn options(method: CompressionMethod, executable: bool) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(method)
        .compression_level((method == CompressionMethod::Deflated).then_some(LEVEL))
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(if executable { 0o755 } else { 0o644 })
        .large_file(false)
}

/// Reads an entry's bytes, checking them against the hash the store gave.
struct Checked<R> {
    inner: R,
    hasher: FileHasher,
    bytes: u64,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn source(e: &Entry) -> Result<Box<dyn Read + '_>> {
    Ok(match &e.data {
        Data::Blob(path) => Box::new(io::BufReader::new(
            File::open(path).map_err(|err| Error::io(path, err))?,
        )),
        Data::Bytes(bytes) => Box::new(&bytes[..]),
    })
}

/// Deflate, unless deflate would make the entry look like a zip bomb.
fn method_for(e: &Entry) -> Result<CompressionMethod> {
    if e.size <= RATIO_FLOOR_BYTES {
        return Ok(CompressionMethod::Deflated);
    }
    let zip_err = |err: zip::result::ZipError| Error::Internal(format!("measuring deflate: {err}"));
    let mut probe = ZipWriter::new(Cursor::new(Vec::new()));
    probe
        .start_file("probe", options(CompressionMethod::Deflated, false))
        .map_err(zip_err)?;
    io::copy(&mut source(e)?, &mut probe).map_err(|err| Error::Internal(err.to_string()))?;
    let mut written = ZipArchive::new(probe.finish().map_err(zip_err)?).map_err(zip_err)?;
    let compressed = written.by_index(0).map_err(zip_err)?.compressed_size();
    Ok(if too_compressed(e.size, compressed) {
        CompressionMethod::Stored
    } else {
        CompressionMethod::Deflated
    })
}

fn add_entry<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    name: &str,
    e: &Entry,
    zip_path: &Path,
) -> Result<()> {
    let zip_err = |err: zip::result::ZipError| Error::io(zip_path, io::Error::other(err));
    zip.start_file(name, options(method_for(e)?, e.executable))
        .map_err(zip_err)?;
    let mut input = Checked {
        inner: source(e)?,
        hasher: FileHasher::new(),
        bytes: 0,
    };
    io::copy(&mut input, zip).map_err(|err| Error::io(zip_path, err))?;
    if input.hasher.finish() != e.sha256 || input.bytes != e.size {
        let what = match &e.data {
            Data::Blob(p) => p.clone(),
            Data::Bytes(_) => PathBuf::from(name),
        };
        return Err(Error::BadInput {
            path: what,
            reason: format!(
                "the stored copy of {name} no longer matches its hash; run `skillmeat verify`"
            ),
        });
    }
    Ok(())
}

/// Writes the zip next to `target`, then renames it into place.
fn write(c: &Contents, manifest: &BundleManifest, target: &Path) -> Result<ExportReport> {
    let dir = target
        .parent()
        .ok_or_else(|| Error::Internal(format!("{} has no parent", target.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".zip")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let manifest_entry = Entry::generated(manifest.to_bytes());
    let mut entries: BTreeMap<&str, &Entry> =
        c.files.iter().map(|(p, e)| (p.as_str(), e)).collect();
    entries.insert(MANIFEST_NAME, &manifest_entry);
    {
        let mut zip = ZipWriter::new(BufWriter::new(tmp.as_file()));
        for (name, e) in &entries {
            add_entry(&mut zip, name, e, target)?;
        }
        let out = zip
            .finish()
            .map_err(|e| Error::io(target, io::Error::other(e)))?;
        out.into_inner()
            .map_err(|e| Error::io(target, e.into_error()))?
            .sync_all()
            .map_err(|e| Error::io(target, e))?;
    }
    crate::fsx::set_mode(tmp.path(), false)?;
    let mut hasher = FileHasher::new();
    let mut bytes = 0u64;
    let mut reader = File::open(tmp.path()).map_err(|e| Error::io(tmp.path(), e))?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| Error::io(tmp.path(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    tmp.persist(target)
        .map_err(|e| Error::io(target, e.error))?;
    Ok(ExportReport {
        path: target.to_owned(),
        content_hash: hasher.finish(),
        files: c.files.len(),
        bytes,
        plugin: c.name.clone(),
        version: c.version.clone(),
    })
}

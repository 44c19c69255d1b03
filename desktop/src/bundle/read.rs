//! Reading a bundle zip without trusting it (DESIGN.md §8).
//!
//! [`verify`] writes nothing. It reads the central directory entry by entry
//! (duplicate names stay visible; each local header must agree with its
//! central one) and refuses the whole bundle, naming the entry, when any of
//! these fails:
//!
//! * at most [`MAX_ENTRIES`](super::limits::MAX_ENTRIES) entries;
//! * every name is UTF-8 and a [`SafeRelPath`](skillmeat_core::SafeRelPath) (no `..`, absolute path,
//!   backslash, drive letter, NUL or control character), is not a name the
//!   content hash excludes, and appears once, also after dropping a trailing
//!   `/`; no name is both a file and a folder;
//! * regular files and folders only: no symbolic link or special file (the
//!   unix mode in the external attributes), no encryption, stored or deflate;
//! * an entry expands to at most 256 MiB, the bundle to at most 1 GiB, and
//!   an entry over 1 MiB by at most 100:1 ([`limits`](super::limits)) — checked on the declared sizes first, then on the bytes
//!   actually decompressed (headers are never trusted);
//! * `skillmeat-bundle.json` is present and valid, lists every other file and
//!   nothing more, and each file's size, SHA-256 and executable bit match it,
//!   as does the plugin's content hash.
//!
//! [`VerifiedBundle::extract`] then writes the files into a fresh folder,
//! checking every byte again on the way.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use skillmeat_core::hash::tree_hash;
use zip::read::Config;
use zip::unstable::read::ZipIterable;

use super::MANIFEST_NAME;
use super::entry::{Checked, Header, What, check_header, check_names};
use super::limits::{DrainError, Limits, PLUGIN_FLAG, drain, human};
use super::manifest::BundleManifest;
use crate::error::{Error, Result};
use crate::fsx;

/// `skillmeat-bundle.json` is read into memory: at most this large.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// A bundle that passed every check of [`verify`].
#[derive(Debug)]
pub struct VerifiedBundle {
    pub path: PathBuf,
    pub manifest: BundleManifest,
    entries: Vec<Checked>,
    limits: Limits,
}

fn bad(bundle: &Path, entry: Option<&str>, reason: impl Into<String>) -> Error {
    let reason = reason.into();
    Error::BadBundle {
        bundle: bundle.to_owned(),
        reason: match entry {
            Some(e) => format!("entry {e:?}: {reason}"),
            None => reason,
        },
    }
}

type Zip = ZipIterable<BufReader<File>>;

fn open_zip(path: &Path) -> Result<Zip> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NotFound(path.to_owned()),
        _ => Error::Unreadable {
            path: path.to_owned(),
            source: e,
        },
    })?;
    Ok(
        ZipIterable::try_new(BufReader::new(file), Config::default())
            .map_err(|e| bad(path, None, format!("not a valid zip archive: {e}")))?
            .enforce_header_consistency(true),
    )
}

fn body_reader(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::Unreadable {
            path: path.to_owned(),
            source: e,
        })
}

/// Checks a bundle zip completely; writes nothing.
pub fn verify(path: &Path, limits: &Limits) -> Result<VerifiedBundle> {
    let mut zip = open_zip(path)?;
    if zip.len() > limits.entries {
        return Err(bad(
            path,
            None,
            format!(
                "has {} entries; a bundle may hold at most {}",
                zip.len(),
                limits.entries
            ),
        ));
    }
    // 1. Headers.
    let mut entries = Vec::with_capacity(zip.len());
    let mut declared = 0u64;
    let files = zip
        .files()
        .map_err(|e| bad(path, None, format!("unreadable zip: {e}")))?;
    for item in files {
        let entry = item.map_err(|e| bad(path, None, format!("unreadable zip: {e}")))?;
        let checked = check_header(&Header::of(&entry), limits).map_err(|reason| {
            bad(
                path,
                Some(&String::from_utf8_lossy(entry.name_raw())),
                reason,
            )
        })?;
        declared = declared.saturating_add(checked.size);
        if declared > limits.plugin_bytes {
            return Err(bad(
                path,
                Some(&checked.name),
                format!(
                    "takes the bundle past {} uncompressed, the most a bundle may hold ({PLUGIN_FLAG})",
                    human(limits.plugin_bytes)
                ),
            ));
        }
        entries.push(checked);
    }
    check_names(&entries).map_err(|(entry, reason)| bad(path, Some(&entry), reason))?;

    // 2. The manifest, and the list of files against it.
    let manifest = read_manifest(path, &mut zip, &entries, limits)?;
    let listed: HashMap<&str, usize> = manifest
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    let mut present = HashSet::new();
    for e in &entries {
        if e.name == MANIFEST_NAME || e.what == What::Folder {
            continue;
        }
        if !listed.contains_key(e.name.as_str()) {
            return Err(bad(
                path,
                Some(&e.name),
                format!("is not listed in {MANIFEST_NAME}"),
            ));
        }
        present.insert(e.name.as_str());
    }
    if let Some(missing) = manifest
        .files
        .iter()
        .find(|f| !present.contains(f.path.as_str()))
    {
        return Err(bad(
            path,
            Some(&missing.path),
            format!("is listed in {MANIFEST_NAME} but is not in the zip"),
        ));
    }

    // 3. Every byte.
    let verified = VerifiedBundle {
        path: path.to_owned(),
        manifest,
        entries,
        limits: *limits,
    };
    verified.read_files(&mut zip, |_, _| Ok(io::sink()))?;
    let digests = verified
        .manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256));
    let whole = tree_hash(digests)
        .map_err(|e| bad(path, Some(MANIFEST_NAME), e.to_string()))?
        .content_hash;
    if whole != verified.manifest.plugin.content_hash {
        return Err(bad(
            path,
            Some(MANIFEST_NAME),
            format!(
                "plugin.content_hash {} does not match the files (they hash to {})",
                verified.manifest.plugin.content_hash, whole
            ),
        ));
    }
    Ok(verified)
}

fn read_manifest(
    path: &Path,
    zip: &mut Zip,
    entries: &[Checked],
    limits: &Limits,
) -> Result<BundleManifest> {
    let Some(index) = entries
        .iter()
        .position(|e| e.name == MANIFEST_NAME && matches!(e.what, What::File { .. }))
    else {
        return Err(bad(
            path,
            None,
            format!(
                "has no {MANIFEST_NAME}: not a skillmeat bundle (make one with `skillmeat export`)"
            ),
        ));
    };
    let mut body = body_reader(path)?;
    let entry = zip
        .files()
        .map_err(|e| bad(path, None, format!("unreadable zip: {e}")))?
        .nth(index)
        .ok_or_else(|| bad(path, None, "the zip changed while it was being read"))?
        .map_err(|e| bad(path, None, format!("unreadable zip: {e}")))?;
    let file = entry
        .with_reader(&mut body, zip::ZipReadOptions::new())
        .map_err(|e| bad(path, Some(MANIFEST_NAME), format!("cannot be read: {e}")))?;
    let manifest_limits = Limits {
        file_bytes: limits.file_bytes.min(MAX_MANIFEST_BYTES),
        ..*limits
    };
    let mut bytes = Vec::new();
    let mut total = 0;
    drain(
        file,
        entries[index].compressed,
        &manifest_limits,
        &mut total,
        &mut bytes,
    )
    .map_err(|e| match e {
        DrainError::Bundle(reason) => bad(path, Some(MANIFEST_NAME), reason),
        DrainError::Write(e) => bad(path, Some(MANIFEST_NAME), e.to_string()),
    })?;
    BundleManifest::parse(&bytes).map_err(|reason| bad(path, Some(MANIFEST_NAME), reason))
}

impl VerifiedBundle {
    /// Reads every listed file of the zip through [`drain`] into the writer
    /// `open` gives for it, checking it against the manifest.
    fn read_files<W: Write>(
        &self,
        zip: &mut Zip,
        mut open: impl FnMut(&str, bool) -> Result<W>,
    ) -> Result<()> {
        let path = self.path.as_path();
        let listed: HashMap<&str, &super::manifest::BundleFile> = self
            .manifest
            .files
            .iter()
            .map(|f| (f.path.as_str(), f))
            .collect();
        let mut body = body_reader(path)?;
        let mut total = 0u64;
        let mut index = 0usize;
        let files = zip
            .files()
            .map_err(|e| bad(path, None, format!("unreadable zip: {e}")))?;
        for item in files {
            let entry = item.map_err(|e| bad(path, None, format!("unreadable zip: {e}")))?;
            let checked = self
                .entries
                .get(index)
                .filter(|c| c.raw_name == entry.name_raw())
                .ok_or_else(|| bad(path, None, "the zip changed while it was being read"))?;
            index += 1;
            let What::File { executable } = checked.what else {
                continue;
            };
            if checked.name == MANIFEST_NAME {
                continue;
            }
            let name = checked.name.as_str();
            let Some(want) = listed.get(name) else {
                return Err(bad(
                    path,
                    Some(name),
                    format!("is not listed in {MANIFEST_NAME}"),
                ));
            };
            if want.executable != executable {
                return Err(bad(
                    path,
                    Some(name),
                    format!(
                        "is {}executable in the zip but {MANIFEST_NAME} says executable: {}",
                        if executable { "" } else { "not " },
                        want.executable
                    ),
                ));
            }
            let file = entry
                .with_reader(&mut body, zip::ZipReadOptions::new())
                .map_err(|e| bad(path, Some(name), format!("cannot be read: {e}")))?;
            let mut out = open(name, executable)?;
            let got = drain(file, checked.compressed, &self.limits, &mut total, &mut out).map_err(
                |e| match e {
                    DrainError::Bundle(reason) => bad(path, Some(name), reason),
                    DrainError::Write(e) => Error::io(path, e),
                },
            )?;
            out.flush().map_err(|e| Error::io(path, e))?;
            if got.bytes != want.size {
                return Err(bad(
                    path,
                    Some(name),
                    format!(
                        "is {} bytes, but {MANIFEST_NAME} says {}",
                        got.bytes, want.size
                    ),
                ));
            }
            if got.sha256 != want.sha256 {
                return Err(bad(
                    path,
                    Some(name),
                    format!(
                        "content does not match {MANIFEST_NAME}: its SHA-256 is {}, the manifest says {}",
                        got.sha256, want.sha256
                    ),
                ));
            }
        }
        if index != self.entries.len() {
            return Err(bad(path, None, "the zip changed while it was being read"));
        }
        Ok(())
    }

    /// Writes every listed file below `dir` (which must be empty), with its
    /// executable bit, checking every byte again.
    pub fn extract(&self, dir: &Path) -> Result<()> {
        let mut zip = open_zip(&self.path)?;
        let mut made: Vec<(PathBuf, bool)> = Vec::new();
        self.read_files(&mut zip, |name, executable| {
            let to = dir.join(name);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let file = File::options()
                .write(true)
                .create_new(true)
                .open(&to)
                .map_err(|e| Error::io(&to, e))?;
            made.push((to, executable));
            Ok(BufWriter::new(file))
        })?;
        for (file, executable) in made {
            fsx::set_mode(&file, executable)?;
        }
        Ok(())
    }
}

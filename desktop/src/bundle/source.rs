//! A bundle as an import source: verified, extracted into scratch space,
//! read by the same [`Source::open`] as any folder, and checked to be the
//! plugin its manifest describes. The import itself is the one
//! transactional import (`import::import_plugin`); nothing here writes to a
//! collection.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use skillmeat_core::SafeRelPath;
use tempfile::TempDir;

use super::limits::Limits;
use super::manifest::{BundleManifest, Expected, match_members};
use super::read;
use crate::error::{Error, ErrorCode, Result};
use crate::fsx;
use crate::inspect::Source;

/// A source ready to preview or import.
#[derive(Debug)]
pub struct Opened {
    pub source: Source,
    /// The bundle's manifest, when the source is a bundle.
    pub bundle: Option<BundleManifest>,
    /// The folder the bundle was extracted into (the plugin's root).
    extracted: Option<PathBuf>,
    /// The extraction folder and the lock that marks it in use; removed on drop.
    _scratch: Option<(TempDir, File)>,
}

impl Opened {
    /// A folder already read (a tree rebuilt from uploads).
    pub fn folder(source: Source) -> Opened {
        Opened {
            source,
            bundle: None,
            extracted: None,
            _scratch: None,
        }
    }

    /// Where a bundle's files were extracted (`source.tree.root` names the
    /// zip); `None` for a folder. It lives as long as `self`.
    pub fn extracted(&self) -> Option<&Path> {
        self.extracted.as_deref()
    }
}

/// Whether `path` is a zip file (by its `.zip` name or its first bytes).
pub fn is_bundle(path: &Path) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return true;
    }
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06")
}

/// [`open_with`] the limits in force.
pub fn open(path: &Path, scratch: &Path) -> Result<Opened> {
    open_with(path, scratch, &Limits::in_force())
}

/// Opens a folder as it is; a bundle zip is verified first (nothing is
/// written before it passes), then extracted into a fresh folder below
/// `scratch` (created if needed; the folder goes when the [`Opened`] is
/// dropped) and read like a folder. Both are read under `limits`.
pub fn open_with(path: &Path, scratch: &Path, limits: &Limits) -> Result<Opened> {
    if !is_bundle(path) {
        return Ok(Opened {
            source: Source::open_with(path, limits)?,
            bundle: None,
            extracted: None,
            _scratch: None,
        });
    }
    let verified = read::verify(path, limits)?;
    fsx::create_private_dir(scratch)?;
    sweep_stale(scratch);
    let dir = tempfile::Builder::new()
        .prefix(".bundle-")
        .tempdir_in(scratch)
        .map_err(|e| Error::io(scratch, e))?;
    // Held while the bundle is in use, so `sweep_stale` leaves it alone.
    let lock_path = dir.path().join(".lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    let folder = dir.path().join(folder_name(&verified.manifest.plugin.name));
    fsx::create_private_dir(&folder)?;
    verified.extract(&folder)?;
    let bad = |reason: String| Error::BadBundle {
        bundle: path.to_owned(),
        reason,
    };
    let mut source = Source::open_with(&folder, limits).map_err(|e| match e.code() {
        ErrorCode::Internal => e,
        _ => bad(format!("does not hold a plugin skillmeat can read: {e}")),
    })?;
    check_members(&mut source, &verified.manifest).map_err(bad)?;
    // Imported artifacts record the bundle as their source, not scratch space.
    source.tree.root = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    Ok(Opened {
        source,
        bundle: Some(verified.manifest),
        extracted: Some(folder),
        _scratch: Some((dir, lock)),
    })
}

/// Removes extraction folders left by killed processes: their lock is free
/// (or, for one killed before it took its lock, they are over an hour old).
fn sweep_stale(scratch: &Path) {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(".bundle-") {
            continue;
        }
        let dir = entry.path();
        let dead = match File::open(dir.join(".lock")) {
            Ok(f) => f.try_lock().is_ok(),
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600),
        };
        if dead {
            let _ = fsx::remove_any(&dir);
        }
    }
}

/// A folder name for the plugin: its name when that is one plain component.
fn folder_name(name: &str) -> &str {
    let plain = SafeRelPath::new(name).is_ok() && !name.contains('/') && !name.starts_with('.');
    if plain { name } else { "plugin" }
}

/// The extracted files must read as exactly one plugin, the one named in
/// the manifest, whose children are the listed members at their pinned
/// hashes. Relationships come from the manifest (a Claude Code manifest has
/// no way to say REQUIRED or OPTIONAL).
fn check_members(source: &mut Source, manifest: &BundleManifest) -> Result<(), String> {
    let digests = &source.digests;
    let plugins = &mut source.discovery.plugins;
    let plugin = match plugins.as_mut_slice() {
        [one] => one,
        many => {
            return Err(format!(
                "holds {} plugins; a bundle holds exactly one",
                many.len()
            ));
        }
    };
    if plugin.name != manifest.plugin.name {
        return Err(format!(
            "holds the plugin {:?}, but skillmeat-bundle.json names {:?}",
            plugin.name, manifest.plugin.name
        ));
    }
    let root = plugin.root.clone();
    let digest = |p: &SafeRelPath| digests.get(root.join(p).as_str()).copied();
    let expected: Vec<Expected<'_>> = manifest
        .members
        .iter()
        .map(|m| Expected {
            kind: m.kind,
            name: &m.name,
            path: &m.path,
            hash: m.pinned_hash,
        })
        .collect();
    let partners = match_members(plugin, &digest, &expected)
        .map_err(|e| format!("does not match skillmeat-bundle.json: {e}"))?;
    for (member, child) in manifest.members.iter().zip(partners) {
        plugin.children[child].relationship = member.relationship;
    }
    Ok(())
}

//! The source the desktop app's import wizard is reading. A folder is read
//! where it is; a bundle zip is verified and extracted once (`bundle::open`,
//! the same checks as an import) so the engine previews it and the page
//! reads the files of the conflict it diffs. One bundle is staged at a
//! time: listing or previewing another source, importing it or closing the
//! app removes the extracted copy (a killed app's copy is swept by the next
//! `bundle::open`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::source;
use super::transfer::{SourceFile, SourceListing};
use crate::bundle::{self, Limits, Opened};
use crate::error::{Error, Result};

/// The staged bundle, if any (a handle: clones share it).
#[derive(Debug, Clone, Default)]
pub struct Staging {
    current: Arc<Mutex<Option<Staged>>>,
}

#[derive(Debug)]
struct Staged {
    /// The zip, canonical.
    zip: PathBuf,
    opened: Arc<Opened>,
}

/// A folder to read from, kept alive while it is read.
#[derive(Debug)]
pub(super) struct Root {
    pub path: PathBuf,
    _keep: Option<Arc<Opened>>,
}

impl Staging {
    fn lock(&self) -> MutexGuard<'_, Option<Staged>> {
        // A panic while holding the lock leaves nothing half-done.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lists `path`. A bundle zip is verified and extracted below `scratch`
    /// and replaces the staged one; a folder releases it.
    pub(super) fn list(&self, path: &Path, scratch: &Path) -> Result<SourceListing> {
        self.lock().take();
        if !bundle::is_bundle(path) {
            return source::list(path);
        }
        let opened = bundle::open(path, scratch)?;
        let folder = opened
            .extracted()
            .ok_or_else(|| Error::Internal("a bundle without its extracted folder".into()))?;
        let mut files = Vec::with_capacity(opened.source.tree.files.len());
        for f in &opened.source.tree.files {
            let size = std::fs::metadata(&f.path)
                .map_err(|e| Error::io(&f.path, e))?
                .len();
            files.push(SourceFile {
                path: f.rel.clone(),
                size,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let zip = opened.source.tree.root.clone();
        let listing = SourceListing {
            path: zip.display().to_string(),
            // Discovery's root name: the engine reads the extracted folder.
            root_name: source::root_name(folder),
            bundle: true,
            files,
        };
        *self.lock() = Some(Staged {
            zip,
            opened: Arc::new(opened),
        });
        Ok(listing)
    }

    /// Opens `path` (a folder, or a bundle zip verified and extracted below
    /// `scratch` under `limits`) for a preview. A bundle replaces the staged
    /// one, so its conflicts can be diffed; a folder releases it.
    pub(super) fn open(&self, path: &Path, scratch: &Path, limits: &Limits) -> Result<Arc<Opened>> {
        self.lock().take();
        let opened = Arc::new(bundle::open_with(path, scratch, limits)?);
        if opened.extracted().is_some() {
            *self.lock() = Some(Staged {
                zip: opened.source.tree.root.clone(),
                opened: opened.clone(),
            });
        }
        Ok(opened)
    }

    /// The folder to read `root`'s files from: the extracted copy when
    /// `root` is the staged bundle, `root` itself when it is a folder.
    pub(super) fn root(&self, root: &Path) -> Result<Root> {
        if !bundle::is_bundle(root) {
            return Ok(Root {
                path: root.to_owned(),
                _keep: None,
            });
        }
        let zip = std::fs::canonicalize(root).map_err(|_| Error::NotFound(root.to_owned()))?;
        let guard = self.lock();
        let staged = guard
            .as_ref()
            .filter(|s| s.zip == zip)
            .ok_or_else(|| Error::BadInput {
                path: root.to_owned(),
                reason: "is a bundle that is not open; list it first".into(),
            })?;
        let path = staged
            .opened
            .extracted()
            .ok_or_else(|| Error::Internal("a bundle without its extracted folder".into()))?
            .to_owned();
        Ok(Root {
            path,
            _keep: Some(staged.opened.clone()),
        })
    }

    /// Removes the extracted copy of `zip` if it is the staged one.
    pub fn release(&self, zip: &Path) {
        let Ok(zip) = std::fs::canonicalize(zip) else {
            return;
        };
        let mut guard = self.lock();
        if guard.as_ref().is_some_and(|s| s.zip == zip) {
            guard.take();
        }
    }
}

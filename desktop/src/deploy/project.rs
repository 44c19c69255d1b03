//! The project a deployment writes into, reached only through checked
//! relative paths: nothing outside the project, no symbolic link on the
//! way (a `.claude` linked to `~/.claude` is refused, not written through),
//! only regular files read, and reads bounded in size.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use skillmeat_core::SafeRelPath;
use skillmeat_core::hash::{ContentHash, FileHasher};

use crate::error::{Error, Result};

/// A project's root folder (canonical).
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
}

/// What a project path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Missing,
    /// A regular file: its SHA-256, its permission bits, and whether we
    /// may write it.
    File {
        hash: ContentHash,
        mode: u32,
        writable: bool,
    },
    /// A folder, a link, a FIFO …: never read, never replaced.
    Other(FileKind),
}

/// What sits at a path, when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Link,
    Folder,
    Fifo,
    Socket,
    Device,
    Regular,
}

impl FileKind {
    fn of(t: &fs::FileType) -> FileKind {
        use std::os::unix::fs::FileTypeExt;
        if t.is_symlink() {
            FileKind::Link
        } else if t.is_dir() {
            FileKind::Folder
        } else if t.is_fifo() {
            FileKind::Fifo
        } else if t.is_socket() {
            FileKind::Socket
        } else if t.is_block_device() || t.is_char_device() {
            FileKind::Device
        } else {
            FileKind::Regular
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Link => "symbolic link",
            FileKind::Folder => "folder",
            FileKind::Fifo => "FIFO",
            FileKind::Socket => "socket",
            FileKind::Device => "device",
            FileKind::Regular => "regular file",
        })
    }
}

impl Entry {
    /// Read-only (to its owner, or to us): skillmeat never replaces it.
    pub fn read_only(&self) -> bool {
        matches!(self, Entry::File { mode, writable, .. } if mode & 0o200 == 0 || !writable)
    }

    pub fn hash(&self) -> Option<&ContentHash> {
        match self {
            Entry::File { hash, .. } => Some(hash),
            _ => None,
        }
    }
}

impl Project {
    /// The project at `path`, which must be an existing folder.
    pub fn open(path: &Path) -> Result<Project> {
        let root = fs::canonicalize(path).map_err(|_| Error::NotFound(path.to_owned()))?;
        if !root.is_dir() {
            return Err(Error::BadInput {
                path: path.to_owned(),
                reason: "is not a folder; --project needs the project's root folder".into(),
            });
        }
        if root
            .components()
            .any(|c| c.as_os_str() == super::CLAUDE_DIR)
        {
            return Err(Error::BadInput {
                path: path.to_owned(),
                reason: "is inside a .claude folder; --project needs the project's root folder (the one holding .claude)".into(),
            });
        }
        Ok(Project { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute path of a project-relative one.
    pub fn path(&self, rel: &SafeRelPath) -> PathBuf {
        self.root.join(rel.as_str())
    }

    /// Checks that every existing folder on the way to `rel` (not `rel`
    /// itself) is a real folder, not a link; returns those that are missing,
    /// outermost first.
    pub fn missing_parents(&self, rel: &SafeRelPath) -> Result<Vec<SafeRelPath>> {
        let mut missing = Vec::new();
        let mut dir = rel.parent();
        let mut chain = Vec::new();
        while !dir.is_root() {
            chain.push(dir.clone());
            dir = dir.parent();
        }
        for d in chain.into_iter().rev() {
            if !missing.is_empty() {
                missing.push(d);
                continue;
            }
            match fs::symlink_metadata(self.path(&d)) {
                Ok(m) if m.is_dir() => {}
                Ok(m) => return Err(self.refuse(&d, FileKind::of(&m.file_type()), "a folder")),
                Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(d),
                Err(e) => return Err(self.io(&d, e)),
            }
        }
        Ok(missing)
    }

    /// What is at `rel` (its parent folders checked first).
    pub fn entry(&self, rel: &SafeRelPath) -> Result<Entry> {
        if !self.missing_parents(rel)?.is_empty() {
            return Ok(Entry::Missing);
        }
        match fs::symlink_metadata(self.path(rel)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Entry::Missing),
            Err(e) => Err(self.io(rel, e)),
            Ok(m) if !m.is_file() => Ok(Entry::Other(FileKind::of(&m.file_type()))),
            Ok(_) => match self.open_regular(rel)? {
                None => Ok(Entry::Missing),
                Some((file, mode)) => Ok(Entry::File {
                    hash: hash_reader(file).map_err(|e| self.io(rel, e))?,
                    mode,
                    writable: self.writable(rel),
                }),
            },
        }
    }

    /// Whether we may write the file at `rel` (for root: always).
    pub fn writable(&self, rel: &SafeRelPath) -> bool {
        rustix::fs::access(self.path(rel), rustix::fs::Access::WRITE_OK).is_ok()
    }

    /// A regular file's bytes, at most `limit` of them (`None`: missing).
    /// Anything else at `rel`, or a larger file, is an error naming it.
    pub fn read(&self, rel: &SafeRelPath, limit: u64) -> Result<Option<(Vec<u8>, u32)>> {
        if !self.missing_parents(rel)?.is_empty() {
            return Ok(None);
        }
        if let Ok(m) = fs::symlink_metadata(self.path(rel))
            && !m.is_file()
        {
            return Err(self.refuse(rel, FileKind::of(&m.file_type()), "a regular file"));
        }
        let Some((file, mode)) = self.open_regular(rel)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io(rel, e))?;
        if bytes.len() as u64 > limit {
            return Err(Error::BadInput {
                path: self.path(rel),
                reason: format!("is larger than {} MiB; left untouched", limit >> 20),
            });
        }
        Ok(Some((bytes, mode)))
    }

    /// Opens a regular file without following a link (`None`: missing).
    fn open_regular(&self, rel: &SafeRelPath) -> Result<Option<(File, u32)>> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(self.path(rel));
        let file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(self.refuse(rel, FileKind::Link, "a regular file"));
            }
            Err(e) => return Err(self.io(rel, e)),
        };
        let meta = file.metadata().map_err(|e| self.io(rel, e))?;
        if !meta.is_file() {
            return Err(self.refuse(rel, FileKind::of(&meta.file_type()), "a regular file"));
        }
        Ok(Some((file, meta.permissions().mode() & 0o7777)))
    }

    /// The owner (user, group) of what is at `rel`, not following links.
    pub fn owner(&self, rel: &SafeRelPath) -> Option<(u32, u32)> {
        fs::symlink_metadata(self.path(rel))
            .ok()
            .map(|m| (m.uid(), m.gid()))
    }

    /// The owner a new file or folder at `rel` should have: that of the
    /// nearest folder on the way that exists. (Only root can give a file
    /// away; `sudo skillmeat deploy` then leaves the user's project theirs.)
    pub fn owner_for_new(&self, rel: &SafeRelPath) -> Option<(u32, u32)> {
        let mut dir = rel.parent();
        loop {
            if let Ok(m) = fs::symlink_metadata(self.path(&dir)) {
                return Some((m.uid(), m.gid()));
            }
            if dir.is_root() {
                return None;
            }
            dir = dir.parent();
        }
    }

    /// Gives what we just created at `rel` the owner of the folder it is in
    /// (see [`Project::owner_for_new`]); a refusal (not root) is fine.
    pub fn adopt(&self, rel: &SafeRelPath) {
        if let Some((uid, gid)) = self.owner_for_new(rel) {
            let _ = std::os::unix::fs::lchown(self.path(rel), Some(uid), Some(gid));
        }
    }

    /// Whether anything (a link included, not followed) is at `rel`.
    pub fn has(&self, rel: &SafeRelPath) -> bool {
        fs::symlink_metadata(self.path(rel)).is_ok()
    }

    /// The identity (device, inode) of what is at `rel`, not following links.
    pub fn identity(&self, rel: &SafeRelPath) -> Option<(u64, u64)> {
        fs::symlink_metadata(self.path(rel))
            .ok()
            .map(|m| (m.dev(), m.ino()))
    }

    /// An error about something in the project the user can fix.
    pub fn io(&self, rel: &SafeRelPath, source: io::Error) -> Error {
        Error::Project {
            path: self.path(rel),
            source,
        }
    }

    fn refuse(&self, rel: &SafeRelPath, found: FileKind, wanted: &str) -> Error {
        let why = if found == FileKind::Link {
            "; deploy never reads or writes through a link (it could lead out of the project)"
        } else {
            ""
        };
        Error::BadInput {
            path: self.path(rel),
            reason: format!("is a {found}, where skillmeat expects {wanted}{why}"),
        }
    }
}

/// SHA-256 of everything a reader gives.
pub fn hash_reader(mut reader: impl Read) -> io::Result<ContentHash> {
    let mut hasher = FileHasher::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(p: &str) -> SafeRelPath {
        SafeRelPath::new(p).expect("a safe path")
    }

    #[test]
    fn entries_links_and_missing_parents() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let outside = tempfile::TempDir::new().expect("temp dir");
        let project = Project::open(dir.path()).expect("project");
        fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        fs::write(dir.path().join("a/b/f"), "x").expect("write");
        fs::write(outside.path().join("f"), "x").expect("write");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("symlink");
        std::os::unix::fs::symlink(outside.path().join("f"), dir.path().join("a/lf"))
            .expect("symlink");

        assert!(matches!(
            project.entry(&rel("a/b/f")),
            Ok(Entry::File { hash, .. }) if hash == skillmeat_core::hash::hash_bytes(b"x")
        ));
        assert_eq!(
            project.entry(&rel("a/b")).ok(),
            Some(Entry::Other(FileKind::Folder))
        );
        assert_eq!(
            project.entry(&rel("a/lf")).ok(),
            Some(Entry::Other(FileKind::Link))
        );
        assert_eq!(project.entry(&rel("a/x/y/z")).ok(), Some(Entry::Missing));
        assert_eq!(
            project.missing_parents(&rel("a/x/y/z")).ok(),
            Some(vec![rel("a/x"), rel("a/x/y")])
        );
        // A link on the way is refused, whatever lies behind it.
        for p in ["link/f", "link/new/file", "a/lf/x"] {
            let err = project.entry(&rel(p)).expect_err(p).to_string();
            assert!(err.contains("is a symbolic link"), "{p}: {err}");
        }
        assert!(project.read(&rel("a/lf"), 10).is_err());
        assert_eq!(
            project.read(&rel("a/b/f"), 10).ok().flatten().map(|r| r.0),
            Some(b"x".to_vec())
        );
        assert!(project.read(&rel("a/b/f"), 0).is_err(), "over the limit");
    }

    #[test]
    fn a_fifo_is_never_opened() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let project = Project::open(dir.path()).expect("project");
        assert_eq!(
            project.entry(&rel("fifo")).ok(),
            Some(Entry::Other(FileKind::Fifo))
        );
        assert!(project.read(&rel("fifo"), 10).is_err());
    }
}

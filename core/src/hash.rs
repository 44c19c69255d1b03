//! The canonical content hash (DESIGN.md §3), compatible bit for bit with the
//! earlier system's `compute_artifact_hash` on ordinary trees.
//!
//! * a file: SHA-256 of its bytes ([`hash_bytes`], [`FileHasher`]);
//! * a directory: for every non-excluded file the record
//!   `<relative/posix/path>\0<sha256 hex>\n`, records sorted by path (UTF-8
//!   byte order), SHA-256 over their concatenation ([`TreeHasher`]).
//!
//! The hasher is fed paths and bytes by its host; it never reads files.

use crate::prelude::*;
use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::exclude::is_excluded_path;
use crate::order::sort_by_str;
use crate::path::SafeRelPath;

/// A SHA-256 digest, shown as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64-character lowercase hex form.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        out
    }

    /// The form used in lock files: `sha256:<hex>`.
    pub fn to_prefixed(&self) -> String {
        format!("sha256:{}", self.to_hex())
    }

    /// The first 12 hex characters, for humans.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_owned()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

/// Error parsing a [`ContentHash`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a SHA-256 hash (expected 64 lowercase hex characters, optionally prefixed `sha256:`)"
)]
pub struct ParseHashError(pub String);

impl FromStr for ContentHash {
    type Err = ParseHashError;

    fn from_str(s: &str) -> core::result::Result<Self, Self::Err> {
        let hex = s.strip_prefix("sha256:").unwrap_or(s);
        let bad = || ParseHashError(s.to_owned());
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let nibble = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            out[i] = (nibble(pair[0]).ok_or_else(bad)? << 4) | nibble(pair[1]).ok_or_else(bad)?;
        }
        Ok(Self(out))
    }
}

impl Serialize for ContentHash {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// SHA-256 of a byte string: the hash of a file artifact.
pub fn hash_bytes(bytes: &[u8]) -> ContentHash {
    ContentHash(Sha256::digest(bytes).into())
}

/// Incremental SHA-256 of one file, fed in chunks of any size.
#[derive(Debug, Clone, Default)]
pub struct FileHasher(Sha256);

impl FileHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    pub fn finish(self) -> ContentHash {
        ContentHash(self.0.finalize().into())
    }
}

/// The hash of a directory tree and how many files went into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TreeDigest {
    pub content_hash: ContentHash,
    pub files: usize,
}

/// Streaming directory hasher.
///
/// Feed every file below the root once, in any order: either whole
/// ([`TreeHasher::add_file`]), already digested ([`TreeHasher::add_digest`],
/// for hosts that hash files in parallel), or in chunks
/// ([`TreeHasher::begin_file`] / [`TreeHasher::update`] /
/// [`TreeHasher::finish_file`]). Excluded paths are accepted and ignored.
/// Memory is one record per file, never the file bytes.
#[derive(Debug, Default)]
pub struct TreeHasher {
    records: Vec<(String, ContentHash)>,
    open: Option<OpenFile>,
}

#[derive(Debug)]
struct OpenFile {
    path: String,
    /// `None` when the path is excluded: chunks are dropped unread.
    hasher: Option<FileHasher>,
}

impl TreeHasher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a whole file. Returns whether it counts (is not excluded).
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<bool> {
        self.add_digest(path, hash_bytes(bytes))
    }

    /// Adds a file whose SHA-256 the host already computed.
    pub fn add_digest(&mut self, path: &str, digest: ContentHash) -> Result<bool> {
        self.ensure_closed()?;
        if !accept(path)? {
            return Ok(false);
        }
        self.records.push((path.to_owned(), digest));
        Ok(true)
    }

    /// Starts a file fed in chunks. Returns whether it counts.
    pub fn begin_file(&mut self, path: &str) -> Result<bool> {
        self.ensure_closed()?;
        let counted = accept(path)?;
        self.open = Some(OpenFile {
            path: path.to_owned(),
            hasher: counted.then(FileHasher::new),
        });
        Ok(counted)
    }

    /// Feeds the next chunk of the open file.
    pub fn update(&mut self, chunk: &[u8]) -> Result<()> {
        let open = self.open.as_mut().ok_or(Error::HasherState(
            "update() called with no open file; call beginFile first",
        ))?;
        if let Some(h) = open.hasher.as_mut() {
            h.update(chunk);
        }
        Ok(())
    }

    /// Closes the open file.
    pub fn finish_file(&mut self) -> Result<()> {
        let open = self
            .open
            .take()
            .ok_or(Error::HasherState("finishFile() called with no open file"))?;
        if let Some(h) = open.hasher {
            self.records.push((open.path, h.finish()));
        }
        Ok(())
    }

    /// The tree hash. Fails if a file is still open or a path came twice.
    pub fn finish(mut self) -> Result<TreeDigest> {
        self.ensure_closed()?;
        sort_by_str(&mut self.records, |r| r.0.as_str());
        if let Some(w) = self.records.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::DuplicatePath(w[0].0.clone()));
        }
        let mut sha = Sha256::new();
        for (path, digest) in &self.records {
            sha.update(path.as_bytes());
            sha.update([0u8]);
            sha.update(digest.to_hex().as_bytes());
            sha.update([b'\n']);
        }
        Ok(TreeDigest {
            content_hash: ContentHash(sha.finalize().into()),
            files: self.records.len(),
        })
    }

    fn ensure_closed(&self) -> Result<()> {
        match &self.open {
            Some(_) => Err(Error::HasherState(
                "a file is still open; call finishFile first",
            )),
            None => Ok(()),
        }
    }
}

/// Validates a tree path; `Ok(false)` when it is excluded.
fn accept(path: &str) -> Result<bool> {
    SafeRelPath::new(path)?;
    Ok(!is_excluded_path(path))
}

/// Tree hash of `(path, digest)` pairs, in any order.
pub fn tree_hash<'a>(
    entries: impl IntoIterator<Item = (&'a str, ContentHash)>,
) -> Result<TreeDigest> {
    let mut t = TreeHasher::new();
    for (path, digest) in entries {
        t.add_digest(path, digest)?;
    }
    t.finish()
}

#[cfg(test)]
mod tests;

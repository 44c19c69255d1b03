//! Splicing changed entries into a records file without reading it all.
//!
//! The entries of a section are sorted by bytes and no entry's key is a
//! prefix of another's (a key ends with the closing quote of its name), so
//! the first line `>=` a key is either that key's line or the place to
//! insert it. Each change is found by binary search over byte offsets,
//! reading a few KiB per probe; the new file is the old file's unchanged
//! ranges (copied by the kernel where it can) around the new lines. The
//! work in user space is O(changes × log entries), not O(file).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;

use super::{Entry, LOCK_HEADER, MANIFEST_HEADER, quote};

/// Bytes at offsets: a records file on disk, or a slice in tests.
pub trait ReadAt {
    fn size(&self) -> u64;
    /// Fills as much of `buf` as there is from `offset`; returns the count.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset).map_or(self.len(), |o| o.min(self.len()));
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

impl ReadAt for File {
    fn size(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let mut filled = 0;
        while filled < buf.len() {
            match FileExt::read_at(self, &mut buf[filled..], offset + filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

/// One piece of the new file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Old(Range<u64>),
    New(String),
}

/// How to build the new file from the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pieces: Vec<Piece>,
    /// Whether the new file differs from the old one.
    pub changed: bool,
}

/// Probe window: larger than almost every line.
const WINDOW: usize = 4096;

fn read_exact_at<R: ReadAt + ?Sized>(src: &R, range: Range<u64>) -> io::Result<Vec<u8>> {
    let len = usize::try_from(range.end - range.start).map_err(io::Error::other)?;
    let mut buf = vec![0; len];
    let n = src.read_at(&mut buf, range.start)?;
    buf.truncate(n);
    Ok(buf)
}

/// The line starting at `start` (without its `\n`) and where the next one
/// starts; `None` when no `\n` ends it before `limit`.
fn line_at<R: ReadAt + ?Sized>(
    src: &R,
    start: u64,
    limit: u64,
) -> io::Result<Option<(Vec<u8>, u64)>> {
    let mut line = Vec::new();
    let mut at = start;
    while at < limit {
        let end = (at + WINDOW as u64).min(limit);
        let chunk = read_exact_at(src, at..end)?;
        if chunk.is_empty() {
            return Ok(None);
        }
        if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&chunk[..i]);
            return Ok(Some((line, at + i as u64 + 1)));
        }
        line.extend_from_slice(&chunk);
        at += chunk.len() as u64;
    }
    Ok(None)
}

/// The start of the line holding the byte at `at`, not before `lo` (a line
/// start).
fn line_start_before<R: ReadAt + ?Sized>(src: &R, lo: u64, at: u64) -> io::Result<u64> {
    let mut end = at;
    while end > lo {
        let start = end.saturating_sub(WINDOW as u64).max(lo);
        let chunk = read_exact_at(src, start..end)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(lo)
}

/// The first line start in `lo..hi` (both line starts, `hi` may be the end
/// of the section) whose line satisfies `after`, or `hi`. `after` must be
/// false for a prefix of the lines and true for the rest.
fn partition_point<R: ReadAt + ?Sized>(
    src: &R,
    mut lo: u64,
    mut hi: u64,
    after: impl Fn(&[u8]) -> bool,
) -> io::Result<Option<u64>> {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = line_start_before(src, lo, mid)?;
        let Some((line, next)) = line_at(src, start, hi)? else {
            return Ok(None);
        };
        if after(&line) {
            hi = start;
        } else {
            lo = next;
        }
    }
    Ok(Some(lo))
}

/// Where each change goes in the section `body` (line starts), as pieces.
fn splice_section<R: ReadAt + ?Sized>(
    src: &R,
    body: Range<u64>,
    mut changes: Vec<Entry>,
    pieces: &mut Vec<Piece>,
    changed: &mut bool,
) -> io::Result<Option<()>> {
    changes.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    changes.dedup_by(|a, b| a.key == b.key);
    let mut copied = body.start;
    for change in changes {
        let key = change.key.as_bytes();
        let Some(at) = partition_point(src, copied, body.end, |line| line >= key)? else {
            return Ok(None);
        };
        pieces.push(Piece::Old(copied..at));
        copied = at;
        if at < body.end {
            let Some((line, next)) = line_at(src, at, body.end)? else {
                return Ok(None);
            };
            if line.starts_with(key) {
                *changed |= line != change.line.as_bytes();
                copied = next;
            } else {
                *changed = true;
            }
        } else {
            *changed = true;
        }
        pieces.push(Piece::New(change.line + "\n"));
    }
    pieces.push(Piece::Old(copied..body.end));
    Ok(Some(()))
}

fn has_bytes<R: ReadAt + ?Sized>(src: &R, at: u64, expected: &str) -> io::Result<bool> {
    let got = read_exact_at(src, at..at + expected.len() as u64)?;
    Ok(got == expected.as_bytes())
}

/// The entry lines of a section that opens at `open` with `opener` and
/// whose closing `]` line is at `close`.
fn body<R: ReadAt + ?Sized>(
    src: &R,
    open: u64,
    opener: &str,
    close: u64,
) -> io::Result<Option<Range<u64>>> {
    let start = open + opener.len() as u64;
    let ok = start <= close
        && has_bytes(src, open, opener)?
        && has_bytes(src, close, "]\n")?
        && (start == close || has_bytes(src, close - 1, "\n")?);
    Ok(ok.then_some(start..close))
}

/// `changes` spliced into a lock file (see [`super::render_lock`]); `None`
/// when the file does not have the expected shape.
pub fn splice_lock<R: ReadAt + ?Sized>(src: &R, changes: Vec<Entry>) -> io::Result<Option<Splice>> {
    let size = src.size();
    let header = LOCK_HEADER.len() as u64;
    if size < header + 2 || !has_bytes(src, 0, LOCK_HEADER)? {
        return Ok(None);
    }
    let Some(body) = body(src, header, "artifact = [\n", size - 2)? else {
        return Ok(None);
    };
    finish(src, vec![(body, changes)])
}

/// `plugins` and `artifacts` spliced into a manifest (see
/// [`super::render_manifest`]); `None` when it does not have the expected
/// shape.
pub fn splice_manifest<R: ReadAt + ?Sized>(
    src: &R,
    collection: &str,
    plugins: Vec<Entry>,
    artifacts: Vec<Entry>,
) -> io::Result<Option<Splice>> {
    const PLUGINS: &str = "plugin = [\n";
    const BETWEEN: &str = "]\n\nartifact = [\n";
    let size = src.size();
    let header = MANIFEST_HEADER.len() as u64;
    let tail = format!("]\n\n[collection]\nname = {}\n", quote(collection));
    let min = header + PLUGINS.len() as u64 + BETWEEN.len() as u64 + tail.len() as u64;
    if size < min
        || !has_bytes(src, 0, MANIFEST_HEADER)?
        || !has_bytes(src, size - tail.len() as u64, &tail)?
    {
        return Ok(None);
    }
    let plugin_start = header + PLUGINS.len() as u64;
    // Plugin lines are `  { name = …`; the first other line closes them.
    let Some(between) = partition_point(src, plugin_start, size, |line| {
        !line.starts_with(b"  { name = ")
    })?
    else {
        return Ok(None);
    };
    let Some(plugin_body) = body(src, header, PLUGINS, between)? else {
        return Ok(None);
    };
    let Some(artifact_body) = body(src, between + 2, &BETWEEN[2..], size - tail.len() as u64)?
    else {
        return Ok(None);
    };
    finish(
        src,
        vec![(plugin_body, plugins), (artifact_body, artifacts)],
    )
}

fn finish<R: ReadAt + ?Sized>(
    src: &R,
    sections: Vec<(Range<u64>, Vec<Entry>)>,
) -> io::Result<Option<Splice>> {
    let mut pieces = Vec::new();
    let mut changed = false;
    let mut copied = 0;
    for (body, changes) in sections {
        pieces.push(Piece::Old(copied..body.start));
        if splice_section(src, body.clone(), changes, &mut pieces, &mut changed)?.is_none() {
            return Ok(None);
        }
        copied = body.end;
    }
    pieces.push(Piece::Old(copied..src.size()));
    pieces.retain(|p| !matches!(p, Piece::Old(r) if r.is_empty()));
    Ok(Some(Splice { pieces, changed }))
}

impl Splice {
    /// Writes the new file to `out`, copying unchanged ranges from `old`
    /// (`copy_file_range` on Linux: the bytes never enter user space).
    pub fn write(&self, mut old: &File, out: &mut File) -> io::Result<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Old(range) => {
                    old.seek(SeekFrom::Start(range.start))?;
                    let len = range.end - range.start;
                    let copied = io::copy(&mut old.take(len), out)?;
                    if copied != len {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the file shrank while it was copied",
                        ));
                    }
                }
                Piece::New(line) => out.write_all(line.as_bytes())?,
            }
        }
        Ok(())
    }

    /// The new file as bytes (for callers holding the old one in memory).
    pub fn apply(&self, old: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(old.len());
        for piece in &self.pieces {
            match piece {
                Piece::Old(r) => out.extend_from_slice(&old[r.start as usize..r.end as usize]),
                Piece::New(line) => out.extend_from_slice(line.as_bytes()),
            }
        }
        out
    }
}

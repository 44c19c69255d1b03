//! The checks one zip entry's header must pass (its name, type, method and
//! declared sizes), and those that need every name (duplicates, a file
//! inside a file).

use std::collections::HashSet;

use skillmeat_core::SafeRelPath;
use zip::CompressionMethod;
use zip::read::ZipFileEntry;

use super::limits::{FILE_FLAG, Limits, human, ratio_problem, too_compressed};
use super::manifest::check_entry_path;

/// One entry that passed the header checks.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub raw_name: Vec<u8>,
    /// The name without a trailing `/`.
    pub name: String,
    pub what: What,
    pub size: u64,
    pub compressed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum What {
    File { executable: bool },
    Folder,
}

/// What the header of one entry says.
#[derive(Debug, Clone, Copy)]
pub(super) struct Header<'a> {
    name: &'a [u8],
    unix_mode: Option<u32>,
    encrypted: bool,
    method: CompressionMethod,
    size: u64,
    compressed: u64,
}

impl<'a> Header<'a> {
    pub fn of(entry: &'a ZipFileEntry<'_>) -> Header<'a> {
        Header {
            name: entry.name_raw(),
            unix_mode: entry.unix_mode(),
            encrypted: entry.encrypted(),
            method: entry.compression(),
            size: entry.size(),
            compressed: entry.compressed_size(),
        }
    }
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// The checks one header must pass on its own.
pub(super) fn check_header(h: &Header<'_>, limits: &Limits) -> Result<Checked, String> {
    let name = std::str::from_utf8(h.name).map_err(|_| "the entry name is not UTF-8".to_owned())?;
    let (bare, slash) = match name.strip_suffix('/') {
        Some(bare) => (bare, true),
        None => (name, false),
    };
    check_entry_path(bare).map_err(|e| format!("unsafe path: {e}"))?;
    let kind = h.unix_mode.map(|m| m & S_IFMT);
    let what = match kind {
        Some(S_IFLNK) => {
            return Err("is a symbolic link; bundles hold only regular files and folders".into());
        }
        Some(S_IFDIR) => What::Folder,
        Some(0 | S_IFREG) | None if slash => What::Folder,
        Some(0 | S_IFREG) | None => What::File {
            executable: h.unix_mode.is_some_and(|m| m & 0o111 != 0),
        },
        Some(other) => {
            return Err(format!(
                "is a special file (unix type {other:o}); bundles hold only regular files and folders"
            ));
        }
    };
    if h.encrypted {
        return Err("is encrypted".into());
    }
    if !matches!(
        h.method,
        CompressionMethod::Stored | CompressionMethod::Deflated
    ) {
        return Err(format!(
            "uses compression method {:?}; bundles use stored or deflate",
            h.method
        ));
    }
    if what == What::Folder && h.size > 0 {
        return Err("is a folder entry with content".into());
    }
    if h.size > limits.file_bytes {
        return Err(format!(
            "declares {} uncompressed; an entry may hold at most {} ({FILE_FLAG})",
            human(h.size),
            human(limits.file_bytes)
        ));
    }
    if too_compressed(h.size, h.compressed) {
        return Err(ratio_problem(h.size, h.compressed));
    }
    Ok(Checked {
        raw_name: h.name.to_vec(),
        name: bare.to_owned(),
        what,
        size: h.size,
        compressed: h.compressed,
    })
}

/// The checks that need all the names: duplicates, files inside files.
pub(super) fn check_names(entries: &[Checked]) -> Result<(), (String, String)> {
    let mut seen = HashSet::with_capacity(entries.len());
    for e in entries {
        if !seen.insert(e.name.as_str()) {
            return Err((
                e.name.clone(),
                "appears more than once in the zip (names are compared without a trailing /)"
                    .into(),
            ));
        }
    }
    let files: HashSet<&str> = entries
        .iter()
        .filter(|e| matches!(e.what, What::File { .. }))
        .map(|e| e.name.as_str())
        .collect();
    for e in entries {
        let mut parent = SafeRelPath::new(&e.name).unwrap_or_default().parent();
        while !parent.is_root() {
            if files.contains(parent.as_str()) {
                return Err((
                    parent.as_str().to_owned(),
                    format!("is a file, but {:?} is inside it", e.name),
                ));
            }
            parent = parent.parent();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::limits::{MAX_ENTRY_BYTES, RATIO_FLOOR_BYTES};

    fn header(name: &str) -> Header<'_> {
        Header {
            name: name.as_bytes(),
            unix_mode: Some(0o100_644),
            encrypted: false,
            method: CompressionMethod::Deflated,
            size: 10,
            compressed: 8,
        }
    }

    fn check(h: Header<'_>) -> Result<Checked, String> {
        check_header(&h, &Limits::DEFAULT)
    }

    fn refused(h: Header<'_>, expected: &str) {
        match check(h) {
            Err(e) => assert!(e.contains(expected), "{e:?} lacks {expected:?}"),
            Ok(c) => panic!("{c:?} accepted; expected {expected:?}"),
        }
    }

    #[test]
    fn names() {
        for (name, expected) in [
            ("../evil.md", "unsafe path: `..`"),
            ("a/../../evil.md", "unsafe path: `..`"),
            ("/etc/passwd", "unsafe path: absolute"),
            ("C:/x.md", "unsafe path: absolute"),
            ("c:evil", "unsafe path: absolute"),
            ("a\\..\\b", "unsafe path: backslash"),
            ("a//b", "unsafe path: empty path components"),
            ("./a", "unsafe path: `.`"),
            ("a/\u{7}", "unsafe path: control"),
            ("", "unsafe path: path is empty"),
            ("/", "unsafe path: path is empty"),
            (".git/config", "never stores"),
            ("x/node_modules/y.js", "never stores"),
        ] {
            refused(header(name), expected);
        }
        // File systems hold names of at most 255 bytes.
        let long = format!("assets/{}.md", "a".repeat(253));
        refused(
            header(&long),
            "unsafe path: has a name of 256 bytes; a file or folder name may have at most 255",
        );
        let longest = format!("assets/{}.md", "a".repeat(252));
        assert!(check(header(&longest)).is_ok());
        refused(
            Header {
                name: b"caf\xe9.md",
                ..header("")
            },
            "not UTF-8",
        );
        let ok = check(header("skills/tdd/SKILL.md")).expect("a file entry is accepted");
        assert_eq!(ok.name, "skills/tdd/SKILL.md");
        assert_eq!(ok.what, What::File { executable: false });
        let dir = check(Header {
            size: 0,
            ..header("skills/tdd/")
        })
        .expect("an empty folder entry is accepted");
        assert_eq!((dir.name.as_str(), dir.what), ("skills/tdd", What::Folder));
    }

    #[test]
    fn types_and_methods() {
        refused(
            Header {
                unix_mode: Some(0o120_777),
                ..header("link.md")
            },
            "symbolic link",
        );
        refused(
            Header {
                unix_mode: Some(0o010_644),
                ..header("fifo")
            },
            "special file",
        );
        refused(
            Header {
                encrypted: true,
                ..header("a.md")
            },
            "encrypted",
        );
        refused(
            Header {
                method: CompressionMethod::BZIP2,
                ..header("a.md")
            },
            "compression method",
        );
        refused(
            Header {
                unix_mode: Some(0o040_755),
                size: 3,
                ..header("d/")
            },
            "folder entry with content",
        );
        for (mode, executable) in [
            (Some(0o100_755), true),
            (Some(0o100_744), true),
            (Some(0o100_644), false),
            (Some(0o644), false),
            (None, false),
        ] {
            let c = check(Header {
                unix_mode: mode,
                ..header("run.sh")
            })
            .unwrap_or_else(|e| panic!("run.sh, mode {mode:?}: {e}"));
            assert_eq!(c.what, What::File { executable }, "{mode:?}");
        }
    }

    #[test]
    fn declared_sizes() {
        refused(
            Header {
                size: MAX_ENTRY_BYTES + 1,
                compressed: MAX_ENTRY_BYTES,
                ..header("big.bin")
            },
            "declares 256.0 MiB uncompressed; an entry may hold at most 256 MiB",
        );
        refused(
            Header {
                size: 2 << 20,
                compressed: 1000,
                ..header("bomb.bin")
            },
            "likely zip bomb",
        );
        // Small entries may compress as much as they like; 100:1 is allowed.
        assert!(
            check(Header {
                size: RATIO_FLOOR_BYTES,
                compressed: 1,
                ..header("zeros.bin")
            })
            .is_ok()
        );
        assert!(
            check(Header {
                size: 100 << 20,
                compressed: 1 << 20,
                ..header("ok.bin")
            })
            .is_ok()
        );
    }

    fn checked(name: &str, what: What) -> Checked {
        Checked {
            raw_name: name.as_bytes().to_vec(),
            name: name.trim_end_matches('/').to_owned(),
            what,
            size: 0,
            compressed: 0,
        }
    }

    #[test]
    fn name_conflicts() {
        let file = What::File { executable: false };
        assert!(check_names(&[checked("a/b.md", file), checked("a/", What::Folder)]).is_ok());
        for (entries, entry, reason) in [
            (
                vec![checked("a.md", file), checked("a.md", file)],
                "a.md",
                "more than once",
            ),
            (
                vec![checked("a", file), checked("a/", What::Folder)],
                "a",
                "more than once",
            ),
            (
                vec![checked("a", file), checked("a/b/c.md", file)],
                "a",
                "is inside it",
            ),
        ] {
            match check_names(&entries) {
                Err((e, r)) => {
                    assert_eq!(e, entry);
                    assert!(r.contains(reason), "{r}");
                }
                Ok(()) => panic!("{entries:?} accepted"),
            }
        }
    }
}

//! The size limits a plugin is read under (a folder or a bundle), and the
//! one reader that counts every decompressed byte of a bundle against them
//! (headers are never trusted).

use std::io::{self, Read, Write};

use skillmeat_core::hash::{ContentHash, FileHasher};

/// At most this many entries (files and folders) in a bundle.
pub const MAX_ENTRIES: usize = 10_000;
/// At most this many bytes in one file of a plugin (a bundle entry,
/// uncompressed); `--max-file-size` changes it.
pub const MAX_ENTRY_BYTES: u64 = 256 << 20;
/// At most this many bytes in all the files of one plugin (a whole bundle,
/// uncompressed); `--max-plugin-size` changes it.
pub const MAX_TOTAL_BYTES: u64 = 1 << 30;

/// How a message about a file's size says how to change the limit.
pub const FILE_FLAG: &str = "--max-file-size raises the limit";
/// How a message about a plugin's size says how to change the limit.
pub const PLUGIN_FLAG: &str = "--max-plugin-size raises the limit";
/// An entry larger than [`RATIO_FLOOR_BYTES`] may expand at most this much.
pub const MAX_RATIO: u64 = 100;
/// Entries up to this size are never refused for their compression ratio.
pub const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// The size limits a plugin is read under: a folder's files are checked
/// from their metadata before any is hashed, a bundle's entries on their
/// declared sizes and then on every byte decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries of a bundle (folders have no such limit).
    pub entries: usize,
    /// Bytes in one file.
    pub file_bytes: u64,
    /// Bytes in all the files of one plugin.
    pub plugin_bytes: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        entries: MAX_ENTRIES,
        file_bytes: MAX_ENTRY_BYTES,
        plugin_bytes: MAX_TOTAL_BYTES,
    };

    /// The limits in force: [`Limits::DEFAULT`]. Test builds only (the
    /// `failpoints` feature) read `SKILLMEAT_TEST_BUNDLE_LIMITS`, e.g.
    /// `entries=10,entry=4096,total=8192`, which can only lower them.
    pub fn in_force() -> Limits {
        #[cfg(feature = "failpoints")]
        if let Ok(spec) = std::env::var("SKILLMEAT_TEST_BUNDLE_LIMITS") {
            return Limits::DEFAULT.lowered_by(&spec);
        }
        Limits::DEFAULT
    }

    /// These limits with the sizes the user gave (`--max-file-size`,
    /// `--max-plugin-size`) in place of theirs, higher or lower.
    pub fn with_sizes(self, file_bytes: Option<u64>, plugin_bytes: Option<u64>) -> Limits {
        Limits {
            file_bytes: file_bytes.unwrap_or(self.file_bytes),
            plugin_bytes: plugin_bytes.unwrap_or(self.plugin_bytes),
            ..self
        }
    }

    /// These limits, each lowered to the value `spec` gives it (if lower).
    pub fn lowered_by(self, spec: &str) -> Limits {
        let mut l = self;
        for (key, value) in spec.split(',').filter_map(|kv| kv.split_once('=')) {
            let Ok(v) = value.trim().parse::<u64>() else {
                continue;
            };
            match key.trim() {
                "entries" => l.entries = l.entries.min(usize::try_from(v).unwrap_or(usize::MAX)),
                "entry" => l.file_bytes = l.file_bytes.min(v),
                "total" => l.plugin_bytes = l.plugin_bytes.min(v),
                _ => {}
            }
        }
        l
    }
}

pub fn too_compressed(size: u64, compressed: u64) -> bool {
    size > RATIO_FLOOR_BYTES && size > compressed.saturating_mul(MAX_RATIO)
}

pub(super) fn ratio_problem(size: u64, compressed: u64) -> String {
    format!(
        "expands from {} to {} (more than {MAX_RATIO}:1): refused as a likely zip bomb",
        human(compressed),
        human(size)
    )
}

/// `1.5 MiB`, `300 bytes`.
pub fn human(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// Bytes read from one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Drained {
    pub bytes: u64,
    pub sha256: ContentHash,
}

#[derive(Debug)]
pub(super) enum DrainError {
    /// The entry breaks a rule (or cannot be decompressed).
    Bundle(String),
    /// Writing the extracted file failed.
    Write(io::Error),
}

/// Reads an entry to the end, hashing and counting the bytes actually
/// produced against the limits, and copies them to `out`.
pub(super) fn drain(
    mut input: impl Read,
    compressed: u64,
    limits: &Limits,
    total: &mut u64,
    out: &mut impl Write,
) -> Result<Drained, DrainError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    let mut hasher = FileHasher::new();
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(DrainError::Bundle(format!("cannot be decompressed: {e}"))),
        };
        bytes += n as u64;
        *total += n as u64;
        if bytes > limits.file_bytes {
            return Err(DrainError::Bundle(format!(
                "expands to more than {}, the most an entry may hold ({FILE_FLAG})",
                human(limits.file_bytes)
            )));
        }
        if *total > limits.plugin_bytes {
            return Err(DrainError::Bundle(format!(
                "takes the bundle past {} uncompressed, the most a bundle may hold ({PLUGIN_FLAG})",
                human(limits.plugin_bytes)
            )));
        }
        if too_compressed(bytes, compressed) {
            return Err(DrainError::Bundle(ratio_problem(bytes, compressed)));
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(DrainError::Write)?;
    }
    Ok(Drained {
        bytes,
        sha256: hasher.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drained(input: impl Read, compressed: u64, limits: &Limits) -> Result<Drained, String> {
        let mut total = 0;
        drain(input, compressed, limits, &mut total, &mut io::sink()).map_err(|e| match e {
            DrainError::Bundle(r) => r,
            DrainError::Write(e) => e.to_string(),
        })
    }

    #[test]
    fn drain_counts_real_bytes() {
        let small = Limits::DEFAULT.lowered_by("entry=1000,total=1500");
        assert_eq!(small.file_bytes, 1000);
        assert_eq!(small.plugin_bytes, 1500);
        let got =
            drained(&[7u8; 1000][..], 1000, &small).expect("1000 bytes fit a 1000-byte limit");
        assert_eq!(got.bytes, 1000);
        assert_eq!(got.sha256, skillmeat_core::hash::hash_bytes(&[7u8; 1000]));
        // Whatever the header said, the bytes that come out are what count.
        let e = drained(io::repeat(0).take(1001), 1001, &small).err();
        assert!(e.is_some_and(|e| e.contains("more than 1000 bytes")));
        let e = drained(
            io::repeat(1).take(RATIO_FLOOR_BYTES + 1),
            10_000,
            &Limits::DEFAULT,
        )
        .err();
        assert!(e.is_some_and(|e| e.contains("zip bomb")));
        assert!(
            drained(
                io::repeat(1).take(RATIO_FLOOR_BYTES + 1),
                20_000,
                &Limits::DEFAULT
            )
            .is_ok()
        );
        // The total runs across entries.
        let mut total = 0;
        let mut sink = io::sink();
        assert!(drain(&[0u8; 800][..], 800, &small, &mut total, &mut sink).is_ok());
        let second = drain(&[0u8; 800][..], 800, &small, &mut total, &mut sink);
        assert!(matches!(second, Err(DrainError::Bundle(r)) if r.contains("past 1.5 KiB")));
    }

    #[test]
    fn sizes_given_replace_the_defaults_either_way() {
        let l = Limits::DEFAULT.with_sizes(Some(3 << 30), Some(1024));
        assert_eq!(
            (l.entries, l.file_bytes, l.plugin_bytes),
            (MAX_ENTRIES, 3 << 30, 1024)
        );
        assert_eq!(Limits::DEFAULT.with_sizes(None, None), Limits::DEFAULT);
    }

    #[test]
    fn limits_only_go_down() {
        let l = Limits::DEFAULT.lowered_by("entries=5, entry=99999999999999, total=x, bogus=1");
        assert_eq!(l.entries, 5);
        assert_eq!(l.file_bytes, MAX_ENTRY_BYTES);
        assert_eq!(l.plugin_bytes, MAX_TOTAL_BYTES);
    }

    #[test]
    fn sizes_for_people() {
        for (n, s) in [
            (0, "0 bytes"),
            (1023, "1023 bytes"),
            (1536, "1.5 KiB"),
            (256 << 20, "256 MiB"),
            (1 << 30, "1 GiB"),
        ] {
            assert_eq!(human(n), s);
        }
    }
}

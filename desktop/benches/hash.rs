//! Hashing benchmark (a bench binary that prints figures; not a timed test).
//!
//! `cargo bench -p skillmeat --bench hash` generates, in a temp directory,
//! a 1 GiB tree of large files and a tree of 50,000 small files, then hashes
//! each with the real native reader (warm page cache, best of 3) and prints
//! GB/s and files/s next to the machine's own SHA-256 ceiling: the same
//! bytes hashed from memory on every core. Peak RSS shows memory stays
//! bounded whatever the tree size.
//!
//! `SKILLMEAT_BENCH_GIB` (default 1) and `SKILLMEAT_BENCH_FILES` (default
//! 50000) change the sizes.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use skillmeat::tree::hash_path;
use skillmeat_core::hash::FileHasher;

const LARGE_FILE: usize = 64 * 1024 * 1024;

fn main() {
    let gib: usize = env_or("SKILLMEAT_BENCH_GIB", 1);
    let small: usize = env_or("SKILLMEAT_BENCH_FILES", 50_000);
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let cores = rayon::current_num_threads();
    println!("hash benchmark on {cores} cores");

    let large = dir.path().join("large");
    let total = gib * 1024 * 1024 * 1024;
    let block = pseudo_random(LARGE_FILE);
    write_large(&large, total, &block);
    let ceiling = memory_ceiling(total, &block);
    let t = best_of(3, || {
        let h = hash_path(&large).expect("hashing the large files");
        assert_eq!(h.files, total / LARGE_FILE);
    });
    let gbs = total as f64 / t.as_secs_f64() / 1e9;
    println!(
        "large files: {} x {} MiB = {:.2} GiB in {:.3} s = {gbs:.2} GB/s (SHA-256 ceiling on {cores} cores {ceiling:.2} GB/s; time ratio {:.2}x)",
        total / LARGE_FILE,
        LARGE_FILE >> 20,
        total as f64 / (1u64 << 30) as f64,
        t.as_secs_f64(),
        ceiling / gbs
    );
    fs::remove_dir_all(&large).unwrap_or_default();

    let tree = dir.path().join("small");
    write_small(&tree, small);
    let t = best_of(3, || {
        let h = hash_path(&tree).expect("hashing the small files");
        assert_eq!(h.files, small);
    });
    println!(
        "small files: {small} files in {:.3} s = {:.0} files/s",
        t.as_secs_f64(),
        small as f64 / t.as_secs_f64()
    );
    println!("peak RSS: {} MiB", peak_rss_kib() / 1024);
}

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn best_of(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn pseudo_random(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn write_large(dir: &Path, total: usize, block: &[u8]) {
    fs::create_dir_all(dir).expect("creating the large-file folder");
    for i in 0..total / LARGE_FILE {
        let mut f =
            fs::File::create(dir.join(format!("blob-{i:03}.bin"))).expect("creating a blob file");
        // Vary the first byte so files differ.
        f.write_all(&[i as u8]).expect("writing a blob");
        f.write_all(&block[1..]).expect("writing a blob");
    }
}

fn write_small(dir: &Path, count: usize) {
    for i in 0..count {
        let sub = dir.join(format!("skills/s{:03}", i / 500));
        if i % 500 == 0 {
            fs::create_dir_all(&sub).expect("creating a skill folder");
        }
        fs::write(
            sub.join(format!("f{i:05}.md")),
            format!("---\nname: f{i}\n---\n{}\n", "x".repeat(i % 900)),
        )
        .expect("writing a small file");
    }
}

/// Pure SHA-256 compute throughput on all cores: the same amount of data,
/// hashed from a cache-resident chunk, no I/O at all.
fn memory_ceiling(total: usize, block: &[u8]) -> f64 {
    let files = total / LARGE_FILE;
    let chunk = &block[..256 * 1024];
    let t = best_of(2, || {
        (0..files).into_par_iter().for_each(|_| {
            let mut h = FileHasher::new();
            for _ in 0..LARGE_FILE / chunk.len() {
                h.update(chunk);
            }
            std::hint::black_box(h.finish());
        });
    });
    total as f64 / t.as_secs_f64() / 1e9
}

fn peak_rss_kib() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

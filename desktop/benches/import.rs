//! Import benchmark (a bench binary that prints figures; not a timed test).
//!
//! `cargo bench -p skillmeat --bench import`: a generated plugin of 50
//! children imported into an empty collection and into one holding 100,000
//! artifacts, then re-imported. Each figure is the median and the best of
//! several runs, each into a fresh copy of the collection; the runs into the
//! two collections alternate, so a slow spell of the machine hits both. Targets: ≤ 50 ms
//! import, ≤ 20 ms re-import, ≤ 1.5× slower at 100k. The collections live in
//! the temp dir (`TMPDIR`; `TMPDIR=/dev/shm` keeps the disk out of it).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use skillmeat::collection::Collection;
use skillmeat::home::Home;
use skillmeat::import;
use skillmeat::inspect::Source;
use skillmeat_core::plan::ConflictPolicy;
use support::{generate_plugin, preload_artifacts};

mod support;

/// Runs per figure (`SKILLMEAT_BENCH_RUNS`, default 11): each figure is
/// printed as the median and the best run. This machine's disk and memory
/// stall now and then for tens of milliseconds; the best run shows what
/// skillmeat itself costs, the median what a user typically waits.
fn runs() -> usize {
    std::env::var("SKILLMEAT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(11)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let big: usize = std::env::var("SKILLMEAT_BENCH_ARTIFACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::TempDir::new().expect("a temp dir");
    let plugin = generate_plugin(tmp.path(), 50);
    println!(
        "50-child plugin, {} runs per figure (median / best), in {}",
        runs(),
        tmp.path().display()
    );

    let [empty, large] = rt.block_on(measure(tmp.path(), &plugin, [0, big]));
    println!(
        "empty collection:  import {}, re-import {}",
        empty.import, empty.reimport
    );
    println!(
        "{big} artifacts: import {} ({}), re-import {} ({})",
        large.import,
        large.import.ratio(&empty.import),
        large.reimport,
        large.reimport.ratio(&empty.reimport)
    );
    let records = rewrite_cost(
        &tmp.path()
            .join(format!("template-{big}/collections/default")),
    );
    println!(
        "of which rewriting skillmeat.lock and manifest.toml ({:.1} MB) at {big} artifacts: {}",
        records.1 as f64 / 1e6,
        records.0
    );
}

/// The samples of one figure.
struct Figure(Vec<Duration>);

impl Figure {
    fn median(&self) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        v[v.len() / 2]
    }

    fn best(&self) -> Duration {
        self.0.iter().copied().min().unwrap_or_default()
    }

    /// This figure over `base`, median to median and best to best.
    fn ratio(&self, base: &Figure) -> String {
        let r = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        format!(
            "{:.2}x / {:.2}x",
            r(self.median(), base.median()),
            r(self.best(), base.best())
        )
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} / {:.1} ms", ms(self.median()), ms(self.best()))
    }
}

struct Imports {
    import: Figure,
    reimport: Figure,
}

/// Splicing one line into the lock file and the manifest of a collection
/// and writing the new files (what every import that changes
/// something pays, in proportion to the collection's size).
fn rewrite_cost(collection: &Path) -> (Figure, usize) {
    use skillmeat::collection::layout::{LOCK, MANIFEST};
    use skillmeat::collection::records;
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs() {
        let start = Instant::now();
        let scratch = collection.join("scratch");
        std::fs::create_dir_all(&scratch).expect("creating the scratch folder");
        bytes = 0;
        for name in [LOCK, MANIFEST] {
            let path = collection.join(name);
            let spliced = records::splice_file(&path, |f| {
                if name == LOCK {
                    records::splice_lock(
                        f,
                        vec![records::lock_entry("skill", "zz", "00", None, None)],
                    )
                } else {
                    let zz = records::manifest_artifact_entry("skill", "zz");
                    records::splice_manifest(f, "default", Vec::new(), vec![zz])
                }
            });
            let Ok(Some((old, splice))) = spliced else {
                panic!("{} cannot be spliced", path.display());
            };
            bytes += old.metadata().map_or(0, |m| m.len() as usize);
            let mut out =
                std::fs::File::create(scratch.join(name)).expect("creating the scratch file");
            splice.write(&old, &mut out).expect("splicing the file");
        }
        times.push(start.elapsed());
    }
    (Figure(times), bytes)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The figures for each preloaded size, runs alternating between them.
async fn measure(tmp: &Path, plugin: &Path, sizes: [usize; 2]) -> [Imports; 2] {
    let mut templates = Vec::new();
    for preload in sizes {
        templates.push(prepare(tmp, preload).await);
    }
    let mut figures = [(); 2].map(|()| Imports {
        import: Figure(Vec::new()),
        reimport: Figure(Vec::new()),
    });
    for run in 0..runs() {
        for ((template, preload), figure) in templates.iter().zip(sizes).zip(&mut figures) {
            let home = tmp.join(format!("run-{preload}-{run}"));
            copy_dir(template, &home);
            // Flush the copy's dirty pages first: otherwise the import's
            // metadata writes wait behind the copy's writeback (ext4's
            // ordered journal), and the figure measures the copy.
            flush_page_cache();
            let coll = Collection::open(&Home::at(home.clone()), "default")
                .await
                .expect("opening the collection");
            figure
                .import
                .0
                .push(time_import(&coll, plugin, 50, 0).await);
            figure
                .reimport
                .0
                .push(time_import(&coll, plugin, 0, 50).await);
            coll.pool.close().await;
            // Its pages go back to the kernel for the next run (a fresh VM
            // page costs the host a fault; a recycled one does not).
            std::fs::remove_dir_all(&home).unwrap_or_default();
        }
    }
    figures
}

/// A collection home with `preload` artifacts, to copy for each run.
async fn prepare(tmp: &Path, preload: usize) -> PathBuf {
    // `SKILLMEAT_BENCH_KEEP=DIR` keeps the prepared homes (DIR/template-N)
    // for measuring the CLI against them (e.g. with `perf stat`).
    let base = std::env::var_os("SKILLMEAT_BENCH_KEEP")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.to_owned());
    let template = base.join(format!("template-{preload}"));
    let coll = Collection::open(&Home::at(template.clone()), "default")
        .await
        .expect("opening the template collection");
    if preload > 0 {
        preload_artifacts(&coll, preload).await;
    }
    coll.pool.close().await;
    template
}

async fn time_import(coll: &Collection, plugin: &Path, new: usize, reused: usize) -> Duration {
    let start = Instant::now();
    let source = Source::open(plugin).expect("opening the plugin folder");
    let id = skillmeat::store::rows::new_id();
    let r = import::import_plugin(
        coll,
        &source,
        &source.discovery.plugins[0],
        ConflictPolicy::NewVersion,
        &id,
    )
    .await
    .expect("importing the plugin");
    let elapsed = start.elapsed();
    assert_eq!((r.children_imported, r.children_reused), (new, reused));
    elapsed
}

fn copy_dir(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status();
    assert!(status.is_ok_and(|s| s.success()));
}

/// `sync(1)`: writes every dirty page out and waits for it.
fn flush_page_cache() {
    let status = std::process::Command::new("sync").status();
    assert!(status.is_ok_and(|s| s.success()));
}

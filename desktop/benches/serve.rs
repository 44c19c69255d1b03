//! `skillmeat serve` under load (a bench binary that prints figures; not a
//! timed test). `make bench-serve`, which installs `oha` (crates.io) when it
//! is missing; `cargo bench -p skillmeat --bench serve` runs it.
//!
//! A collection of 100,000 artifacts (`SKILLMEAT_BENCH_ARTIFACTS`) and a
//! generated 50-child plugin, in the temp dir (`TMPDIR`); the real
//! `skillmeat serve` of this build on a loopback port; `oha` as the load
//! generator on the same machine. Figures: requests/s, p50 / p99 / p99.9
//! latency, non-200 answers, and the CPU the server and the load generator
//! each took (in cores: CPU seconds over wall seconds), from their
//! `/proc/<pid>/stat` times. Goals (issue 14): associations of the 50-child
//! plugin p99 ≤ 1 ms on one connection; ≥ 8,000 requests/s with p99 ≤ 15 ms
//! on 50; pages of `GET /api/v1/artifacts` over 100,000 artifacts p99 ≤ 10 ms.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;
use skillmeat::collection::Collection;
use skillmeat::home::Home;
use skillmeat::import;
use skillmeat::inspect::Source;
use skillmeat_core::plan::ConflictPolicy;
use support::server::Server;

/// One load: its name, the URL (a file of URLs with `--urls-from-file`)
/// and oha's options.
struct Load {
    name: &'static str,
    url: String,
    args: &'static [&'static str],
}

fn main() {
    let oha = std::env::var("OHA").unwrap_or_else(|_| "oha".to_owned());
    if Command::new(&oha).arg("--version").output().is_err() {
        eprintln!("{oha} not found: cargo install oha --locked (make bench-serve does)");
        std::process::exit(1);
    }
    let artifacts: usize = std::env::var("SKILLMEAT_BENCH_ARTIFACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::TempDir::new().expect("a temp dir");
    let home = tmp.path().join("home");
    let started = Instant::now();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(prepare(tmp.path(), &home, artifacts));
    println!(
        "collection: {artifacts} artifacts + a 50-child plugin, made in {:.1} s in {}",
        started.elapsed().as_secs_f64(),
        tmp.path().display()
    );

    let mut server = Server::start(&home);
    let assoc = format!(
        "{}/api/v1/artifacts/composite:bench-plugin/associations",
        server.base
    );
    let pages = page_urls(tmp.path(), &server.base, artifacts);
    let loads = [
        Load {
            name: "warm-up (associations)",
            url: assoc.clone(),
            args: &["-n", "2000", "-c", "4"],
        },
        Load {
            name: "associations, 50 children, 1 connection",
            url: assoc.clone(),
            args: &["-z", "10s", "-w", "-c", "1"],
        },
        Load {
            name: "associations, 50 children, 50 connections",
            url: assoc,
            args: &["-z", "10s", "-w", "-c", "50"],
        },
        Load {
            name: "artifact pages (limit 50, offsets spread over the collection), 1 connection",
            url: pages.clone(),
            args: &["-z", "10s", "-w", "-c", "1", "--urls-from-file"],
        },
        Load {
            name: "artifact pages (limit 50, offsets spread over the collection), 50 connections",
            url: pages,
            args: &["-z", "10s", "-w", "-c", "50", "--urls-from-file"],
        },
    ];
    for load in &loads {
        let figures = run(&oha, load, &server);
        println!("{}: {figures}", load.name);
    }
    server.stop();
}

/// A file of 10,000 list URLs, 50 items per page, at offsets spread over
/// the collection (a fixed pseudo-random sequence).
fn page_urls(tmp: &Path, base: &str, artifacts: usize) -> String {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut text = String::new();
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let offset = x % artifacts.max(1) as u64;
        text.push_str(&format!(
            "{base}/api/v1/artifacts?limit=50&offset={offset}\n"
        ));
    }
    let path = tmp.join("page-urls.txt");
    std::fs::write(&path, text).expect("writing the URL file");
    path.display().to_string()
}

/// The collection: `artifacts` preloaded rows, then the plugin imported.
async fn prepare(tmp: &Path, home: &Path, artifacts: usize) {
    let coll = Collection::open(&Home::at(home.to_owned()), "default")
        .await
        .expect("opening the collection");
    support::preload_artifacts(&coll, artifacts).await;
    let plugin = support::generate_plugin(tmp, 50);
    let source = Source::open(&plugin).expect("opening the plugin folder");
    let id = skillmeat::store::rows::new_id();
    let result = import::import_plugin(
        &coll,
        &source,
        &source.discovery.plugins[0],
        ConflictPolicy::NewVersion,
        &id,
    )
    .await
    .expect("importing the plugin");
    assert_eq!(result.children_imported, 50);
    coll.pool.close().await;
}

/// Runs oha once; its summary and both processes' CPU.
fn run(oha: &str, load: &Load, server: &Server) -> String {
    let server_before = support::cpu_seconds(&format!("/proc/{}/stat", server.child.id()), 11);
    let children_before = support::cpu_seconds("/proc/self/stat", 13);
    let started = Instant::now();
    let out = Command::new(oha)
        .args(load.args)
        .args(["--no-tui", "--output-format", "json", "-H"])
        .arg(format!("Authorization: Bearer {}", server.token))
        .arg(&load.url)
        .output()
        .expect("running oha");
    let wall = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "oha: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let oha_cpu = support::cpu_seconds("/proc/self/stat", 13) - children_before;
    let server_cpu =
        support::cpu_seconds(&format!("/proc/{}/stat", server.child.id()), 11) - server_before;
    let report: Value = serde_json::from_slice(&out.stdout).expect("oha's JSON");
    let ms = |key: &str| {
        report["latencyPercentiles"][key]
            .as_f64()
            .unwrap_or(f64::NAN)
            * 1000.0
    };
    let codes = &report["statusCodeDistribution"];
    let ok = codes["200"].as_u64().unwrap_or(0);
    let all: u64 = codes
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let errors: u64 = report["errorDistribution"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    format!(
        "{:.0} req/s, p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms; {ok} × 200, {} other, {errors} errors; \
         CPU: server {:.2} cores, oha {:.2} cores (of 2)",
        report["summary"]["requestsPerSec"]
            .as_f64()
            .unwrap_or(f64::NAN),
        ms("p50"),
        ms("p99"),
        ms("p99.9"),
        all - ok,
        server_cpu / wall,
        oha_cpu / wall,
    )
}

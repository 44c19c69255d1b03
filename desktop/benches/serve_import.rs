//! The hash-first import of `skillmeat serve` over HTTP, end to end (a
//! bench binary that prints figures; not a timed test):
//! `cargo bench -p skillmeat --bench serve_import` (`make bench-serve` runs
//! it after the load benchmark).
//!
//! A generated marketplace of 300 plugins (`SKILLMEAT_BENCH_PLUGINS`;
//! 17,701 files, about 150 MB: `support/marketplace.rs`) in the temp dir
//! (`TMPDIR`), imported into the real `skillmeat serve` of this build on a
//! loopback port through the protocol the browser uses: `POST /plan` →
//! `POST /blobs/missing` → `POST /blobs` batches of small blobs and a
//! `PUT /blobs/{sha256}` for each large one, as the browser sends them (5
//! requests at a time) →
//! `POST /artifacts/import/composite` (202) → `GET /imports/{id}` until it
//! ends. Then the same again (a re-import: nothing to upload). Each phase's
//! time is printed; the client's own hashing and discovery (the browser's
//! Web Worker) is timed apart and not counted. Goals (issue 14): ≤ 5 s in
//! total; a re-import ≤ 1 s with 0 bytes uploaded.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::server::Server;

/// Uploads at a time (the browser's 4–6).
const UPLOADERS: usize = 5;

/// One file of the list the client sends.
struct File {
    path: String,
    sha256: String,
    size: u64,
    executable: bool,
}

fn main() {
    let plugins: usize = std::env::var("SKILLMEAT_BENCH_PLUGINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let tmp = tempfile::TempDir::new().expect("a temp dir");
    let market = tmp.path().join("market");
    let started = Instant::now();
    let totals = support::marketplace::generate(&market, plugins);
    println!(
        "marketplace: {plugins} plugins, {} files, {:.1} MB, written in {:.1} s in {}",
        totals.files,
        totals.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        tmp.path().display()
    );
    let started = Instant::now();
    let files = file_list(&market);
    let plan = plan_request(&market);
    println!(
        "client: hashed {} files and discovered {} plugins in {:.2} s (not counted: the browser's worker)",
        files.len(),
        plan["plugins"].as_array().map_or(0, Vec::len),
        started.elapsed().as_secs_f64()
    );

    let server = Server::start(&tmp.path().join("home"));
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(600))
        .build()
        .expect("an HTTP client");
    for run in ["import", "re-import"] {
        let cpu = support::process_cpu(server.child.id());
        let phases = import(&client, &server, &market, &files, &plan);
        let cpu = support::process_cpu(server.child.id()) - cpu;
        println!("{run}: {phases}; server CPU {cpu:.2} s");
        let settled = settle(server.child.id());
        println!("  then the server's clean-up (scratch links, used uploads): {settled} ms");
    }
}

/// Waits until the server's CPU time stops moving (the clean-up an import
/// leaves behind, after the client was told, is not the next run's);
/// returns how long that took, in ms.
fn settle(pid: u32) -> u128 {
    let start = Instant::now();
    let mut last = support::process_cpu(pid);
    while start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        let now = support::process_cpu(pid);
        if now - last < 0.005 {
            break;
        }
        last = now;
    }
    start.elapsed().as_millis()
}

/// Every file below `root`: path, SHA-256, size, executable bit.
fn file_list(root: &Path) -> Vec<File> {
    use std::os::unix::fs::PermissionsExt;
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walking the marketplace"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("reading a file");
            let mode = e.metadata().expect("metadata").permissions().mode();
            File {
                path: e
                    .path()
                    .strip_prefix(root)
                    .expect("below the root")
                    .to_str()
                    .expect("UTF-8")
                    .to_owned(),
                sha256: skillmeat_core::hash::hash_bytes(&bytes).to_hex(),
                size: bytes.len() as u64,
                executable: mode & 0o111 != 0,
            }
        })
        .collect()
}

/// `POST /api/v1/plan`'s body: each plugin's children with their content
/// hashes, as the browser's wasm core computes them.
fn plan_request(root: &Path) -> Value {
    let report = skillmeat::inspect::inspect(root).expect("inspecting the marketplace");
    let plugins: Vec<Value> = report
        .plugins
        .iter()
        .map(|p| {
            let children: Vec<Value> = p
                .children
                .iter()
                .map(|c| {
                    json!({
                        "kind": c.kind.as_str(),
                        "name": c.name,
                        "content_hash": c.content_hash.to_hex(),
                    })
                })
                .collect();
            json!({ "name": p.name, "children": children })
        })
        .collect();
    json!({ "plugins": plugins })
}

/// One import through the protocol; the phases' times.
fn import(client: &Client, server: &Server, root: &Path, files: &[File], plan: &Value) -> String {
    let all = Instant::now();
    let mut phases = Vec::new();
    let mut phase = |name: &str, since: Instant| {
        phases.push(format!(
            "{name} {:.0} ms",
            since.elapsed().as_secs_f64() * 1000.0
        ));
    };

    let t = Instant::now();
    let planned = post(client, server, "/api/v1/plan", plan, 200);
    phase("plan", t);
    let new: usize = planned["plugins"].as_array().map_or(0, |ps| {
        ps.iter()
            .map(|p| p["buckets"]["new"].as_array().map_or(0, Vec::len))
            .sum()
    });

    let t = Instant::now();
    let hashes: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    let missing = post(
        client,
        server,
        "/api/v1/blobs/missing",
        &json!({ "sha256": hashes }),
        200,
    );
    let missing: Vec<&str> = missing["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|h| h.as_str().expect("a hash"))
        .collect();
    phase("missing", t);

    let t = Instant::now();
    let uploaded = upload(client, server, root, files, &missing);
    phase(
        &format!(
            "{} uploads ({:.1} MB)",
            missing.len(),
            uploaded as f64 / 1e6
        ),
        t,
    );

    let t = Instant::now();
    let list: Vec<Value> = files
        .iter()
        .map(|f| json!({"path": f.path, "sha256": f.sha256, "size": f.size, "executable": f.executable}))
        .collect();
    let started = post(
        client,
        server,
        "/api/v1/artifacts/import/composite",
        &json!({ "files": list, "root_name": "generated-marketplace" }),
        202,
    );
    phase("import accepted (202)", t);

    let t = Instant::now();
    let id = started["transaction_id"]
        .as_str()
        .expect("a transaction id");
    let job = loop {
        let r = client
            .get(server.url(&format!("/api/v1/imports/{id}")))
            .bearer_auth(&server.token)
            .send()
            .expect("the server answers");
        let job: Value = r.json().expect("JSON");
        if job["status"] != "in_progress" {
            break job;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(job["status"], "succeeded", "{job}");
    phase("import ran", t);
    let results = job["result"]["results"].as_array().map_or(0, Vec::len);
    format!(
        "total {:.2} s ({}); {new} new children planned, {results} plugins imported, {uploaded} bytes uploaded",
        all.elapsed().as_secs_f64(),
        phases.join(", ")
    )
}

/// A batch (`POST /api/v1/blobs`) holds at most this many bytes and blobs;
/// a larger blob is PUT alone. The browser's upload queue packs the same
/// way (`ui/src/upload/queue.ts`, `pack`).
const BATCH_BYTES: u64 = 4_000_000;
const BATCH_BLOBS: usize = 1000;

/// Uploads the blobs `missing` (each once) as the browser does: small ones
/// packed into batches, larger ones PUT alone, [`UPLOADERS`] requests at a
/// time; the bytes of the blobs sent.
fn upload(client: &Client, server: &Server, root: &Path, files: &[File], missing: &[&str]) -> u64 {
    let by_hash: std::collections::HashMap<&str, &File> =
        files.iter().map(|f| (f.sha256.as_str(), f)).collect();
    let units = pack(missing.iter().map(|h| by_hash[h]));
    let next = AtomicUsize::new(0);
    let sent = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..UPLOADERS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(unit) = units.get(i) else { break };
                    let read =
                        |f: &File| std::fs::read(root.join(&f.path)).expect("reading a file");
                    let request = match unit.as_slice() {
                        [one] if one.size > BATCH_BYTES => {
                            let bytes = read(one);
                            sent.fetch_add(bytes.len(), Ordering::Relaxed);
                            client
                                .put(server.url(&format!("/api/v1/blobs/{}", one.sha256)))
                                .body(bytes)
                        }
                        batch => {
                            let mut body = Vec::new();
                            for f in batch {
                                let bytes = read(f);
                                sent.fetch_add(bytes.len(), Ordering::Relaxed);
                                body.extend_from_slice(
                                    format!("{} {}\n", f.sha256, bytes.len()).as_bytes(),
                                );
                                body.extend_from_slice(&bytes);
                            }
                            client.post(server.url("/api/v1/blobs")).body(body)
                        }
                    };
                    let r = request
                        .bearer_auth(&server.token)
                        .send()
                        .expect("the server answers");
                    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text());
                }
            });
        }
    });
    sent.into_inner() as u64
}

/// The requests that send `blobs`: small ones packed in order into batches
/// of at most [`BATCH_BYTES`] and [`BATCH_BLOBS`], each larger one alone.
fn pack<'a>(blobs: impl Iterator<Item = &'a File>) -> Vec<Vec<&'a File>> {
    let mut out = Vec::new();
    let (mut batch, mut bytes) = (Vec::new(), 0);
    for f in blobs {
        if f.size > BATCH_BYTES {
            out.push(vec![f]);
            continue;
        }
        if !batch.is_empty() && (bytes + f.size > BATCH_BYTES || batch.len() >= BATCH_BLOBS) {
            out.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        bytes += f.size;
        batch.push(f);
    }
    if !batch.is_empty() {
        out.push(batch);
    }
    out
}

fn post(client: &Client, server: &Server, path: &str, body: &Value, status: u16) -> Value {
    let r = client
        .post(server.url(path))
        .bearer_auth(&server.token)
        .json(body)
        .send()
        .expect("the server answers");
    let got = r.status().as_u16();
    let body: Value = r.json().expect("a JSON answer");
    assert_eq!(got, status, "{path}: {body}");
    body
}

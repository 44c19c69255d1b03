//! A team's collection on PostgreSQL under load (a bench binary that
//! prints figures; not a timed test). `make bench-postgres` runs it under
//! `throwaway-postgres`, which gives the admin URL of a throwaway cluster
//! in `SKILLMEAT_TEST_DATABASE_URL`.
//!
//! Eight clients import distinct generated 50-child plugins (each client
//! `SKILLMEAT_BENCH_PLUGINS` of them, default 25) into one fresh database,
//! first through one `skillmeat serve`, then through two (clients
//! alternate), while a probe asks for a plugin's associations every 5 ms.
//! Figures: imports per second, failed imports, the probe's p50/p99, and
//! where the CPU went (the servers, PostgreSQL's processes, the rest).
//! Goal (issue 18): no collapse; two servers at least match one, no errors.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};
use support::server::Server;

const CLIENTS: usize = 8;
const CHILDREN: usize = 50;

fn main() {
    let Ok(admin) = std::env::var("SKILLMEAT_TEST_DATABASE_URL") else {
        eprintln!("SKILLMEAT_TEST_DATABASE_URL is not set: run `make bench-postgres`");
        std::process::exit(1);
    };
    let per_client: usize = std::env::var("SKILLMEAT_BENCH_PLUGINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let tmp = tempfile::TempDir::new().expect("a temp dir");
    println!(
        "{CLIENTS} clients × {per_client} plugins of {CHILDREN} children each, in {}",
        tmp.path().display()
    );
    for servers in [1, 2] {
        let url = fresh_database(&admin, &format!("bench_{servers}"));
        let plugins = generate(tmp.path(), servers, per_client);
        run(tmp.path(), &url, servers, &plugins);
    }
}

/// Creates database `name` on the server of `admin`; its URL.
fn fresh_database(admin: &str, name: &str) -> String {
    let status = std::process::Command::new("psql")
        .arg(admin)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("running psql");
    assert!(status.success(), "CREATE DATABASE {name}");
    match admin.split_once("/postgres") {
        Some((head, tail)) => format!("{head}/{name}{tail}"),
        None => panic!("an admin URL of the postgres database: {admin}"),
    }
}

/// The plugins of each client (distinct names and contents) and a probe.
fn generate(tmp: &Path, run: usize, per_client: usize) -> Vec<Vec<PathBuf>> {
    (0..CLIENTS)
        .map(|c| {
            (0..per_client)
                .map(|k| plugin(&tmp.join(format!("run{run}")), &format!("p{c}-{k}")))
                .collect()
        })
        .collect()
}

/// A plugin `name` of [`CHILDREN`] children whose bytes are its own.
fn plugin(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let write = |rel: String, body: String| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("a folder");
        std::fs::write(p, body).expect("a file");
    };
    write(
        ".claude-plugin/plugin.json".into(),
        format!(r#"{{"name": "{name}", "version": "1.0.0"}}"#),
    );
    for i in 0..CHILDREN {
        let body = format!(
            "---\nname: {name}-c{i}\ndescription: child {i} of {name}\n---\n{}\n",
            "lorem ipsum ".repeat(100 + i)
        );
        match i % 5 {
            0 | 1 => {
                write(format!("skills/{name}-s{i}/SKILL.md"), body.clone());
                write(format!("skills/{name}-s{i}/reference.md"), body.repeat(2));
            }
            2 | 3 => write(format!("commands/{name}-c{i}.md"), body),
            _ => write(format!("agents/{name}-a{i}.md"), body),
        }
    }
    dir
}

/// One configuration: `servers` servers over the database `url`.
fn run(tmp: &Path, url: &str, servers: usize, plugins: &[Vec<PathBuf>]) {
    let started: Vec<Server> = (0..servers)
        .map(|i| {
            let home = tmp.join(format!("home-{servers}-{i}"));
            Server::start_with(&home, &["--database", url])
        })
        .collect();
    let started = Arc::new(started);
    let probe_plugin = plugin(&tmp.join(format!("probe{servers}")), "probe");
    assert_eq!(import(&client(), &started[0], &probe_plugin), "succeeded");

    let cpu_before = (servers_cpu(&started), postgres_cpu(), total_cpu());
    let done = Arc::new(AtomicBool::new(false));
    let probe = {
        let (servers, done) = (started.clone(), done.clone());
        std::thread::spawn(move || probe_associations(&servers[0], &done))
    };
    let clock = Instant::now();
    let workers: Vec<_> = plugins
        .iter()
        .enumerate()
        .map(|(c, mine)| {
            let (servers, mine) = (started.clone(), mine.clone());
            std::thread::spawn(move || {
                let client = client();
                let server = &servers[c % servers.len()];
                mine.iter()
                    .filter(|p| import(&client, server, p) != "succeeded")
                    .count()
            })
        })
        .collect();
    let failed: usize = workers
        .into_iter()
        .map(|w| w.join().expect("a client"))
        .sum();
    let wall = clock.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    let mut latencies = probe.join().expect("the probe");
    let (s0, p0, t0) = cpu_before;
    let (servers_cpu, pg_cpu) = (servers_cpu(&started) - s0, postgres_cpu() - p0);
    let rest = total_cpu() - t0 - servers_cpu - pg_cpu;
    let imports: usize = plugins.iter().map(Vec::len).sum();
    latencies.sort();
    println!(
        "{servers} server(s): {imports} imports in {wall:.1} s = {:.2} imports/s, {failed} failed; \
         associations during it: {} answers, p50 {:.1} ms, p99 {:.1} ms; CPU: servers {:.1} cores, \
         PostgreSQL {:.1} cores, the rest (clients, kernel) {:.1} cores",
        imports as f64 / wall,
        latencies.len(),
        quantile(&latencies, 0.50),
        quantile(&latencies, 0.99),
        servers_cpu / wall,
        pg_cpu / wall,
        rest / wall,
    );
}

fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("an HTTP client")
}

/// Imports the folder `source` through `server` and follows it to its end.
fn import(client: &Client, server: &Server, source: &Path) -> String {
    let started: Value = client
        .post(server.url("/api/v1/artifacts/import/composite"))
        .bearer_auth(&server.token)
        .json(&json!({ "source": source }))
        .send()
        .and_then(|r| r.json())
        .expect("starting an import");
    let Some(id) = started["transaction_id"].as_str() else {
        return format!("refused: {started}");
    };
    loop {
        let job: Value = client
            .get(server.url(&format!("/api/v1/imports/{id}")))
            .bearer_auth(&server.token)
            .send()
            .and_then(|r| r.json())
            .expect("the import's status");
        match job["status"].as_str() {
            Some("in_progress") => std::thread::sleep(Duration::from_millis(20)),
            Some(status) => return status.to_owned(),
            None => return format!("{job}"),
        }
    }
}

/// The associations of `composite:probe` every 5 ms until `done`; each
/// answer's time in milliseconds (× 1,000, as integers to sort).
fn probe_associations(server: &Server, done: &AtomicBool) -> Vec<u64> {
    let client = client();
    let url = server.url("/api/v1/artifacts/composite:probe/associations");
    let mut out = Vec::new();
    while !done.load(Ordering::SeqCst) {
        let t = Instant::now();
        let ok = client
            .get(&url)
            .bearer_auth(&server.token)
            .send()
            .is_ok_and(|r| r.status().is_success());
        if ok {
            out.push(t.elapsed().as_micros() as u64);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    out
}

fn quantile(sorted: &[u64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[((n - 1) as f64 * q) as usize] as f64 / 1000.0,
    }
}

fn servers_cpu(servers: &[Server]) -> f64 {
    servers
        .iter()
        .map(|s| support::process_cpu(s.child.id()))
        .sum()
}

/// Every process named `postgres` (the cluster's server and backends).
fn postgres_cpu() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| support::cpu_seconds(&format!("/proc/{pid}/stat"), 11))
        .sum()
}

/// The whole machine's busy CPU seconds (`/proc/stat`, all but idle and iowait).
fn total_cpu() -> f64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<f64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let all: f64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0.0) + fields.get(4).copied().unwrap_or(0.0);
    (all - idle) / 100.0
}

//! `outdated` benchmark (a bench binary that prints figures; not a timed
//! test).
//!
//! `cargo bench -p skillmeat --bench outdated` (`make bench-outdated`): a
//! git repository generated here holds a marketplace of 300 plugins (each
//! 2 skills and a command); all are imported from its `file://` URL, then
//! `outdated` checks the 300 against it, with `--offline` (the cached
//! repository only) and with a fetch: first at the imported commit (the
//! ref resolves to the recorded commit: nothing is read), then after an
//! empty commit (every plugin checked out, read, hashed and compared).
//! Target: ≤ 2 s. Each figure is the median and the best of
//! `SKILLMEAT_BENCH_RUNS` runs (default 3).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use skillmeat::home::Home;
use skillmeat::ops::transfer::{ImportArgs, OutdatedArgs, OutdatedState, Policy, SizeLimits};
use skillmeat::ops::{self, Scope};

const PLUGINS: usize = 300;

fn runs() -> usize {
    std::env::var("SKILLMEAT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3)
}

fn main() {
    let tmp = tempfile::TempDir::new().expect("a temp dir");
    let url = generate_repository(&tmp.path().join("market"));
    let home = Home::at(tmp.path().join("home"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let scope = Scope::per_call(home, "default");
    let started = Instant::now();
    let imported = rt.block_on(import(&scope, &url));
    println!(
        "{imported} plugins imported from {url} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    measure(&rt, &scope, "the commit unchanged: nothing read");
    // A new commit that changes no file: every plugin is checked out,
    // read, hashed and compared.
    git(
        &tmp.path().join("market"),
        &["commit", "-q", "--allow-empty", "-m", "empty"],
    );
    measure(&rt, &scope, "a new commit: all 300 read and hashed");
}

fn measure(rt: &tokio::runtime::Runtime, scope: &Scope, what: &str) {
    for offline in [true, false] {
        let mut times = Vec::new();
        for _ in 0..runs() {
            let started = Instant::now();
            let report = rt
                .block_on(ops::outdated(
                    scope,
                    OutdatedArgs {
                        names: None,
                        offline: Some(offline),
                    },
                ))
                .expect("outdated");
            times.push(started.elapsed());
            let up_to_date = report
                .plugins
                .iter()
                .filter(|p| p.state == OutdatedState::UpToDate)
                .count();
            assert_eq!(up_to_date, PLUGINS, "every plugin is up to date");
        }
        times.sort();
        println!(
            "outdated over {PLUGINS} plugins of one cached repository, {what}{}: median {}, best {} (target ≤ 2 s)",
            if offline {
                " (--offline)"
            } else {
                " (with a fetch)"
            },
            ms(times[times.len() / 2]),
            ms(times[0])
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

async fn import(scope: &Scope, url: &str) -> usize {
    let args = ImportArgs {
        path: url.into(),
        plugins: None,
        offline: Some(false),
        policy: Policy::NewVersion,
        choices: Vec::new(),
        dry_run: Some(false),
        limits: SizeLimits::default(),
    };
    let summary = ops::import(scope, args, |_| {}).await.expect("the import");
    assert!(
        summary.results.iter().all(|r| r.success),
        "every plugin imports"
    );
    summary.results.len()
}

/// A repository at `dir` holding a marketplace of [`PLUGINS`] plugins; its
/// `file://` URL.
fn generate_repository(dir: &Path) -> String {
    let write = |rel: &str, body: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(dir)).expect("a folder");
        std::fs::write(p, body).expect("a file");
    };
    let mut entries = Vec::new();
    for i in 0..PLUGINS {
        let name = format!("plugin-{i:03}");
        entries.push(format!(
            r#"{{"name": "{name}", "source": "./plugins/{name}"}}"#
        ));
        let root = format!("plugins/{name}");
        write(
            &format!("{root}/.claude-plugin/plugin.json"),
            &format!(r#"{{"name": "{name}", "version": "1.0.0"}}"#),
        );
        for s in 0..2 {
            write(
                &format!("{root}/skills/{name}-skill-{s}/SKILL.md"),
                &format!(
                    "---\nname: {name}-skill-{s}\ndescription: skill {s} of {name}\n---\n{}\n",
                    "lorem ipsum ".repeat(50)
                ),
            );
        }
        write(
            &format!("{root}/commands/{name}-cmd.md"),
            &format!("---\ndescription: a command of {name}\n---\nRun it.\n"),
        );
    }
    write(
        ".claude-plugin/marketplace.json",
        &format!(
            r#"{{"name": "bench", "owner": {{"name": "bench"}}, "plugins": [{}]}}"#,
            entries.join(",\n")
        ),
    );
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "300 plugins"]);
    format!("file://{}", dir.display())
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

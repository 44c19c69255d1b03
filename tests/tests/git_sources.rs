//! Git sources (DESIGN.md §13) through the real binary: repositories built
//! here from the fixtures, served by `git daemon` on 127.0.0.1 and over
//! `file://`; provenance in the lock file, `show` and the bundle manifest;
//! a marketplace whose entries live in other repositories; `--offline`;
//! `--plugin`; and the bad inputs, each exit 1 with nothing written.

mod util;

use std::net::TcpListener;
use std::path::Path;

use serde_json::Value;
use util::git::{Daemon, Repos, copy_into, git, lock_plugin, run, show};
use util::{Home, fixture};

fn plugin_names(home: &Home) -> Vec<String> {
    let (out, _) = run(home, &["list", "--type", "composite", "--json"], 0);
    let v: Value = serde_json::from_str(&out).expect("list --json");
    let mut names: Vec<String> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Nothing written: no collection folder, no database.
fn assert_nothing_written(home: &Home) {
    assert!(
        !home.path().join("collections").exists(),
        "a collection was created"
    );
    assert!(
        !home.path().join("skillmeat.db").exists(),
        "a database was created"
    );
}

#[test]
fn add_by_url_ref_and_path_records_provenance_in_lock_show_and_export() {
    let repos = Repos::new();
    let first = repos.create(
        "tools",
        &[
            ("plugins/guardrails", &fixture("guardrails")),
            ("plugins/skills-only", &fixture("skills-only")),
        ],
    );
    git(&repos.work("tools"), &["tag", "v1"]);
    repos.push("tools");
    // A second commit on main: @v1 must still give the first.
    std::fs::write(repos.work("tools/plugins/guardrails/NOTES.md"), "later\n").expect("a file");
    let second = repos.commit("tools", "second");
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("tools");

    let home = Home::new();
    run(&home, &["add", &format!("{url}@v1#plugins/guardrails")], 0);
    assert_eq!(plugin_names(&home), ["guardrails"]);
    let origin = &show(&home, "guardrails")["origin"];
    assert_eq!(origin["kind"], "git");
    assert_eq!(origin["url"], url.as_str());
    assert_eq!(origin["ref"], "v1");
    assert_eq!(origin["commit"], first.as_str());
    assert_eq!(origin["path"], "plugins/guardrails");
    assert_eq!(origin["marketplace"], Value::Null);

    let entry = lock_plugin(&home, "guardrails");
    let o = entry["origin"].as_table().expect("origin = { ... }");
    assert_eq!(o["kind"].as_str(), Some("git"));
    assert_eq!(o["url"].as_str(), Some(url.as_str()));
    assert_eq!(o["ref"].as_str(), Some("v1"));
    assert_eq!(o["commit"].as_str(), Some(first.as_str()));
    assert_eq!(o["path"].as_str(), Some("plugins/guardrails"));
    assert_eq!(
        entry["source"].as_str(),
        Some(format!("{url}#plugins/guardrails").as_str())
    );

    // The text of show names it too.
    let (text, _) = run(&home, &["show", "guardrails", "--type", "composite"], 0);
    assert!(
        text.contains(&format!(
            "origin       git {url} @ v1 (commit {first}) #plugins/guardrails"
        )),
        "{text}"
    );

    // The bundle manifest carries it.
    let out = tempfile::tempdir().expect("a temp dir");
    let zip = out.path().join("g.zip");
    run(
        &home,
        &["export", "guardrails", "-o", zip.to_str().expect("utf-8")],
        0,
    );
    let manifest = read_zip_entry(&zip, "skillmeat-bundle.json");
    let m: Value = serde_json::from_slice(&manifest).expect("the bundle manifest");
    assert_eq!(m["plugin"]["origin"]["commit"], first.as_str());
    assert_eq!(m["plugin"]["origin"]["url"], url.as_str());
    assert_eq!(m["plugin"]["origin"]["ref"], "v1");

    // Without a ref: the remote's HEAD (main, the second commit), and the
    // plugin's new content is a new version.
    run(&home, &["add", &format!("{url}#plugins/guardrails")], 0);
    let origin = &show(&home, "guardrails")["origin"];
    assert_eq!(origin["commit"], second.as_str());
    assert_eq!(origin["ref"], Value::Null);
    assert_eq!(
        show(&home, "guardrails")["versions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Over file:// too, with the ref given as a branch.
    let home = Home::new();
    run(
        &home,
        &[
            "add",
            &format!("{}@main#plugins/skills-only", repos.file_url("tools")),
        ],
        0,
    );
    let origin = &show(&home, "skills-only")["origin"];
    assert_eq!(origin["commit"], second.as_str());
    assert_eq!(origin["ref"], "main");
    run(&home, &["verify"], 0);
}

/// The bytes of one entry of a zip (unzip is not needed: the zip crate
/// the engine uses is re-exported).
fn read_zip_entry(zip: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let file = std::fs::File::open(zip).expect("the zip");
    let mut archive = skillmeat::bundle::zip::ZipArchive::new(file).expect("a zip");
    let mut entry = archive.by_name(name).expect("the entry");
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).expect("its bytes");
    bytes
}

#[test]
fn github_shorthand_with_a_ref_goes_to_the_github_url() {
    let repos = Repos::new();
    // Served as owner/kit.git, the way GitHub names repositories.
    std::fs::create_dir_all(repos.served().join("owner")).expect("owner/");
    let work = repos.work("kit");
    std::fs::create_dir_all(&work).expect("work");
    git(&work, &["init", "-q"]);
    copy_into(&fixture("guardrails"), &work);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "one"]);
    git(&work, &["tag", "v2"]);
    let bare = repos.served().join("owner/kit.git");
    git(
        &work,
        &["init", "-q", "--bare", bare.to_str().expect("utf-8")],
    );
    git(
        &work,
        &[
            "push",
            "-q",
            "--tags",
            bare.to_str().expect("utf-8"),
            "main",
        ],
    );
    let commit = git(&work, &["rev-parse", "HEAD"]);
    let daemon = Daemon::serve(&repos.served());

    let home = Home::new();
    home.cmd()
        .env(
            "SKILLMEAT_GITHUB_URL",
            format!("git://127.0.0.1:{}", daemon.port),
        )
        .args(["add", "owner/kit@v2"])
        .assert()
        .code(0);
    let origin = &show(&home, "guardrails")["origin"];
    assert_eq!(
        origin["url"],
        format!("git://127.0.0.1:{}/owner/kit.git", daemon.port).as_str()
    );
    assert_eq!(origin["ref"], "v2");
    assert_eq!(origin["commit"], commit.as_str());
}

#[test]
fn a_force_pushed_branch_is_fetched_again_at_its_new_commit() {
    let repos = Repos::new();
    repos.create("kit", &[("", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("kit");
    let home = Home::new();
    run(&home, &["add", &format!("{url}@main")], 0);
    let before = show(&home, "guardrails");

    // Rewrite main: the old commit is gone from the branch.
    let work = repos.work("kit");
    std::fs::write(work.join("skills/guard-rules/EXTRA.md"), "rewritten\n").expect("a file");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "--amend", "-m", "rewritten"]);
    let rewritten = repos.push("kit");
    assert_ne!(before["origin"]["commit"], rewritten.as_str());

    run(&home, &["add", &format!("{url}@main")], 0);
    let after = show(&home, "guardrails");
    assert_eq!(after["origin"]["commit"], rewritten.as_str());
    assert_ne!(after["content_hash"], before["content_hash"]);
    let entry = lock_plugin(&home, "guardrails");
    assert_eq!(entry["origin"]["commit"].as_str(), Some(rewritten.as_str()));
    run(&home, &["verify"], 0);
}

/// A marketplace repository whose entries are a local folder, a `url`
/// source and a `git-subdir` source in two other repositories.
struct Market {
    repos: Repos,
    daemon: Daemon,
    guard_commit: String,
    tools_commit: String,
}

fn market(entries: impl Fn(&Daemon, &str) -> String) -> Market {
    let repos = Repos::new();
    let guard_commit = repos.create("guard", &[("", &fixture("guardrails"))]);
    git(&repos.work("guard"), &["tag", "v1"]);
    repos.push("guard");
    let tools_commit = repos.create("tools", &[("plugins/skills-only", &fixture("skills-only"))]);
    let daemon = Daemon::serve(&repos.served());
    let work = repos.work("market");
    std::fs::create_dir_all(&work).expect("market");
    let listed = entries(&daemon, &tools_commit);
    util::write(
        &work,
        ".claude-plugin/marketplace.json",
        &format!(
            r#"{{"name": "team", "owner": {{"name": "t"}}, "plugins": [
                {{"name": "local-kit", "source": "./plugins/local-kit"}},
                {listed}]}}"#
        ),
    );
    copy_into(&fixture("skills-only"), &work.join("plugins/local-kit"));
    repos.create("market", &[]);
    Market {
        repos,
        daemon,
        guard_commit,
        tools_commit,
    }
}

fn remote_entries(d: &Daemon, tools_commit: &str) -> String {
    format!(
        r#"{{"name": "guardrails", "source": {{"source": "url", "url": "{}", "ref": "v1"}}}},
           {{"name": "skills-only", "source": {{"source": "git-subdir", "url": "{}", "path": "plugins/skills-only", "sha": "{tools_commit}"}}}}"#,
        d.url("guard"),
        d.url("tools")
    )
}

#[test]
fn a_marketplace_whose_entries_are_in_other_repositories() {
    let m = market(remote_entries);
    let url = m.daemon.url("market");
    let market_commit = git(&m.repos.work("market"), &["rev-parse", "HEAD"]);
    let home = Home::new();
    run(&home, &["add", &url], 0);
    assert_eq!(
        plugin_names(&home),
        ["guardrails", "local-kit", "skills-only"]
    );

    let guard = &show(&home, "guardrails")["origin"];
    assert_eq!(guard["url"], m.daemon.url("guard").as_str());
    assert_eq!(guard["ref"], "v1");
    assert_eq!(guard["commit"], m.guard_commit.as_str());
    assert_eq!(guard["path"], "");
    assert_eq!(guard["marketplace"]["name"], "team");
    assert_eq!(guard["marketplace"]["url"], url.as_str());
    assert_eq!(guard["marketplace"]["commit"], market_commit.as_str());

    let sub = &show(&home, "skills-only")["origin"];
    assert_eq!(sub["url"], m.daemon.url("tools").as_str());
    assert_eq!(sub["commit"], m.tools_commit.as_str());
    assert_eq!(sub["path"], "plugins/skills-only");

    let local = &show(&home, "local-kit")["origin"];
    assert_eq!(local["url"], url.as_str());
    assert_eq!(local["commit"], market_commit.as_str());
    assert_eq!(local["path"], "plugins/local-kit");
    assert_eq!(local["marketplace"]["path"], "");

    let entry = lock_plugin(&home, "skills-only");
    assert_eq!(
        entry["origin"]["marketplace"]["name"].as_str(),
        Some("team")
    );
    run(&home, &["verify"], 0);
}

#[test]
fn plugin_picks_from_a_marketplace_and_an_unknown_name_lists_the_closest() {
    let m = market(remote_entries);
    let url = m.daemon.url("market");
    let home = Home::new();
    let (out, _) = run(
        &home,
        &["preview", &url, "--plugin", "guardrails", "--json"],
        0,
    );
    let v: Value = serde_json::from_str(&out).expect("preview --json");
    let names: Vec<&str> = v["plugins"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["guardrails"]);

    run(
        &home,
        &[
            "add",
            &url,
            "--plugin",
            "guardrails",
            "--plugin",
            "local-kit",
        ],
        0,
    );
    assert_eq!(plugin_names(&home), ["guardrails", "local-kit"]);

    let fresh = Home::new();
    for command in ["add", "preview"] {
        let (_, err) = run(&fresh, &[command, &url, "--plugin", "guardrail"], 1);
        assert!(
            err.contains("no plugin named \"guardrail\"; the closest are: guardrails"),
            "{command}: {err}"
        );
    }
    assert_nothing_written(&fresh);
}

#[test]
fn a_remote_that_goes_away_is_a_clear_error_and_the_cache_still_serves_offline() {
    let repos = Repos::new();
    let commit = repos.create("kit", &[("", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("kit");
    let home = Home::new();
    // Preview fetches into the cache (and writes no collection).
    run(&home, &["preview", &url], 0);
    assert!(!home.path().join("collections").exists());
    daemon.stop();

    let (_, err) = run(&home, &["add", &url], 1);
    assert!(err.contains(&format!("{url}: could not fetch")), "{err}");
    assert!(!home.path().join("collections").exists());

    run(&home, &["add", &url, "--offline"], 0);
    assert_eq!(
        show(&home, "guardrails")["origin"]["commit"],
        commit.as_str()
    );

    // A repository never fetched is not in the cache.
    let other = Home::new();
    let (_, err) = run(&other, &["add", &url, "--offline"], 1);
    assert!(err.contains("is not in the cache"), "{err}");
    assert_nothing_written(&other);
}

#[test]
fn bad_git_sources_are_exit_1_with_nothing_written() {
    let repos = Repos::new();
    repos.create("kit", &[("plugins/guardrails", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("kit");
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let cases = [
        (
            format!("git://127.0.0.1:{closed}/kit.git"),
            "could not fetch".to_owned(),
        ),
        (
            format!("{url}@no-such-tag"),
            "has no branch, tag or commit \"no-such-tag\"".to_owned(),
        ),
        (
            format!("{url}#plugins/missing"),
            "has no folder plugins/missing".to_owned(),
        ),
        (daemon.url("absent"), "could not fetch".to_owned()),
    ];
    for (source, expected) in cases {
        let home = Home::new();
        let (_, err) = run(&home, &["add", &source], 1);
        assert!(err.contains(&expected), "{source}: {err}");
        assert_nothing_written(&home);
    }
}

/// The remote entries of a test marketplace, given its daemon and the
/// commit of the `tools` repository.
type Entries = dyn Fn(&Daemon, &str) -> String;

#[test]
fn bad_marketplace_entries_are_exit_1_with_nothing_written() {
    let wrong_sha = "0123456789abcdef0123456789abcdef01234567";
    let cases: Vec<(Box<Entries>, &str)> = vec![
        (
            Box::new(move |d: &Daemon, _: &str| {
                format!(
                    r#"{{"name": "guardrails", "source": {{"source": "url", "url": "{}", "ref": "v1", "sha": "{wrong_sha}"}}}}"#,
                    d.url("guard")
                )
            }),
            "not at the sha 0123456789abcdef0123456789abcdef01234567",
        ),
        (
            Box::new(|d: &Daemon, _: &str| {
                format!(
                    r#"{{"name": "skills-only", "source": {{"source": "git-subdir", "url": "{}", "path": "../outside"}}}}"#,
                    d.url("tools")
                )
            }),
            "a marketplace entry points outside the repository",
        ),
        (
            Box::new(|_: &Daemon, _: &str| r#"{"name": "up", "source": "../outside"}"#.to_owned()),
            "a marketplace entry points outside the repository",
        ),
        (
            Box::new(|_: &Daemon, _: &str| {
                r#"{"name": "local", "source": {"source": "url", "url": "file:///etc"}}"#.to_owned()
            }),
            "points at files on this machine; a marketplace fetched from elsewhere may not",
        ),
        (
            Box::new(|_: &Daemon, _: &str| {
                r#"{"name": "local", "source": {"source": "url", "url": "/srv/repo.git"}}"#
                    .to_owned()
            }),
            "points at files on this machine; a marketplace fetched from elsewhere may not",
        ),
    ];
    for (entries, expected) in cases {
        let m = market(entries);
        let home = Home::new();
        let (_, err) = run(&home, &["add", &m.daemon.url("market")], 1);
        assert!(err.contains(expected), "{err}");
        assert_nothing_written(&home);
    }
}

#[test]
fn folders_and_bundles_record_their_provenance_too() {
    let market = fixture("entry-cases");
    let canonical = std::fs::canonicalize(&market).expect("the fixture");
    let home = Home::new();
    run(
        &home,
        &[
            "add",
            market.to_str().expect("utf-8"),
            "--plugin",
            "bare-skills",
        ],
        0,
    );
    assert_eq!(plugin_names(&home), ["bare-skills"]);
    let origin = &show(&home, "bare-skills")["origin"];
    assert_eq!(origin["kind"], "folder");
    assert_eq!(origin["url"], canonical.to_str().expect("utf-8"));
    assert_eq!(origin["path"], "plugins/skills-folder");
    assert_eq!(origin["commit"], Value::Null);
    assert_eq!(origin["marketplace"]["name"], "entry-cases");
    assert_eq!(origin["marketplace"]["kind"], "folder");
    let entry = lock_plugin(&home, "bare-skills");
    assert_eq!(entry["origin"]["kind"].as_str(), Some("folder"));
    assert_eq!(
        entry["source"].as_str(),
        canonical.join("plugins/skills-folder").to_str()
    );

    // Exported, then added elsewhere: a bundle, and its manifest keeps
    // where the plugin came from before.
    let out = tempfile::tempdir().expect("a temp dir");
    let zip = out.path().join("b.zip");
    run(
        &home,
        &["export", "bare-skills", "-o", zip.to_str().expect("utf-8")],
        0,
    );
    let m: Value = serde_json::from_slice(&read_zip_entry(&zip, "skillmeat-bundle.json"))
        .expect("the manifest");
    assert_eq!(m["plugin"]["origin"]["path"], "plugins/skills-folder");
    let other = Home::new();
    run(&other, &["add", zip.to_str().expect("utf-8")], 0);
    let origin = &show(&other, "bare-skills")["origin"];
    assert_eq!(origin["kind"], "bundle");
    let zip_path = std::fs::canonicalize(&zip).expect("the zip");
    assert_eq!(origin["url"], zip_path.to_str().expect("utf-8"));
    assert_eq!(origin["path"], "");
    run(&other, &["verify"], 0);
}

//! `outdated` and `update` (DESIGN.md §13) through the real binary, with
//! real git repositories built here and served by `git daemon` on
//! 127.0.0.1: a new commit is outdated with exactly the changed children,
//! `update --dry-run` shows the three buckets and writes nothing, `update`
//! re-imports (show and the lock carry the new commit) and a deployed
//! project then shows outdated; a force-pushed ref; a folder edited in
//! place and then deleted; a marketplace whose entries are in other
//! repositories; a remote that goes away (unreachable, exit 0, nothing
//! written; `--offline` reads the cache); and the HTTP routes.

mod util;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use util::git::{Daemon, Repos, copy_into, git, lock_plugin, run, show};
use util::server::Server;
use util::{Home, fixture};

/// `outdated --json` of `names`, exit 0.
fn outdated(home: &Home, args: &[&str]) -> Value {
    let mut all = vec!["outdated", "--json"];
    all.extend_from_slice(args);
    let (out, _) = run(home, &all, 0);
    serde_json::from_str(&out).expect("outdated --json is JSON")
}

/// Each plugin's `name: state`.
fn states(report: &Value) -> Vec<String> {
    report["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["name"].as_str().unwrap_or("?"),
                p["state"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// The changed children of plugin `name`: `change kind:name`.
fn children(report: &Value, name: &str) -> Vec<String> {
    let plugin = report["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report}"));
    plugin["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            format!(
                "{} {}:{}",
                c["change"].as_str().unwrap_or("?"),
                c["kind"].as_str().unwrap_or("?"),
                c["name"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// The hash plugin `plugin` pins for its child `kind:name`.
fn pinned(home: &Home, plugin: &str, kind: &str, name: &str) -> String {
    let v = show(home, plugin);
    v["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["artifact_type"] == kind && c["artifact_name"] == name)
        .and_then(|c| c["pinned_version_hash"].as_str())
        .unwrap_or_else(|| panic!("{plugin} has no {kind}:{name}: {v}"))
        .to_owned()
}

fn lock_text(home: &Home) -> String {
    std::fs::read_to_string(home.path().join("collections/default/skillmeat.lock"))
        .expect("the lock file")
}

/// The guardrails repository changed: one skill edited, one added, the command deleted.
fn change_guardrails(work: &Path) {
    util::write(
        work,
        "skills/guard-rules/SKILL.md",
        "---\nname: guard-rules\ndescription: changed\n---\nNew rules.\n",
    );
    util::write(
        work,
        "skills/guard-extra/SKILL.md",
        "---\nname: guard-extra\ndescription: new\n---\nExtra.\n",
    );
    std::fs::remove_file(work.join("commands/guard-status.md")).expect("the command goes");
}

#[test]
fn a_new_commit_is_outdated_with_exactly_its_changed_children_then_updated() {
    let repos = Repos::new();
    let first = repos.create("kit", &[("", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("kit");
    let home = Home::new();
    run(&home, &["add", &format!("{url}@main")], 0);
    let project = tempfile::tempdir().expect("a project");
    let project_arg = project.path().to_str().expect("utf-8");
    run(
        &home,
        &["deploy", "guardrails", "--project", project_arg],
        0,
    );

    let report = outdated(&home, &[]);
    assert_eq!(states(&report), ["guardrails: up_to_date"]);
    assert_eq!(report["plugins"][0]["commit"], first.as_str());
    assert_eq!(report["plugins"][0]["children"], json!([]));

    let first_hash = show(&home, "guardrails")["content_hash"]
        .as_str()
        .expect("a hash")
        .to_owned();
    let old_rules = pinned(&home, "guardrails", "skill", "guard-rules");
    let old_status = pinned(&home, "guardrails", "command", "guard-status");
    change_guardrails(&repos.work("kit"));
    let second = repos.commit("kit", "second");

    let report = outdated(&home, &["guardrails"]);
    assert_eq!(states(&report), ["guardrails: changed"]);
    assert_eq!(
        children(&report, "guardrails"),
        [
            "gone command:guard-status",
            "new skill:guard-extra",
            "changed skill:guard-rules"
        ]
    );
    let p = &report["plugins"][0];
    assert_eq!(
        (p["commit"].as_str(), p["latest_commit"].as_str()),
        (Some(first.as_str()), Some(second.as_str()))
    );
    let by_name = |n: &str| {
        p["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_name("guard-rules")["old_hash"], old_rules.as_str());
    assert_ne!(by_name("guard-rules")["new_hash"], old_rules.as_str());
    assert_eq!(by_name("guard-status")["old_hash"], old_status.as_str());
    assert_eq!(by_name("guard-status")["new_hash"], Value::Null);
    let (text, _) = run(&home, &["outdated"], 0);
    assert!(
        text.contains("guardrails") && text.contains("changed"),
        "{text}"
    );
    assert!(text.contains(&second[..12]), "{text}");

    let lock_before = lock_text(&home);
    let (out, _) = run(&home, &["update", "--dry-run"], 0);
    assert!(out.contains("guardrails: 1 new, "), "{out}");
    assert!(out.contains("NEW      skill      guard-extra"), "{out}");
    assert!(out.contains("CONFLICT skill      guard-rules"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    assert_eq!(
        lock_text(&home),
        lock_before,
        "a dry run wrote the lock file"
    );
    assert_eq!(
        show(&home, "guardrails")["origin"]["commit"],
        first.as_str()
    );

    let (out, _) = run(&home, &["update", "--json"], 0);
    let v: Value = serde_json::from_str(&out).expect("update --json");
    assert_eq!(v["results"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["results"][0]["success"], true, "{v}");
    let after = show(&home, "guardrails");
    assert_eq!(after["origin"]["commit"], second.as_str());
    assert_eq!(
        lock_plugin(&home, "guardrails")["origin"]["commit"].as_str(),
        Some(second.as_str())
    );
    assert_eq!(states(&outdated(&home, &[])), ["guardrails: up_to_date"]);
    run(&home, &["verify"], 0);

    // The project is not touched: status says what is outdated.
    let (out, _) = run(&home, &["status", "--project", project_arg, "--json"], 0);
    let status: Value = serde_json::from_str(&out).expect("status --json");
    let outdated_items: Vec<&str> = status["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["status"] == "outdated")
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(outdated_items.contains(&"guard-rules"), "{status}");
    let (text, _) = run(&home, &["status", "--project", project_arg], 0);
    assert!(text.contains("skillmeat deploy"), "{text}");
    assert!(project.path().join(".claude").exists());

    // `use` makes the first version current again: the source's commit is
    // the recorded one, but it does not hold the current content.
    run(&home, &["use", &format!("guardrails@{first_hash}")], 0);
    assert_eq!(states(&outdated(&home, &[])), ["guardrails: changed"]);
}

#[test]
fn a_force_pushed_ref_is_outdated_at_its_new_commit() {
    let repos = Repos::new();
    repos.create("kit", &[("", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("kit");
    let home = Home::new();
    run(&home, &["add", &format!("{url}@main")], 0);

    let work = repos.work("kit");
    util::write(&work, "skills/guard-rules/EXTRA.md", "rewritten\n");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "--amend", "-m", "rewritten"]);
    let rewritten = repos.push("kit");

    let report = outdated(&home, &[]);
    assert_eq!(states(&report), ["guardrails: changed"]);
    assert_eq!(report["plugins"][0]["latest_commit"], rewritten.as_str());
    assert_eq!(
        children(&report, "guardrails"),
        ["changed skill:guard-rules"]
    );
    run(&home, &["update"], 0);
    assert_eq!(
        show(&home, "guardrails")["origin"]["commit"],
        rewritten.as_str()
    );
    assert_eq!(states(&outdated(&home, &[])), ["guardrails: up_to_date"]);
}

#[test]
fn a_folder_edited_in_place_is_changed_and_a_deleted_one_is_gone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let folder = dir.path().join("guardrails");
    copy_into(&fixture("guardrails"), &folder);
    let home = Home::new();
    run(&home, &["add", folder.to_str().expect("utf-8")], 0);
    assert_eq!(states(&outdated(&home, &[])), ["guardrails: up_to_date"]);

    util::write(
        &folder,
        "agents/guard-reviewer.md",
        "---\nname: guard-reviewer\ndescription: edited\n---\nEdited.\n",
    );
    let report = outdated(&home, &[]);
    assert_eq!(states(&report), ["guardrails: changed"]);
    assert_eq!(
        children(&report, "guardrails"),
        ["changed agent:guard-reviewer"]
    );
    run(&home, &["update"], 0);
    assert_eq!(states(&outdated(&home, &[])), ["guardrails: up_to_date"]);

    std::fs::remove_dir_all(&folder).expect("the folder goes");
    let lock_before = lock_text(&home);
    let report = outdated(&home, &[]);
    assert_eq!(states(&report), ["guardrails: gone"]);
    assert!(
        report["plugins"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("is not there any more")),
        "{report}"
    );
    let (out, _) = run(&home, &["update"], 0);
    assert!(
        out.contains("source gone") && out.contains("nothing to update"),
        "{out}"
    );
    assert_eq!(lock_text(&home), lock_before);
}

#[test]
fn a_marketplace_whose_entries_are_in_other_repositories() {
    let repos = Repos::new();
    repos.create("guard", &[("", &fixture("guardrails"))]);
    git(&repos.work("guard"), &["tag", "v1"]);
    repos.push("guard");
    let tools = repos.create("tools", &[("plugins/skills-only", &fixture("skills-only"))]);
    let daemon = Daemon::serve(&repos.served());
    let work = repos.work("market");
    util::write(
        &work,
        ".claude-plugin/marketplace.json",
        &format!(
            r#"{{"name": "team", "owner": {{"name": "t"}}, "plugins": [
                {{"name": "local-kit", "source": "./plugins/local-kit"}},
                {{"name": "guardrails", "source": {{"source": "url", "url": "{}", "ref": "v1"}}}},
                {{"name": "skills-only", "source": {{"source": "git-subdir", "url": "{}", "path": "plugins/skills-only", "sha": "{tools}"}}}}]}}"#,
            daemon.url("guard"),
            daemon.url("tools")
        ),
    );
    copy_into(&fixture("skills-only"), &work.join("plugins/local-kit"));
    repos.create("market", &[]);
    let home = Home::new();
    run(&home, &["add", &daemon.url("market")], 0);
    assert_eq!(
        states(&outdated(&home, &[])),
        [
            "guardrails: up_to_date",
            "local-kit: up_to_date",
            "skills-only: up_to_date"
        ]
    );

    // The tag moves in the guardrails repository; the marketplace's own
    // plugin changes; the pinned sha of skills-only holds it where it is.
    let guard = repos.work("guard");
    util::write(
        &guard,
        "skills/guard-rules/SKILL.md",
        "---\nname: guard-rules\ndescription: v1 again\n---\nMoved.\n",
    );
    repos.commit("guard", "moved");
    git(&guard, &["tag", "-f", "v1"]);
    repos.push("guard");
    util::write(
        &work,
        "plugins/local-kit/skills/commit-style/SKILL.md",
        "---\nname: commit-style\ndescription: edited\n---\nEdited.\n",
    );
    repos.commit("market", "edited");
    util::write(
        &repos.work("tools"),
        "plugins/skills-only/skills/release-notes/SKILL.md",
        "---\nname: release-notes\ndescription: not pinned\n---\nx\n",
    );
    repos.commit("tools", "after the pin");

    let report = outdated(&home, &[]);
    assert_eq!(
        states(&report),
        [
            "guardrails: changed",
            "local-kit: changed",
            "skills-only: up_to_date"
        ]
    );
    assert_eq!(
        children(&report, "guardrails"),
        ["changed skill:guard-rules"]
    );
    assert_eq!(
        children(&report, "local-kit"),
        ["changed skill:commit-style"]
    );
    run(&home, &["update", "guardrails"], 0);
    assert_eq!(
        states(&outdated(&home, &[])),
        [
            "guardrails: up_to_date",
            "local-kit: changed",
            "skills-only: up_to_date"
        ]
    );
    run(&home, &["verify"], 0);

    // One entry's repository goes away: only its plugin is unreachable.
    std::fs::remove_dir_all(repos.served().join("guard.git")).expect("guard.git goes");
    let report = outdated(&home, &[]);
    assert_eq!(
        states(&report),
        [
            "guardrails: unreachable",
            "local-kit: changed",
            "skills-only: up_to_date"
        ]
    );
}

#[test]
fn a_remote_that_goes_away_is_unreachable_and_offline_reads_the_cache() {
    let repos = Repos::new();
    repos.create("kit", &[("", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let url = daemon.url("kit");
    let home = Home::new();
    run(&home, &["add", &url], 0);
    daemon.stop();

    let lock_before = lock_text(&home);
    let db = home.path().join("collections/default");
    let before = util::snapshot(&db);
    let report = outdated(&home, &[]);
    assert_eq!(states(&report), ["guardrails: unreachable"]);
    let reason = report["plugins"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("{url}: could not fetch")),
        "{reason}"
    );
    let (text, _) = run(&home, &["outdated"], 0);
    assert!(text.contains("source unreachable"), "{text}");
    let (out, _) = run(&home, &["update"], 0);
    assert!(out.contains("nothing to update"), "{out}");
    assert_eq!(lock_text(&home), lock_before);
    assert_eq!(util::snapshot(&db), before, "the collection was written");

    assert_eq!(
        states(&outdated(&home, &["--offline"])),
        ["guardrails: up_to_date"]
    );
    let (_, err) = run(&home, &["outdated", "nope"], 1);
    assert!(err.contains("nope"), "{err}");
}

const UPDATE: &str = "/api/v1/update";

/// The update a 202 started, followed until it is no longer in progress.
fn followed(server: &Server, started: &Value) -> Value {
    let id = started["transaction_id"]
        .as_str()
        .expect("a transaction id");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, job) = server.json(&format!("/api/v1/updates/{id}"));
        assert_eq!(status, 200, "{job}");
        if job["status"] != "in_progress" || std::time::Instant::now() > deadline {
            return job;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_http_routes_outdated_and_update() {
    let repos = Repos::new();
    repos.create("kit", &[("", &fixture("guardrails"))]);
    let daemon = Daemon::serve(&repos.served());
    let home = Home::new();
    run(&home, &["add", &daemon.url("kit")], 0);
    change_guardrails(&repos.work("kit"));
    let second = repos.commit("kit", "second");

    let mut server = Server::spawn(home.cmd_std(), &[], &[("GIT_CONFIG_NOSYSTEM", "1")]);
    let (status, body) = server.json("/api/v1/outdated?name=guardrails");
    assert_eq!(status, 200, "{body}");
    assert_eq!(states(&body), ["guardrails: changed"]);
    assert_eq!(children(&body, "guardrails").len(), 3, "{body}");
    let (status, body) = server.json("/api/v1/outdated?name=nope");
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );

    let (status, body) = server.post_json(UPDATE, &json!({"dry_run": true}));
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "in_progress", "{body}");
    let job = followed(&server, &body);
    assert_eq!(job["status"], "succeeded", "{job}");
    let body = &job["result"];
    assert_eq!(
        body["previews"][0]["buckets"]["new"][0]["name"], "guard-extra",
        "{body}"
    );
    assert_eq!(body["results"], json!([]));
    let (status, body) = server.post_json(UPDATE, &json!({"on_conflict": "sideways"}));
    assert_eq!(status, 422, "{body}");
    let (status, body) = server.post_json(UPDATE, &json!({"names": ["nope"]}));
    assert_eq!(status, 202, "{body}");
    let job = followed(&server, &body);
    assert_eq!(
        (job["status"].as_str(), job["error"]["code"].as_str()),
        (Some("failed"), Some("not_found")),
        "{job}"
    );
    let (status, body) = server.json("/api/v1/updates/01JZ8Y5A0B1C2D3E4F5G6H7J8K");
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, body) = server.post_json(UPDATE, &json!({"names": ["guardrails"]}));
    assert_eq!(status, 202, "{body}");
    let job = followed(&server, &body);
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["results"][0]["success"], true, "{job}");
    let (_, body) = server.json("/api/v1/outdated");
    assert_eq!(states(&body), ["guardrails: up_to_date"]);
    server.stop(Duration::from_secs(60));
    assert_eq!(
        show(&home, "guardrails")["origin"]["commit"],
        second.as_str()
    );
}

//! `add`, `preview`, `list`, `show`, `verify` through the real binary, on a
//! real SQLite file in a temp `SKILLMEAT_HOME`; crash safety and
//! concurrency with real processes.

mod util;

use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;
use serde_json::Value;
use util::{Home, fixture};

#[test]
fn add_json_shape_and_reimport_of_the_marketplace_adds_nothing() {
    let home = Home::new();
    let first = home.json(&["add", "--json"], [fixture("wshobson-agents")]);
    let results = first["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 60);
    for r in &results {
        for key in [
            "success",
            "plugin_id",
            "children_imported",
            "children_reused",
            "children_new_version",
            "errors",
            "transaction_id",
        ] {
            assert!(r.get(key).is_some(), "ImportResult without {key}");
        }
        assert_eq!(r["success"], true, "{r}");
        assert_eq!(r["transaction_id"].as_str().map(str::len), Some(26));
    }
    let total = |v: &Value, key: &str| {
        v["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r[key].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    let expected = util::expected("wshobson-agents.expected.json");
    let children: u64 = expected
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, c)| {
            ["skill", "command", "agent", "hook", "mcp_server"]
                .iter()
                .map(|k| c[k].as_u64().unwrap_or(0))
                .sum::<u64>()
        })
        .sum();
    assert_eq!(
        total(&first, "children_imported")
            + total(&first, "children_reused")
            + total(&first, "children_new_version"),
        children
    );

    let again = home.json(&["add", "--json"], [fixture("wshobson-agents")]);
    assert_eq!(total(&again, "children_imported"), 0);
    assert_eq!(total(&again, "children_new_version"), 0);
    assert_eq!(total(&again, "children_reused"), children);
    home.cmd()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ok: "));
}

#[test]
fn preview_buckets_and_dry_run_write_nothing() {
    let home = Home::new();
    let plugin = fixture("superpowers");
    let preview = home.json(&["preview", "--json"], [&plugin]);
    let p = &preview["plugins"][0];
    assert_eq!(p["name"], "superpowers");
    // The picker searches it: plugin.json's description.
    assert_eq!(
        p["description"],
        "Core skills library for Claude Code: TDD, debugging, collaboration patterns, and proven techniques"
    );
    assert_eq!(p["buckets"]["new"].as_array().map(Vec::len), Some(15));
    assert_eq!(p["buckets"]["existing"].as_array().map(Vec::len), Some(0));
    let dry = home.json(&["add", "--dry-run", "--json"], [&plugin]);
    assert_eq!(dry["results"][0]["children_imported"], 15);
    assert_eq!(dry["results"][0]["dry_run"], true);
    assert!(!home.path().exists(), "a dry run must not create the home");

    home.cmd().arg("add").arg(&plugin).assert().success();
    let preview = home.json(&["preview", "--json"], [&plugin]);
    assert_eq!(
        preview["plugins"][0]["buckets"]["existing"]
            .as_array()
            .map(Vec::len),
        Some(15)
    );

    // A changed copy: one conflict, with the current and the incoming hash.
    let copy = util::copy_tree(&plugin);
    std::fs::write(copy.path().join("skills/brainstorming/SKILL.md"), "changed")
        .expect("changing the copy's SKILL.md");
    let preview = home.json(&["preview", "--json"], [copy.path()]);
    let conflict = &preview["plugins"][0]["buckets"]["conflict"];
    assert_eq!(conflict.as_array().map(Vec::len), Some(1));
    assert_eq!(conflict[0]["name"], "brainstorming");
    assert_ne!(conflict[0]["current_hash"], conflict[0]["content_hash"]);
    assert_eq!(conflict[0]["current_hash"].as_str().map(str::len), Some(64));
}

#[test]
fn list_and_show() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let list = home.json(&["list", "--json"], &[] as &[&str]);
    assert_eq!(list["total"], 16);
    assert_eq!(list["count"], 16);
    assert_eq!(list["items"][0]["kind"], "composite");
    assert_eq!(list["items"][0]["child_count"], 15);
    for key in [
        "id",
        "name",
        "kind",
        "subtype",
        "child_count",
        "content_hash",
        "created_at",
        "updated_at",
    ] {
        assert!(
            list["items"][0].get(key).is_some(),
            "list item without {key}"
        );
    }
    let skills = home.json(&["list", "--type", "skill", "--json"], &[] as &[&str]);
    assert_eq!(skills["total"], 14);

    home.cmd()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("NAME "))
        .stdout(predicate::str::contains(
            "superpowers                     composite  plugin   6.2.0         15",
        ));

    let plugin = home.json(&["show", "superpowers", "--json"], &[] as &[&str]);
    assert_eq!(plugin["kind"], "composite");
    assert_eq!(plugin["children"].as_array().map(Vec::len), Some(15));
    let child = &plugin["children"][0];
    for key in [
        "artifact_id",
        "artifact_name",
        "artifact_type",
        "relationship_type",
        "pinned_version_hash",
        "created_at",
    ] {
        assert!(child.get(key).is_some(), "association without {key}");
    }
    let skill = home.json(&["show", "brainstorming", "--json"], &[] as &[&str]);
    assert_eq!(skill["parents"][0]["artifact_name"], "superpowers");
    assert_eq!(skill["parents"][0]["relationship_type"], "MEMBER");
    assert_eq!(skill["versions"].as_array().map(Vec::len), Some(1));
    // by id too
    let id = skill["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        home.json(&["show", &id, "--json"], &[] as &[&str])["name"],
        "brainstorming"
    );

    home.cmd()
        .args(["show", "no-such-thing"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "skillmeat: error: no artifact named \"no-such-thing\" in collection \"default\"\n",
        );
    // A collection that does not exist yet has no artifact of that name.
    Home::new()
        .cmd()
        .args(["show", "brainstorming"])
        .assert()
        .code(1)
        .stderr(
            "skillmeat: error: no artifact named \"brainstorming\" in collection \"default\" (it is empty)\n",
        );
}

#[test]
fn bad_input_exits_1_and_writes_nothing() {
    let home = Home::new();
    let dir = tempfile::TempDir::new().expect("a temp dir");
    util::write(
        dir.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "x y"}"#,
    );
    home.cmd()
        .arg("add")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            ".claude-plugin/plugin.json: field `name`",
        ));
    assert!(!home.path().exists());
    home.cmd()
        .args(["--collection", "../evil", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "collection name \"../evil\" is not allowed",
        ));
}

#[test]
fn verify_reports_tampering() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let skill = home
        .path()
        .join("collections/default/artifacts/skills/brainstorming/SKILL.md");
    std::fs::write(&skill, "edited by hand").expect("editing the stored SKILL.md");
    let report = home.json_code(&["verify", "--json"], &[] as &[&str], 1);
    assert_eq!(report["ok"], false);
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("artifacts/skills/brainstorming/SKILL.md: content differs"),
        "{problems}"
    );
}

/// Kills the import at every failpoint; after each, the next command finds
/// either nothing or the complete plugin, and `verify` is clean.
#[test]
fn killed_at_every_failpoint_leaves_no_partial_plugin() {
    let plugin = fixture("superpowers");
    for point in skillmeat::failpoint::ALL {
        let home = Home::new();
        // Something committed before, which must survive untouched.
        home.cmd()
            .arg("add")
            .arg(fixture("wshobson-agents/plugins/code-documentation"))
            .assert()
            .success();
        let status = home
            .cmd_failpoints()
            .env("SKILLMEAT_FAILPOINT", point)
            .arg("add")
            .arg(&plugin)
            .output();
        let died = status.map(|o| !o.status.success()).unwrap_or(false);
        assert!(died, "{point}: the process should have died there");

        let report = home.json(&["verify", "--json"], &[] as &[&str]);
        assert_eq!(report["ok"], true, "{point}: {report}");
        let list = home.json(&["list", "--type", "composite", "--json"], &[] as &[&str]);
        let names: Vec<&str> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["name"].as_str())
            .collect();
        let committed = ["import.committed", "import.cleaned"].contains(point);
        let expected = if committed {
            vec!["code-documentation", "superpowers"]
        } else {
            vec!["code-documentation"]
        };
        assert_eq!(names, expected, "{point}");
        if committed {
            let show = home.json(&["show", "superpowers", "--json"], &[] as &[&str]);
            assert_eq!(
                show["children"].as_array().map(Vec::len),
                Some(15),
                "{point}"
            );
        }
        // And the import works afterwards.
        home.cmd().arg("add").arg(&plugin).assert().success();
        assert_eq!(
            home.json(&["verify", "--json"], &[] as &[&str])["ok"],
            true,
            "{point}"
        );
    }
}

/// `kill -9` at arbitrary moments of a marketplace import.
#[test]
fn kill_9_loop_leaves_a_consistent_collection() {
    let home = Home::new();
    let market = fixture("wshobson-agents");
    let mut recovered = 0;
    // Kill at growing delays until three kills have landed inside a
    // transaction (at most 40 tries).
    let delays = [5u64, 20, 40, 60, 90, 120, 160, 220, 300, 400, 550, 700];
    for delay_ms in delays.iter().cycle().take(40).copied() {
        if recovered >= 3 {
            break;
        }
        let mut child = home
            .cmd_std()
            .arg("add")
            .arg(&market)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning skillmeat add");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Did the kill land inside a transaction (its folder is left behind)?
        let txn = home.path().join("collections/default/.txn");
        if std::fs::read_dir(&txn).is_ok_and(|mut d| d.next().is_some()) {
            recovered += 1;
        }
        let out = home
            .cmd()
            .args(["verify", "--json"])
            .assert()
            .success()
            .get_output()
            .clone();
        let report: Value = serde_json::from_slice(&out.stdout).expect("skillmeat printed JSON");
        assert_eq!(report["ok"], true, "after kill at {delay_ms} ms: {report}");
        // Every plugin listed is complete.
        let list = home.json(&["list", "--type", "composite", "--json"], &[] as &[&str]);
        let expected = util::expected("wshobson-agents.expected.json");
        for item in list["items"].as_array().into_iter().flatten() {
            let name = item["name"].as_str().unwrap_or_default();
            let want: u64 = ["skill", "command", "agent", "hook", "mcp_server"]
                .iter()
                .map(|k| expected[name][k].as_u64().unwrap_or(0))
                .sum();
            assert_eq!(
                item["child_count"].as_u64(),
                Some(want),
                "{name} after kill at {delay_ms} ms"
            );
        }
    }
    assert!(
        recovered >= 3,
        "only {recovered} kills landed inside a transaction"
    );
    home.cmd().arg("add").arg(&market).assert().success();
    assert_eq!(
        home.json(&["list", "--type", "composite", "--json"], &[] as &[&str])["total"],
        60
    );
    assert_eq!(home.json(&["verify", "--json"], &[] as &[&str])["ok"], true);
}

/// Several processes importing at once all succeed, with no duplicates.
#[test]
fn concurrent_imports_all_succeed_without_duplicates() {
    let home = Home::new();
    let sources = [
        fixture("wshobson-agents"),
        fixture("wshobson-agents"),
        fixture("superpowers"),
        fixture("wshobson-agents/plugins/agent-teams"),
        fixture("superpowers"),
    ];
    let children: Vec<_> = sources
        .iter()
        .map(|s| {
            home.cmd_std()
                .args(["add", "--json"])
                .arg(s)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawning skillmeat add")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("waiting for skillmeat add");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "an import failed: {stderr}");
        assert!(!stderr.contains("locked"), "{stderr}");
    }
    let list = home.json(&["list", "--json"], &[] as &[&str]);
    let mut keys: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| format!("{}:{}", i["kind"], i["name"]))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "duplicate artifacts");
    assert_eq!(
        home.json(&["list", "--type", "composite", "--json"], &[] as &[&str])["total"],
        61
    );
    assert_eq!(home.json(&["verify", "--json"], &[] as &[&str])["ok"], true);
}

/// `SKILLMEAT_LOG=debug skillmeat add … 2>&1 >/dev/null | head -2`: logging
/// into a closed stderr (text or JSON) drops the logs, and the import still
/// happens; a closed stdout ends the command quietly too.
#[test]
fn closed_stdout_or_stderr_never_hangs_and_the_import_happens() {
    let limit = Duration::from_secs(120);
    for (format, closed) in [
        ("text", "stderr"),
        ("json", "stderr"),
        ("text", "stdout"),
        ("json", "both"),
    ] {
        let home = Home::new();
        let mut cmd = home.cmd_std();
        cmd.env("SKILLMEAT_LOG", "debug")
            .args(["--log-format", format, "add"])
            .arg(fixture("superpowers"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if closed != "stdout" {
            cmd.stderr(util::closed_pipe());
        }
        if closed != "stderr" {
            cmd.stdout(util::closed_pipe());
        }
        let status = util::run_bounded(&mut cmd, limit);
        assert_eq!(status.code(), Some(0), "{format} logs, closed {closed}");
        let list = home.json(&["list", "--type", "composite", "--json"], &[] as &[&str]);
        assert_eq!(
            list["items"][0]["name"], "superpowers",
            "{format}, {closed}"
        );
        assert_eq!(list["items"][0]["child_count"], 15, "{format}, {closed}");
    }
    // A reading command into a closed stdout exits quietly (like ripgrep).
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let mut list = home.cmd_std();
    list.env("SKILLMEAT_LOG", "debug")
        .arg("list")
        .stdout(util::closed_pipe())
        .stderr(util::closed_pipe());
    assert_eq!(util::run_bounded(&mut list, limit).code(), Some(0));
}

/// A command that wrote leaves everything in `skillmeat.db` itself (the
/// WAL checkpointed): a backup of that one file holds the whole collection.
#[test]
fn after_add_the_database_file_alone_holds_the_collection() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("wshobson-agents"))
        .assert()
        .success();
    let plugins = util::expected("wshobson-agents.expected.json")
        .as_object()
        .map(serde_json::Map::len);
    assert_eq!(plugins, Some(60));

    let backup = Home::new();
    std::fs::create_dir_all(backup.path()).expect("backup home");
    std::fs::copy(
        home.path().join("skillmeat.db"),
        backup.path().join("skillmeat.db"),
    )
    .expect("copying skillmeat.db alone");
    util::copy_dir(
        &home.path().join("collections"),
        &backup.path().join("collections"),
    );
    let list = backup.json(&["list", "--type", "composite", "--json"], &[] as &[&str]);
    assert_eq!(list["total"].as_u64(), plugins.map(|n| n as u64));
    let report = backup.json(&["verify", "--json"], &[] as &[&str]);
    assert_eq!(report["ok"], true, "{report}");
}

/// `verify` checks `skillmeat.lock` and `manifest.toml` against the
/// database entry by entry, also when the database has none of them.
#[test]
fn verify_reports_records_files_and_database_that_disagree() {
    let problems_of = |home: &Home| -> Vec<String> {
        let report = home.json_code(&["verify", "--json"], &[] as &[&str], 1);
        assert_eq!(report["ok"], false, "{report}");
        report["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect()
    };
    let db_files = ["skillmeat.db", "skillmeat.db-wal", "skillmeat.db-shm"];
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("wshobson-agents/plugins/code-documentation"))
        .assert()
        .success();
    let snapshot = tempfile::TempDir::new().expect("snapshot dir");
    for f in db_files {
        let _ = std::fs::copy(home.path().join(f), snapshot.path().join(f));
    }
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    // The database of before the second import, the files of after it.
    for f in db_files {
        let _ = std::fs::remove_file(home.path().join(f));
        let _ = std::fs::copy(snapshot.path().join(f), home.path().join(f));
    }
    let problems = problems_of(&home);
    for expected in [
        "skillmeat.lock lists composite superpowers, which the database lacks",
        "skillmeat.lock lists skill brainstorming, which the database lacks",
        "manifest.toml lists composite superpowers, which the database lacks",
        "manifest.toml lists skill brainstorming, which the database lacks",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected}: {problems:#?}"
        );
    }

    // No database at all beside the collection folder.
    let bare = Home::new();
    util::copy_dir(
        &home.path().join("collections"),
        &bare.path().join("collections"),
    );
    let problems = problems_of(&bare);
    assert!(
        problems
            .iter()
            .any(|p| p == "skillmeat.lock lists skill brainstorming, which the database lacks"),
        "{problems:#?}"
    );

    // The reverse: the lock file lost a line the database has.
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let lock = home.path().join("collections/default/skillmeat.lock");
    let text = std::fs::read_to_string(&lock).expect("reading skillmeat.lock");
    let kept: String = text
        .lines()
        .filter(|l| !l.contains("name = \"brainstorming\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(text.lines().count(), kept.lines().count() + 1);
    std::fs::write(&lock, kept).expect("writing skillmeat.lock");
    assert_eq!(
        problems_of(&home),
        ["skillmeat.lock lacks skill brainstorming, which the database has"]
    );
}

/// A stored file that is missing or corrupt is named: its name in the
/// version, the blob's path and the version.
#[test]
fn verify_names_the_stored_file_that_is_missing_or_corrupt() {
    let sha256 = |bytes: &[u8]| -> String {
        let mut child = std::process::Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("running sha256sum");
        let mut stdin = child.stdin.take().expect("sha256sum's stdin");
        std::io::Write::write_all(&mut stdin, bytes).expect("feeding sha256sum");
        drop(stdin);
        let out = child.wait_with_output().expect("sha256sum's output");
        String::from_utf8_lossy(&out.stdout)[..64].to_owned()
    };
    let read = |rel: &str| std::fs::read(fixture(rel)).expect("reading a fixture file");
    let plugin = "wshobson-agents/plugins/accessibility-compliance";
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture(plugin))
        .assert()
        .success();
    // A single-file version's hash is its file's SHA-256; a folder's is the
    // SHA-256 of its `path NUL sha256-hex LF` records (DESIGN.md §3).
    let agent = sha256(&read(&format!("{plugin}/agents/ui-visual-validator.md")));
    let skill_md = sha256(&read(&format!(
        "{plugin}/skills/screen-reader-testing/SKILL.md"
    )));
    let skill = sha256(format!("SKILL.md\0{skill_md}\n").as_bytes());
    let blob = |hex: &str| format!("objects/{}/{}", &hex[..2], &hex[2..]);
    let collection = home.path().join("collections/default");
    std::fs::remove_file(collection.join(blob(&agent))).expect("removing the agent's blob");
    std::fs::write(collection.join(blob(&skill_md)), "corrupt")
        .expect("corrupting SKILL.md's blob");
    let report = home.json_code(&["verify", "--json"], &[] as &[&str], 1);
    let problems: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        format!(
            "agent ui-visual-validator: stored file ui-visual-validator.md ({}) of version {} is missing or corrupt",
            blob(&agent),
            &agent[..12]
        ),
        format!(
            "skill screen-reader-testing: stored file SKILL.md ({}) of version {} is missing or corrupt",
            blob(&skill_md),
            &skill[..12]
        ),
    ] {
        assert!(
            problems.contains(&expected.as_str()),
            "{expected}: {problems:#?}"
        );
    }
}

/// Runs SQL on the SQLite database at `path` (created if missing).
fn run_sql(path: &std::path::Path, sql: &'static str) {
    use sqlx::Connection;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("opening the database");
        sqlx::raw_sql(sql)
            .execute(&mut conn)
            .await
            .expect("running SQL");
        conn.close().await.expect("closing the database");
    });
}

/// A `skillmeat.db` that is not skillmeat's is the user's problem (exit 1,
/// the path named), and nothing is written into it.
#[test]
fn a_database_that_is_not_skillmeats_is_named_and_left_alone() {
    for (shape, reason) in [
        ("text", "the file is not a SQLite database"),
        ("sqlite", "a SQLite database without skillmeat's tables"),
    ] {
        let home = Home::new();
        let db = home.path().join("skillmeat.db");
        std::fs::create_dir_all(home.path()).expect("home");
        if shape == "text" {
            std::fs::write(&db, "notes: not a database at all\n".repeat(100))
                .expect("writing text");
        } else {
            run_sql(
                &db,
                "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')",
            );
        }
        let before = std::fs::read(&db).expect("reading the file");
        let expected = format!(
            "skillmeat: error: {}: not a skillmeat database ({reason})\n",
            db.display()
        );
        for args in [
            vec!["list"],
            vec!["verify"],
            vec!["show", "brainstorming"],
            vec!["add", "ADD"],
        ] {
            let mut cmd = home.cmd();
            for a in &args {
                match *a {
                    "ADD" => cmd.arg(fixture("superpowers")),
                    a => cmd.arg(a),
                };
            }
            cmd.assert().code(1).stdout("").stderr(expected.clone());
        }
        let after = std::fs::read(&db).expect("reading the file again");
        assert!(after == before, "{shape}: the file was changed");
        assert!(!home.path().join("collections").exists(), "{shape}");
    }
}

/// A home the user may not write: the reading commands work, writing
/// nothing; a database that needs an upgrade first says so (exit 1), and
/// is upgraded by the next command that may write.
#[test]
fn a_read_only_home_can_be_read() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let chmod = |mode: &str| {
        let status = std::process::Command::new("chmod")
            .args(["-R", mode])
            .arg(home.path())
            .status()
            .expect("running chmod");
        assert!(status.success(), "chmod -R {mode}");
    };
    let listing = || -> Vec<String> {
        walkdir::WalkDir::new(home.path())
            .into_iter()
            .flatten()
            .map(|e| e.path().display().to_string())
            .collect()
    };
    let reader = || {
        let mut cmd = util::as_unprivileged(&home.path());
        cmd.env("SKILLMEAT_HOME", home.path())
            .env_remove("SKILLMEAT_LOG");
        cmd
    };
    let json = |args: &[&str]| -> Value {
        let out = reader().args(args).assert().success().get_output().clone();
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    };
    chmod("a+rX,a-w");
    let files = listing();
    assert_eq!(json(&["list", "--json"])["total"], 16);
    assert_eq!(json(&["verify", "--json"])["ok"], true);
    assert_eq!(
        json(&["show", "brainstorming", "--json"])["name"],
        "brainstorming"
    );
    let out = tempfile::TempDir::new().expect("output dir");
    util::chmod(out.path(), 0o777);
    let zip = out.path().join("superpowers.zip");
    reader()
        .args(["export", "superpowers", "-o"])
        .arg(&zip)
        .assert()
        .success();
    assert!(zip.is_file());
    assert_eq!(listing(), files, "a reading command wrote into the home");

    // The schema of an older skillmeat (without the last migration).
    chmod("u+w");
    let db = home.path().join("skillmeat.db");
    run_sql(
        &db,
        "DROP TABLE deployments; DELETE FROM _sqlx_migrations WHERE version = 2",
    );
    chmod("a+rX,a-w");
    reader()
        .arg("list")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(format!(
            "skillmeat: error: {}: the database was made by an older skillmeat and must be upgraded, which needs write access (",
            db.display()
        )));
    chmod("u+w");
    assert_eq!(home.json(&["list", "--json"], &[] as &[&str])["total"], 16);
    assert_eq!(json(&["verify", "--json"])["ok"], true);
}

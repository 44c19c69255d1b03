//! PostgreSQL (DESIGN.md §14): the throwaway cluster the PostgreSQL tests
//! run against (`skillmeat_tests::postgres`), and the CLI with its
//! collection's rows there (`--database`, `SKILLMEAT_DATABASE_URL`).

mod util;

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;
use skillmeat_tests::postgres::Cluster;
use sqlx::{Connection, PgConnection};
use util::{fixture, skillmeat};

#[tokio::test]
async fn a_throwaway_cluster_serves_a_database_and_stops_on_drop() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("collection").expect("a database");
    let mut conn = PgConnection::connect(&url).await.expect("a connection");
    let (db, sum): (String, i32) = sqlx::query_as("SELECT current_database(), 40 + 2")
        .fetch_one(&mut conn)
        .await
        .expect("a query");
    assert_eq!((db.as_str(), sum), ("collection", 42));
    conn.close().await.expect("closing");

    let socket = cluster.socket_dir().join(".s.PGSQL.5432");
    assert!(
        socket.exists(),
        "the server listens on {}",
        socket.display()
    );
    let folder = cluster.socket_dir().to_owned();
    drop(cluster);
    assert!(!folder.exists(), "the cluster's folder is deleted");
    assert!(
        PgConnection::connect(&url).await.is_err(),
        "nothing answers once the cluster is dropped"
    );
}

#[test]
fn two_clusters_run_side_by_side() {
    let a = Cluster::start().expect("a first cluster");
    let b = Cluster::start().expect("a second cluster");
    assert_ne!(a.socket_dir(), b.socket_dir());
    a.database("same_name").expect("a database in the first");
    b.database("same_name")
        .expect("the same name in the second: the clusters are separate");
}

/// `skillmeat --database <url> add <fixture plugin>` in `home`, succeeding.
fn added(url: &str, home: &Path, plugin: &str) {
    on(url, home)
        .arg("add")
        .arg(fixture(plugin))
        .assert()
        .success();
}

/// `skillmeat --database <url>` with `home` as SKILLMEAT_HOME.
fn on(url: &str, home: &Path) -> assert_cmd::Command {
    let mut cmd = skillmeat();
    cmd.env("SKILLMEAT_HOME", home).args(["--database", url]);
    cmd
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("JSON on stdout")
}

/// A PostgreSQL URL that cannot be used (no server there, or not a
/// PostgreSQL URL) is the user's to fix: exit 1, a message naming the
/// database without its password, nothing written to the home.
#[test]
fn a_wrong_database_url_is_exit_1_without_the_password() {
    let home = tempfile::TempDir::new().expect("a temp dir");
    let cases = [
        // Port 1 on loopback: nothing listens there.
        (
            "postgres://alice:s3cret-pw@127.0.0.1:1/team",
            "database postgres://alice@127.0.0.1:1/team: error communicating with database",
        ),
        (
            "mysql://alice:s3cret-pw@127.0.0.1/team",
            "not a PostgreSQL URL",
        ),
        (
            "postgres://alice:s3cret-pw@127.0.0.1:99999/team",
            "database postgres://…",
        ),
    ];
    for (url, says) in cases {
        for args in [&["list"][..], &["serve", "--listen", "127.0.0.1:0"][..]] {
            on(url, home.path())
                .args(args)
                .timeout(std::time::Duration::from_secs(60))
                .assert()
                .code(1)
                .stderr(predicate::str::contains(says))
                .stderr(predicate::str::contains("s3cret-pw").not());
        }
    }
    assert!(
        !home.path().join("skillmeat.db").exists(),
        "no SQLite database was made instead"
    );
}

/// The collection's rows in PostgreSQL: add, list, show, verify, remove,
/// through the URL given as `--database` or `SKILLMEAT_DATABASE_URL`; the
/// home holds no SQLite database.
#[test]
fn a_collection_on_postgresql() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let home = tempfile::TempDir::new().expect("a temp dir");
    added(&url, home.path(), "guardrails");
    let listed = on(&url, home.path())
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed = json(&listed);
    let names: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(names.contains(&"guardrails"), "{listed}");
    assert_eq!(listed["total"].as_u64(), Some(names.len() as u64));
    // Every page is its slice of the whole list, whether it is read from
    // the start or (past the middle) back from the end.
    let page_names = |args: &[&str]| -> Vec<String> {
        let out = on(&url, home.path())
            .args(["list", "--json"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        json(&out)["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["name"].as_str().map(str::to_owned))
            .collect()
    };
    for offset in 0..=names.len() {
        let at = offset.to_string();
        let want: Vec<String> = names
            .iter()
            .skip(offset)
            .take(2)
            .map(|n| (*n).to_owned())
            .collect();
        assert_eq!(
            page_names(&["--limit", "2", "--offset", &at]),
            want,
            "offset {offset}"
        );
    }
    let skills = page_names(&["--type", "skill"]);
    assert_eq!(skills, ["guard-rules"]);
    assert_eq!(page_names(&["--type", "skill", "--limit", "1"]), skills);

    // The same rows through the environment variable, from another home.
    let other = tempfile::TempDir::new().expect("another temp dir");
    let shown = skillmeat()
        .env("SKILLMEAT_HOME", other.path())
        .env("SKILLMEAT_DATABASE_URL", &url)
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&shown)["total"], listed["total"]);

    on(&url, home.path())
        .args(["show", "guardrails", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"kind\": \"composite\""));
    on(&url, home.path()).arg("verify").assert().success();
    assert!(!home.path().join("skillmeat.db").exists());
    on(&url, home.path())
        .args(["remove", "guardrails"])
        .assert()
        .success();
    let after = on(&url, home.path())
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&after)["total"].as_u64(), Some(0), "{}", json(&after));
}

/// A home's embedded collection and a collection on a database server
/// never share a file: the server's keeps nothing in the home's collection
/// folders, so importing into one leaves the other as it was, and each
/// lists and verifies only its own.
#[test]
fn a_home_holds_an_embedded_collection_beside_a_database_one() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let home = tempfile::TempDir::new().expect("a temp dir");
    let sqlite = || {
        let mut cmd = skillmeat();
        cmd.env("SKILLMEAT_HOME", home.path());
        cmd
    };
    sqlite()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let before = util::snapshot(&home.path().join("collections"));
    added(&url, home.path(), "superpowers");
    assert_eq!(util::snapshot(&home.path().join("collections")), before);
    let names = |cmd: &mut assert_cmd::Command| -> Vec<String> {
        let out = cmd
            .args(["list", "--type", "composite", "--json"])
            .assert()
            .success();
        json(&out.get_output().stdout)["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().expect("a name").to_owned())
            .collect()
    };
    assert_eq!(names(&mut sqlite()), ["guardrails"]);
    assert_eq!(names(&mut on(&url, home.path())), ["superpowers"]);
    sqlite().arg("verify").assert().success();
    on(&url, home.path()).arg("verify").assert().success();
}

/// A collection on a database server keeps its file contents there: homes
/// without any collection files deploy and export it, `skillmeat lock`
/// writes the very bytes of an embedded collection's records files, a
/// removal frees the database's contents, and content changed in the
/// database is refused by deploy (exit 1) and reported by verify.
#[test]
fn contents_live_in_the_database() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let served = tempfile::TempDir::new().expect("a temp dir");
    let embedded = tempfile::TempDir::new().expect("a temp dir");
    let sqlite = || {
        let mut cmd = skillmeat();
        cmd.env("SKILLMEAT_HOME", embedded.path());
        cmd
    };
    for plugin in ["guardrails", "superpowers"] {
        added(&url, served.path(), plugin);
        sqlite().arg("add").arg(fixture(plugin)).assert().success();
    }
    assert!(
        !served.path().join("collections").exists(),
        "nothing of the collection is kept in the home"
    );

    // The records files, made on demand, byte for byte.
    let out = tempfile::TempDir::new().expect("a temp dir");
    on(&url, served.path())
        .args(["lock", "--output"])
        .arg(out.path())
        .assert()
        .success();
    let kept = embedded.path().join("collections/default");
    for file in ["skillmeat.lock", "manifest.toml"] {
        let made = std::fs::read(out.path().join(file)).expect("written");
        assert_eq!(
            made,
            std::fs::read(kept.join(file)).expect("kept"),
            "{file}"
        );
    }

    // Another home, with nothing but the URL: export and deploy.
    let elsewhere = tempfile::TempDir::new().expect("a temp dir");
    let zips = tempfile::TempDir::new().expect("a temp dir");
    let (from_db, from_folder) = (zips.path().join("db.zip"), zips.path().join("folder.zip"));
    on(&url, elsewhere.path())
        .args(["export", "superpowers", "-o"])
        .arg(&from_db)
        .assert()
        .success();
    sqlite()
        .args(["export", "superpowers", "-o"])
        .arg(&from_folder)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&from_db).expect("a zip"),
        std::fs::read(&from_folder).expect("a zip"),
        "the same bundle from either collection"
    );
    let (p1, p2) = (
        tempfile::TempDir::new().unwrap(),
        tempfile::TempDir::new().unwrap(),
    );
    on(&url, elsewhere.path())
        .args(["deploy", "superpowers", "--project"])
        .arg(p1.path())
        .assert()
        .success();
    sqlite()
        .args(["deploy", "superpowers", "--project"])
        .arg(p2.path())
        .assert()
        .success();
    let deployed = |p: &Path| util::snapshot(&p.join(".claude/skills"));
    assert!(!deployed(p1.path()).is_empty());
    assert_eq!(deployed(p1.path()), deployed(p2.path()));

    // Content changed in the database: refused, nothing deployed, reported.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let rows = |sql: &'static str| {
        runtime.block_on(async {
            let mut conn = PgConnection::connect(&url).await.expect("a connection");
            let n: i64 = sqlx::query_scalar(sql)
                .fetch_one(&mut conn)
                .await
                .expect(sql);
            n
        })
    };
    let stored = rows("SELECT COUNT(*) FROM contents");
    on(&url, served.path())
        .args(["remove", "guardrails"])
        .assert()
        .success();
    assert!(
        rows("SELECT COUNT(*) FROM contents") < stored,
        "its contents went"
    );
    on(&url, served.path()).arg("verify").assert().success();
    let changed = rows(
        "WITH changed AS (UPDATE contents SET bytes = 'tampered'::bytea
         WHERE hash = (SELECT MIN(hash) FROM contents) RETURNING 1) SELECT COUNT(*) FROM changed",
    );
    assert_eq!(changed, 1);
    let fresh = tempfile::TempDir::new().expect("a temp dir");
    let p3 = tempfile::TempDir::new().expect("a temp dir");
    on(&url, fresh.path())
        .args(["deploy", "superpowers", "--project"])
        .arg(p3.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no longer matches its SHA-256"));
    assert!(
        !p3.path().join(".claude/skills").exists(),
        "nothing deployed"
    );
    on(&url, served.path())
        .arg("verify")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("database content sha256:"));
}

/// Imports of the same plugins from several processes at once (each its
/// own home, one database): every one succeeds, the database's unique
/// constraints leave one artifact per name and one content per hash (the
/// imports that lost a race ran again), and the collection verifies.
#[test]
fn concurrent_imports_of_the_same_plugins_never_duplicate() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let homes: Vec<tempfile::TempDir> = (0..6)
        .map(|_| tempfile::TempDir::new().expect("a temp dir"))
        .collect();
    let running: Vec<_> = homes
        .iter()
        .enumerate()
        .map(|(i, home)| {
            let plugin = ["superpowers", "guardrails"][i % 2];
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillmeat"));
            cmd.env("SKILLMEAT_HOME", home.path())
                .env("SKILLMEAT_DATABASE_URL", &url)
                .arg("add")
                .arg(fixture(plugin))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().expect("starting skillmeat add")
        })
        .collect();
    for child in running {
        let out = child.wait_with_output().expect("waiting");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let alone = tempfile::TempDir::new().expect("a temp dir");
    for plugin in ["superpowers", "guardrails"] {
        let mut sqlite = skillmeat();
        sqlite
            .env("SKILLMEAT_HOME", alone.path())
            .arg("add")
            .arg(fixture(plugin))
            .assert()
            .success();
    }
    let total = |cmd: &mut assert_cmd::Command| {
        let out = cmd.args(["list", "--json"]).assert().success();
        json(&out.get_output().stdout)["total"].as_u64()
    };
    let mut sqlite = skillmeat();
    sqlite.env("SKILLMEAT_HOME", alone.path());
    assert_eq!(
        total(&mut on(&url, homes[0].path())),
        total(&mut sqlite),
        "as many artifacts as one import makes"
    );
    on(&url, homes[0].path()).arg("verify").assert().success();
}

/// `skillmeat migrate` copies an embedded collection into PostgreSQL:
/// every version (an older one made current again), pin, source and
/// deployment record, so that `show` and `lock` answer the same from
/// either side; a second run (from the collection folder this time)
/// copies nothing; what cannot be migrated is exit 1 with nothing copied.
#[test]
fn migrate_copies_an_embedded_collection_and_is_idempotent() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let home = tempfile::TempDir::new().expect("a temp dir");
    let sqlite = || {
        let mut cmd = skillmeat();
        cmd.env("SKILLMEAT_HOME", home.path())
            .env_remove("SKILLMEAT_DATABASE_URL");
        cmd
    };
    let changed = util::copy_tree(&fixture("guardrails"));
    sqlite()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    sqlite()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let readme = changed.path().join("README.md");
    std::fs::write(&readme, "changed\n").expect("writing");
    sqlite().arg("add").arg(changed.path()).assert().success();
    let first = json(
        &sqlite()
            .args(["show", "guardrails", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let oldest = first["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["content_hash"].as_str())
        .find(|h| Some(*h) != first["content_hash"].as_str())
        .expect("an older version")
        .to_owned();
    sqlite()
        .args(["use", &format!("guardrails@{oldest}")])
        .assert()
        .success();
    let project = tempfile::TempDir::new().expect("a temp dir");
    sqlite()
        .args(["deploy", "superpowers", "--project"])
        .arg(project.path())
        .assert()
        .success();

    let migrated = skillmeat()
        .args(["migrate", "--json", "--to", &url, "--from"])
        .arg(home.path())
        .assert()
        .success();
    let migrated = json(&migrated.get_output().stdout);
    assert!(migrated["rows_copied"].as_u64() > Some(0), "{migrated}");
    assert!(migrated["contents_copied"].as_u64() > Some(0), "{migrated}");
    assert_eq!(migrated["rows_present"].as_u64(), Some(0), "{migrated}");

    let served = tempfile::TempDir::new().expect("another home, without files");
    for args in [
        vec!["show", "guardrails", "--json"],
        vec!["show", "superpowers", "--json"],
        vec!["list", "--json"],
    ] {
        let a = sqlite()
            .args(&args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let b = on(&url, served.path())
            .args(&args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(json(&a), json(&b), "{args:?}");
    }
    let listed_before = sqlite()
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = tempfile::TempDir::new().expect("a temp dir");
    on(&url, served.path())
        .args(["lock", "-o"])
        .arg(out.path())
        .assert()
        .success();
    for file in ["skillmeat.lock", "manifest.toml"] {
        assert_eq!(
            std::fs::read(out.path().join(file)).expect("written"),
            std::fs::read(home.path().join("collections/default").join(file)).expect("kept"),
            "{file}"
        );
    }

    // Again, from the collection folder: everything is there already.
    let again = skillmeat()
        .args(["migrate", "--json", "--to", &url, "--from"])
        .arg(home.path().join("collections/default"))
        .assert()
        .success();
    let again = json(&again.get_output().stdout);
    assert_eq!(again["rows_copied"].as_u64(), Some(0), "{again}");
    assert_eq!(again["contents_copied"].as_u64(), Some(0), "{again}");
    assert_eq!(again["rows_present"], migrated["rows_copied"], "{again}");

    // The embedded collection changes; migrating it again would merge two
    // states: refused, nothing copied (the server keeps the first copy).
    sqlite()
        .args(["remove", "superpowers", "--force"])
        .assert()
        .success();
    skillmeat()
        .args(["migrate", "--to", &url, "--from"])
        .arg(home.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "differs from this one in skillmeat.lock",
        ));
    let still = on(&url, served.path())
        .args(["list", "--json"])
        .assert()
        .success();
    assert_eq!(
        json(&still.get_output().stdout)["total"],
        json(&listed_before)["total"],
        "the server's copy is as it was"
    );

    // Not a home; another collection of that name on the server; a
    // collection whose stored file changed: exit 1, nothing copied.
    let elsewhere = tempfile::TempDir::new().expect("a temp dir");
    skillmeat()
        .args(["migrate", "--to", &url, "--from"])
        .arg(elsewhere.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a skillmeat home"));
    let other_url = cluster.database("other").expect("a database");
    added(&other_url, served.path(), "guardrails");
    skillmeat()
        .args(["migrate", "--to", &other_url, "--from"])
        .arg(home.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "already holds another collection named default",
        ));
    let blob = walkdir::WalkDir::new(home.path().join("collections/default/objects"))
        .min_depth(2)
        .into_iter()
        .flatten()
        .find(|e| e.file_type().is_file())
        .expect("a stored file");
    std::fs::write(blob.path(), "tampered").expect("tampering");
    let third_url = cluster.database("third").expect("a database");
    skillmeat()
        .args(["migrate", "--to", &third_url, "--from"])
        .arg(home.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing was copied"));
    on(&third_url, served.path())
        .args(["list", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"total\": 0"));
}

/// The CLI built with crash points, on the database `url`, in `home`.
fn crashing(url: &str, home: &Path, point: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_skillmeat-failpoints"));
    cmd.env("SKILLMEAT_HOME", home)
        .env("SKILLMEAT_FAILPOINT", point)
        .env_remove("SKILLMEAT_LOG")
        .args(["--database", url]);
    cmd
}

/// `(artifacts, contents)` rows in the database of `url`.
fn counts(url: &str) -> (i64, i64) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let mut conn = PgConnection::connect(url).await.expect("a connection");
        let n = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        let artifacts = n("SELECT COUNT(*) FROM artifacts")
            .fetch_one(&mut conn)
            .await;
        let contents = n("SELECT COUNT(*) FROM contents")
            .fetch_one(&mut conn)
            .await;
        (artifacts.expect("artifacts"), contents.expect("contents"))
    })
}

/// An import killed (abort, as kill -9) at each of its points on a
/// database server: before the commit nothing of it is there, not a row
/// nor a content; after it, all of it. The collection verifies, and the
/// next import of the plugin succeeds.
#[test]
fn an_import_killed_at_any_point_leaves_no_partial_plugin_on_postgresql() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let whole = {
        let url = cluster.database("whole").expect("a database");
        let home = tempfile::TempDir::new().expect("a temp dir");
        added(&url, home.path(), "superpowers");
        counts(&url)
    };
    for (i, point) in [
        "import.locked",
        "import.rows_written",
        "import.staged",
        "import.committed",
    ]
    .into_iter()
    .enumerate()
    {
        let url = cluster.database(&format!("crash{i}")).expect("a database");
        let home = tempfile::TempDir::new().expect("a temp dir");
        let killed = crashing(&url, home.path(), point)
            .arg("add")
            .arg(fixture("superpowers"))
            .assert()
            .failure();
        // Killed by a signal there (abort), not an error on the way.
        assert_eq!(killed.get_output().status.code(), None, "{point}");
        let want = match point {
            "import.committed" => whole,
            _ => (0, 0),
        };
        assert_eq!(counts(&url), want, "after a kill at {point}");
        on(&url, home.path()).arg("verify").assert().success();
        added(&url, home.path(), "superpowers");
        assert_eq!(counts(&url), whole, "imported again after {point}");
    }
}

/// Imports the folder `source` on `server` to its end, and the collection
/// then verifies.
fn imports_whole(server: &util::server::Server, source: &Path) {
    let id = start_import(server, source);
    assert_eq!(server.poll(&id)["status"], "succeeded");
    let (_, report) = server.post_json("/api/v1/verify", &serde_json::json!({}));
    assert_eq!(report["ok"], true, "{report}");
}

/// Waits until a process paused at an `@pause` failpoint whose gate is
/// `go` has announced it (`go.reached`).
fn paused_at(go: &Path) {
    let reached = go.with_extension("reached");
    let start = std::time::Instant::now();
    while !reached.exists() {
        assert!(
            start.elapsed().as_secs() < 60,
            "the import reached its pause"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Starts the import of the folder `source` on `server`; its id.
fn start_import(server: &util::server::Server, source: &Path) -> String {
    let (status, started) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &serde_json::json!({ "source": source }),
    );
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{started}");
    started["transaction_id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// Two servers on one database; one is killed (abort, as kill -9) in the
/// middle of an import, its rows and contents written but not committed.
/// The other keeps serving and importing; nothing of the killed import is
/// left; the collection verifies and the plugin imports whole afterwards.
#[test]
fn a_server_killed_during_an_import_leaves_the_other_serving_and_nothing_partial() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let (home_a, home_b) = (util::Home::new(), util::Home::new());
    let mut a = util::server::Server::spawn(
        home_a.cmd_failpoints_std(),
        &["--database", &url],
        &[("SKILLMEAT_FAILPOINT", "import.staged")],
    );
    let b = util::server::Server::spawn(home_b.cmd_std(), &["--database", &url], &[]);
    start_import(&a, &fixture("superpowers"));
    let status = util::server::wait(&mut a.child, std::time::Duration::from_secs(60));
    assert!(!status.success(), "the server was killed: {status:?}");

    let id = start_import(&b, &fixture("guardrails"));
    assert_eq!(b.poll(&id)["status"], "succeeded");
    let (_, listed) = b.json("/api/v1/artifacts?artifact_type=composite");
    let names: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, ["guardrails"], "nothing of the killed import");
    let (_, report) = b.post_json("/api/v1/verify", &serde_json::json!({}));
    assert_eq!(report["ok"], true, "{report}");

    imports_whole(&b, &fixture("superpowers"));
}

/// The database server stops and starts again while an import is between
/// its writes and its commit: that import fails, saying the database was
/// lost, and leaves nothing; the next one succeeds on the same server
/// process (its connections are made again).
#[test]
fn postgresql_restarting_during_an_import_fails_it_cleanly_and_the_next_succeeds() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let home = util::Home::new();
    let gate = tempfile::TempDir::new().expect("a temp dir");
    let go = gate.path().join("go");
    let server = util::server::Server::spawn(
        home.cmd_failpoints_std(),
        &["--database", &url],
        &[
            ("SKILLMEAT_FAILPOINT", "import.staged@pause"),
            (
                "SKILLMEAT_FAILPOINT_FILE",
                go.to_str().expect("a UTF-8 path"),
            ),
        ],
    );
    let id = start_import(&server, &fixture("superpowers"));
    paused_at(&go);
    cluster.stop_server().expect("stopping PostgreSQL");
    cluster.start_server().expect("starting PostgreSQL again");
    std::fs::write(&go, b"").expect("letting the import go on");
    let job = server.poll(&id);
    assert_eq!(job["status"], "failed", "{job}");
    let error = job.to_string();
    assert!(
        error.contains("lost the connection to the database server"),
        "{error}"
    );
    assert_eq!(counts(&url), (0, 0), "nothing of it is left");

    // The gate stays open: the next import passes the pause at once.
    imports_whole(&server, &fixture("guardrails"));
}

/// Two imports of one plugin with different contents at once (the first
/// paused between its writes and its commit): the second waits for the
/// first and plans from what it committed, so the plugin ends as the
/// second import left it, its current version, manifest and members
/// agreeing.
#[test]
fn two_imports_of_one_plugin_at_once_take_turns() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let home = tempfile::TempDir::new().expect("a temp dir");
    added(&url, home.path(), "guardrails");
    let shown = |home: &Path| {
        let out = on(&url, home)
            .args(["show", "guardrails", "--json"])
            .assert()
            .success();
        let v = json(&out.get_output().stdout);
        let mut children: Vec<String> = v["children"]
            .as_array()
            .expect("children")
            .iter()
            .map(|c| c["artifact_name"].as_str().expect("a name").to_owned())
            .collect();
        children.sort();
        (
            v["content_hash"].as_str().expect("a hash").to_owned(),
            children,
        )
    };
    let first = shown(home.path());
    let changed = util::copy_tree(&fixture("guardrails"));
    std::fs::remove_file(changed.path().join("commands/guard-status.md")).expect("removing");
    std::fs::write(
        changed.path().join("commands/guard-extra.md"),
        "---\ndescription: Extra\n---\nExtra\n",
    )
    .expect("writing");

    let gate = tempfile::TempDir::new().expect("a temp dir");
    let go = gate.path().join("go");
    let paused = std::process::Command::new(env!("CARGO_BIN_EXE_skillmeat-failpoints"))
        .env("SKILLMEAT_HOME", home.path())
        .env("SKILLMEAT_FAILPOINT", "import.staged@pause")
        .env("SKILLMEAT_FAILPOINT_FILE", &go)
        .args(["--database", &url, "add"])
        .arg(changed.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting the first import");
    paused_at(&go);
    let other = tempfile::TempDir::new().expect("a temp dir");
    let second = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillmeat"))
        .env("SKILLMEAT_HOME", other.path())
        .args(["--database", &url, "add"])
        .arg(fixture("guardrails"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting the second import");
    // Let the second import reach the first one's locks, then go on.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::fs::write(&go, b"").expect("letting the first import go on");
    let first_done = paused.wait_with_output().expect("the first import");
    assert!(first_done.status.success(), "{first_done:?}");
    let second_done = second.wait_with_output().expect("the second import");
    assert!(second_done.status.success(), "{second_done:?}");
    assert_eq!(
        shown(home.path()),
        first,
        "the second import's content, whole"
    );
    on(&url, home.path()).arg("verify").assert().success();
}

/// The number of rows of `table` in the database at `url`.
fn rows(url: &str, table: &str) -> i64 {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let mut conn = PgConnection::connect(url).await.expect("a connection");
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .expect("a count")
    })
}

/// Behind a load balancer, a client's requests land on any server: blobs
/// uploaded to one are held for all (the database keeps the uploads), the
/// import runs on another, and the uploads it stored are deleted.
#[test]
fn blobs_uploaded_to_one_server_are_imported_by_another() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let (home_a, home_b) = (util::Home::new(), util::Home::new());
    let a = util::server::Server::start(&home_a, &["--database", &url]);
    let b = util::server::Server::start(&home_b, &["--database", &url]);
    let root = fixture("guardrails");
    let files = util::hash_first::file_list(&root);
    let uploaded = a.upload_missing(&root, &files);
    assert!(!uploaded.is_empty());
    assert_eq!(
        b.missing(&files),
        Vec::<String>::new(),
        "b holds a's uploads"
    );
    assert_eq!(rows(&url, "uploads"), uploaded.len() as i64);

    let (_, job) = b.import(&files, "guardrails");
    assert_eq!(job["status"], "succeeded", "{job}");
    // Stored uploads are deleted; the plugin's `.mcp.json` is stored as
    // its servers, not as a file, so its upload waits out its time.
    let stored = "uploads WHERE hash IN (SELECT hash FROM contents)";
    assert_eq!(rows(&url, stored), 0, "the stored uploads are deleted");
    assert_eq!(rows(&url, "uploads"), 1, "only .mcp.json is left");
    let (_, report) = a.post_json("/api/v1/verify", &serde_json::json!({}));
    assert_eq!(report["ok"], true, "{report}");
    let notes = report["notes"].as_array();
    assert!(notes.is_none_or(Vec::is_empty), "nothing stale: {report}");
    assert_eq!(a.missing(&files), Vec::<String>::new(), "now stored");
}

/// An upload no import used is swept by whichever server's clock comes
/// first, and noted by `verify` on any server until then; a client then
/// finds it missing again.
#[test]
fn an_unused_upload_in_the_database_is_noted_then_swept() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let (home_a, home_b) = (util::Home::new(), util::Home::new());
    let a = util::server::Server::start(&home_a, &["--database", &url]);
    let root = fixture("guardrails");
    let files = util::hash_first::file_list(&root);
    let uploaded = a.upload_missing(&root, &files);
    std::thread::sleep(std::time::Duration::from_secs(2));
    // A second server that keeps uploads for one second.
    let b = util::server::Server::spawn(
        home_b.cmd_std(),
        &["--database", &url],
        &[("SKILLMEAT_UPLOAD_TTL", "1")],
    );
    let start = std::time::Instant::now();
    while rows(&url, "uploads") > 0 {
        assert!(start.elapsed().as_secs() < 30, "swept within 30 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(a.missing(&files).len(), uploaded.len());
    // Uploaded again, older than b's TTL at once: noted, not yet swept.
    a.upload_missing(&root, &files);
    let mut verify = on(&url, &home_b.path());
    verify
        .env("SKILLMEAT_UPLOAD_TTL", "0")
        .args(["verify", "--json"]);
    let out = verify.assert().success();
    let report = json(&out.get_output().stdout);
    let notes = report["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains(&uploaded[0]) && n.contains("in the database"))),
        "{report}"
    );
    drop(b);
}

/// An upload whose bytes in the database were changed is never stored:
/// the import on another server finds it missing (409 naming it), the row
/// goes, and the client, asking again, uploads it again.
#[test]
fn a_damaged_upload_in_the_database_is_uploaded_again() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let (home_a, home_b) = (util::Home::new(), util::Home::new());
    let a = util::server::Server::start(&home_a, &["--database", &url]);
    let b = util::server::Server::start(&home_b, &["--database", &url]);
    let root = fixture("guardrails");
    let files = util::hash_first::file_list(&root);
    let uploaded = a.upload_missing(&root, &files);
    let victim = uploaded[0].clone();
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(async {
            let mut conn = PgConnection::connect(&url).await.expect("a connection");
            sqlx::query("UPDATE uploads SET bytes = $1 WHERE hash = $2")
                .bind(b"not these bytes".to_vec())
                .bind(&victim)
                .execute(&mut conn)
                .await
                .expect("damaging the upload");
        });
    let body = serde_json::json!({"files": files, "root_name": "guardrails"});
    let (status, refused) = b.post_json("/api/v1/artifacts/import/composite", &body);
    assert_eq!(status.as_u16(), 409, "{refused}");
    assert!(refused.to_string().contains(&victim), "{refused}");
    assert_eq!(b.missing(&files), vec![victim.clone()], "asked again");
    assert_eq!(b.upload_missing(&root, &files), vec![victim]);
    let (_, job) = b.import(&files, "guardrails");
    assert_eq!(job["status"], "succeeded", "{job}");
}

/// On a database collection an upload is one value in the database, so a
/// blob may hold one file's bytes (a folder collection takes a plugin's,
/// for a bundle zip): over them, 413 and nothing kept on the server or in
/// the database.
#[test]
fn an_upload_over_a_file_is_413_on_a_database_collection() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");
    let home = util::Home::new();
    let mut serve = home.cmd_failpoints_std();
    serve.env("SKILLMEAT_TEST_BUNDLE_LIMITS", "entry=1000,total=2000");
    let server = util::server::Server::spawn(serve, &["--database", &url], &[]);
    let big = vec![b'x'; 1001];
    let hash = skillmeat_core::hash::hash_bytes(&big).to_hex();
    let (status, body) = server.put_blob(&hash, big);
    assert_eq!(status.as_u16(), 413, "{body}");
    assert_eq!(rows(&url, "uploads"), 0);
    let fits = vec![b'x'; 1000];
    let hash = skillmeat_core::hash::hash_bytes(&fits).to_hex();
    let (status, body) = server.put_blob(&hash, fits);
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(rows(&url, "uploads"), 1);
}

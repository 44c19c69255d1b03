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
    on(&url, home.path())
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
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

/// One collection folder never serves two databases: a home whose folder
/// `skillmeat.db` describes refuses a database server, and a folder a
/// database server made refuses `skillmeat.db` (each one's `remove` would
/// delete the other's files). Exit 1, nothing written.
#[test]
fn a_collection_folder_serves_one_database() {
    let cluster = Cluster::start().expect("a throwaway cluster");
    let url = cluster.database("team").expect("a database");

    let embedded = tempfile::TempDir::new().expect("a temp dir");
    let mut sqlite = skillmeat();
    sqlite.env("SKILLMEAT_HOME", embedded.path());
    sqlite
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let before = util::snapshot(&embedded.path().join("collections"));
    on(&url, embedded.path())
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "this collection folder belongs to the database collection",
        ));
    assert_eq!(util::snapshot(&embedded.path().join("collections")), before);

    let served = tempfile::TempDir::new().expect("a temp dir");
    on(&url, served.path())
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let before = util::snapshot(&served.path().join("collections"));
    let mut sqlite = skillmeat();
    sqlite.env("SKILLMEAT_HOME", served.path());
    sqlite
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "this collection folder belongs to the database collection",
        ));
    assert_eq!(util::snapshot(&served.path().join("collections")), before);
    on(&url, served.path()).arg("verify").assert().success();
}

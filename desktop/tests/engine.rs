//! The engine on a real SQLite file and real temp folders: import, dedup,
//! rollback, indexes, spans and metrics.

mod support;

use skillmeat::collection::Collection;
use skillmeat::import::{self, ImportResult};
use skillmeat::inspect::Source;
use skillmeat::{query, verify};
use skillmeat_core::ArtifactKind;
use skillmeat_core::plan::{ConflictChoices, ConflictPolicy};
use support::{Plugin, snapshot};

async fn add(
    coll: &Collection,
    dir: &std::path::Path,
    policy: ConflictPolicy,
) -> skillmeat::Result<Vec<ImportResult>> {
    let source = Source::open(dir)?;
    let mut out = Vec::new();
    for p in &source.discovery.plugins {
        let id = skillmeat::store::rows::new_id();
        out.push(import::import_plugin(coll, &source, p, policy, &id).await?);
    }
    Ok(out)
}

/// What `verify` finds wrong with the collection (it must run).
async fn problems(coll: &Collection) -> Vec<String> {
    verify::verify(coll).await.expect("verify runs").problems
}

fn counts(r: &ImportResult) -> (bool, usize, usize, usize) {
    (
        r.success,
        r.children_imported,
        r.children_reused,
        r.children_new_version,
    )
}

#[tokio::test]
async fn happy_path_then_dedup_on_reimport() {
    let env = support::Env::new();
    let plugin = Plugin::three_children(&env, "demo");
    let coll = env.collection().await;

    let first = add(&coll, &plugin.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing plugin");
    assert_eq!(
        first.iter().map(counts).collect::<Vec<_>>(),
        [(true, 3, 0, 0)]
    );
    let skill = support::current_files(&coll, "skill", "tdd").await;
    assert_eq!(
        skill.keys().collect::<Vec<_>>(),
        ["SKILL.md", "scripts/run.sh"]
    );
    assert!(
        support::current_text(&coll, "command", "review")
            .await
            .is_some()
    );
    assert!(
        support::current_text(&coll, "agent", "helper")
            .await
            .is_some()
    );
    let meta = support::current_files(&coll, "composite", "demo").await;
    assert_eq!(
        meta.keys().collect::<Vec<_>>(),
        [".claude-plugin/plugin.json", "README.md"],
        "children are not meta files"
    );
    // A collection on a database server keeps nothing in the home.
    assert_eq!(coll.dir.exists(), !coll.in_database());

    let before = support::memberships(&coll).await;
    assert_eq!(before.len(), 3);
    // Every pin is the child's hash as imported.
    let inspected = skillmeat::inspect::inspect(&plugin.dir)
        .expect("inspecting the plugin")
        .plugins[0]
        .children
        .clone();
    assert_eq!(inspected.len(), 3);
    for c in &inspected {
        assert_eq!(
            before.get(&c.name).map(|m| m.1.clone()),
            Some(c.content_hash.to_hex()),
            "{}",
            c.name
        );
    }

    let again = add(&coll, &plugin.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing plugin");
    assert_eq!(
        again.iter().map(counts).collect::<Vec<_>>(),
        [(true, 0, 3, 0)]
    );
    assert_eq!(support::memberships(&coll).await, before);
    assert_eq!(support::count(&coll, "artifacts").await, 4);
    assert_eq!(problems(&coll).await, Vec::<String>::new());
}

#[tokio::test]
async fn failure_on_the_second_child_rolls_back_rows_and_files() {
    let env = support::Env::new();
    let coll = env.collection().await;
    // Something already in the collection, which must stay exactly as it is.
    let other = Plugin::three_children(&env, "other");
    add(&coll, &other.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing other");
    let rows_before = support::all_rows(&coll).await;
    let files_before = snapshot(&coll.dir);

    let plugin = Plugin::build(
        &env,
        "broken",
        &[
            ("commands/a-first.md", "first"),
            ("commands/b-second.md", "second"),
            ("commands/c-third.md", "third"),
        ],
    );
    let source = Source::open(&plugin.dir).expect("opening the plugin folder");
    // The second child changes after it was hashed: the engine re-hashes
    // what it stores, refuses it, and must undo the first child.
    std::fs::write(plugin.dir.join("commands/b-second.md"), "tampered")
        .expect("changing b-second.md");
    let id = skillmeat::store::rows::new_id();
    let err = import::import_plugin(
        &coll,
        &source,
        &source.discovery.plugins[0],
        ConflictPolicy::NewVersion,
        &id,
    )
    .await;
    let message = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("b-second.md") && message.contains("changed while it was being imported"),
        "{message}"
    );

    assert_eq!(support::all_rows(&coll).await, rows_before);
    assert_eq!(snapshot(&coll.dir), files_before);
    assert_eq!(problems(&coll).await, Vec::<String>::new());
}

#[tokio::test]
async fn conflict_policies() {
    let env = support::Env::new();
    let coll = env.collection().await;
    let v1 = Plugin::build(
        &env,
        "p",
        &[("commands/review.md", "v1"), ("skills/s/SKILL.md", "s")],
    );
    add(&coll, &v1.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing v1");
    let v2 = Plugin::build(
        &env,
        "p",
        &[("commands/review.md", "v2"), ("skills/s/SKILL.md", "s")],
    );
    let hash = |s: &str| skillmeat_core::hash::hash_bytes(s.as_bytes()).to_hex();

    // keep: current stays v1 and the membership pins v1
    let r = add(&coll, &v2.dir, ConflictPolicy::Keep)
        .await
        .expect("importing v2");
    assert_eq!(r.iter().map(counts).collect::<Vec<_>>(), [(true, 0, 2, 0)]);
    assert_eq!(
        support::current_hash(&coll, "command", "review").await,
        Some(hash("v1"))
    );
    assert_eq!(
        support::memberships(&coll)
            .await
            .get("review")
            .map(|m| m.1.clone()),
        Some(hash("v1"))
    );
    assert_eq!(
        support::current_text(&coll, "command", "review")
            .await
            .as_deref(),
        Some("v1")
    );

    // fork: a new artifact review--p with v2
    let r = add(&coll, &v2.dir, ConflictPolicy::Fork)
        .await
        .expect("importing v2");
    assert_eq!(r.iter().map(counts).collect::<Vec<_>>(), [(true, 1, 1, 0)]);
    assert_eq!(
        support::current_hash(&coll, "command", "review--p").await,
        Some(hash("v2"))
    );
    assert_eq!(
        support::current_hash(&coll, "command", "review").await,
        Some(hash("v1"))
    );

    // new-version (default): v2 becomes current of review, v1 kept
    let r = add(&coll, &v2.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing v2");
    assert_eq!(r.iter().map(counts).collect::<Vec<_>>(), [(true, 0, 1, 1)]);
    assert_eq!(
        support::current_hash(&coll, "command", "review").await,
        Some(hash("v2"))
    );
    assert_eq!(
        support::current_text(&coll, "command", "review")
            .await
            .as_deref(),
        Some("v2")
    );
    assert_eq!(support::version_count(&coll, "command", "review").await, 2);
    // re-import reconciles memberships to the plugin's current children
    let memberships = support::memberships(&coll).await;
    assert_eq!(
        memberships.keys().cloned().collect::<Vec<_>>(),
        ["review", "s"]
    );
    assert_eq!(problems(&coll).await, Vec::<String>::new());
}

#[tokio::test]
async fn per_child_choices_keep_one_conflict_and_fork_another_in_one_import() {
    let env = support::Env::new();
    let coll = env.collection().await;
    let files = |review: &str, agent: &str, lint: &str| {
        [
            ("commands/review.md", review.to_owned()),
            ("agents/helper.md", agent.to_owned()),
            ("commands/lint.md", lint.to_owned()),
        ]
    };
    let build = |fs: [(&'static str, String); 3]| {
        let refs: Vec<(&str, &str)> = fs.iter().map(|(p, c)| (*p, c.as_str())).collect();
        Plugin::build(&env, "p", &refs)
    };
    let v1 = build(files("r1", "h1", "l1"));
    add(&coll, &v1.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing v1");
    let v2 = build(files("r2", "h2", "l2"));
    let source = Source::open(&v2.dir).expect("opening the plugin folder");
    let plugin = &source.discovery.plugins[0];
    // review: keep; the agent helper: fork; lint follows the default (new-version).
    let mut choices = ConflictChoices::new(ConflictPolicy::NewVersion);
    choices.set("p", ArtifactKind::Command, "review", ConflictPolicy::Keep);
    choices.set("p", ArtifactKind::Agent, "helper", ConflictPolicy::Fork);
    let id = skillmeat::store::rows::new_id();
    let r = import::import_plugin(&coll, &source, plugin, choices, &id)
        .await
        .expect("importing v2 with per-artifact choices");
    // helper--p is new, review is reused (kept), lint gets a new version.
    assert_eq!(counts(&r), (true, 1, 1, 1));

    let hash = |s: &str| Some(skillmeat_core::hash::hash_bytes(s.as_bytes()).to_hex());
    assert_eq!(
        support::current_hash(&coll, "command", "review").await,
        hash("r1")
    );
    assert_eq!(
        support::current_hash(&coll, "agent", "helper").await,
        hash("h1")
    );
    assert_eq!(
        support::current_hash(&coll, "agent", "helper--p").await,
        hash("h2")
    );
    assert_eq!(
        support::current_hash(&coll, "command", "lint").await,
        hash("l2")
    );
    let pins: Vec<(String, Option<String>)> = support::memberships(&coll)
        .await
        .into_iter()
        .map(|(name, (_, pin, _))| (name, Some(pin)))
        .collect();
    assert_eq!(
        pins,
        [
            ("helper--p".to_owned(), hash("h2")),
            ("lint".to_owned(), hash("l2")),
            ("review".to_owned(), hash("r1")),
        ],
        "the plugin pins the kept version and the fork"
    );
    assert_eq!(problems(&coll).await, Vec::<String>::new());
}

#[tokio::test]
async fn names_normalise_and_equal_bytes_under_other_names_stay_separate() {
    let env = support::Env::new();
    let coll = env.collection().await;
    let a = Plugin::build(
        &env,
        "a",
        &[("commands/code-review.md", "same"), ("agents/x.md", "x")],
    );
    let b = Plugin::build(
        &env,
        "b",
        &[
            ("commands/Code_Review.md", "same"),
            ("commands/other-name.md", "same"),
            ("agents/y.md", "same"),
        ],
    );
    add(&coll, &a.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing a");
    let r = add(&coll, &b.dir, ConflictPolicy::NewVersion)
        .await
        .expect("importing b");
    // Code_Review == code-review (name key); other-name and the agent y are new
    // although their bytes equal code-review's.
    assert_eq!(r.iter().map(counts).collect::<Vec<_>>(), [(true, 2, 1, 0)]);
    assert_eq!(
        support::count(&coll, "artifacts WHERE kind = 'command'").await,
        2
    );
    assert_eq!(
        support::count(&coll, "artifacts WHERE kind = 'agent'").await,
        2
    );
    // "same" is stored once in the content-addressed store.
    let blobs = support::stored_blobs(&coll).await;
    let same = skillmeat_core::hash::hash_bytes(b"same").to_hex();
    assert!(blobs.contains(&same), "{blobs:?}");
    assert_eq!(
        blobs.len(),
        2 + 2,
        "same, x, and the two plugins' manifests"
    );
}

#[tokio::test]
async fn dedup_lookups_use_indexes() {
    let env = support::Env::sqlite();
    let coll = env.collection().await;
    let mut conn = coll.pool.acquire().await.expect("a pooled connection");
    for (name, sql) in [
        ("identity", format!("EXPLAIN QUERY PLAN {}", skillmeat::store::rows::FIND_IDENTITY)),
        ("identities", format!("EXPLAIN QUERY PLAN {}", skillmeat::store::rows::identities_sql(2))),
        ("versions of artifacts", "EXPLAIN QUERY PLAN SELECT artifact_id, content_hash FROM artifact_versions WHERE artifact_id IN ('a', 'b')".into()),
        ("versions by hash", "EXPLAIN QUERY PLAN SELECT id FROM artifact_versions WHERE content_hash = 'x'".into()),
        ("pins", "EXPLAIN QUERY PLAN SELECT id FROM composite_memberships WHERE pinned_version_hash = 'x'".into()),
        ("version of artifact", "EXPLAIN QUERY PLAN SELECT id FROM artifact_versions WHERE artifact_id = 'a' AND content_hash = 'x'".into()),
    ] {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind("h").bind("c").bind("skill").bind("k").fetch_all(&mut *conn).await.expect("EXPLAIN QUERY PLAN");
        let plan: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
        assert!(!plan.is_empty(), "{name}: no plan");
        // Every table access is an index search; nothing scans a table
        // (a list of values the statement gives is scanned, not a table).
        let values = |s: &str| s.ends_with("VALUES CLAUSE") || s.ends_with("CONSTANT ROWS") || s == "SCAN w";
        let table = |s: &&&str| s.starts_with("SEARCH") || (s.starts_with("SCAN") && !values(s));
        for step in plan.iter().filter(table) {
            assert!(step.starts_with("SEARCH") && step.contains("USING"), "{name}: {plan:?}");
        }
        assert!(plan.iter().any(|s| s.starts_with("SEARCH")), "{name}: {plan:?}");
        if name.starts_with("identit") {
            // Each pair found through the unique index, not every artifact
            // of the collection tested against the pairs.
            let by_name = |s: &&str| s.starts_with("SEARCH a ") && s.contains("kind=? AND name_key=?");
            assert!(plan.iter().any(by_name), "{name}: {plan:?}");
        }
    }
}

/// A page of the artifact list is read in the list's order from an index
/// (forward, or backward from the end), and its total counted from an
/// index: nothing sorts or scans the collection, only the page's rows are
/// sorted (100,000 artifacts: ~300 ms a page with the sort, ~3 ms
/// without).
#[tokio::test]
async fn the_artifact_list_pages_in_index_order() {
    use skillmeat::query::{Direction, ListFilter, Selected};
    let env = support::Env::sqlite();
    let coll = env.collection().await;
    let mut conn = coll.pool.acquire().await.expect("a pooled connection");
    let filters = [
        ListFilter::default(),
        ListFilter {
            kind: Some(skillmeat_core::ArtifactKind::Skill),
            ..ListFilter::default()
        },
        ListFilter {
            search: Some("guard"),
            ..ListFilter::default()
        },
    ];
    for filter in &filters {
        let selected = Selected::of(filter);
        for (name, sql, paged) in [
            ("total", selected.count_sql(), false),
            ("page", selected.page_sql(Direction::Forward), true),
            ("page back", selected.page_sql(Direction::Backward), true),
            ("rest", selected.rest_sql(), true),
        ] {
            let mut query =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"))).bind("c");
            for v in &selected.values {
                query = query.bind(v.clone());
            }
            if paged {
                query = query.bind(50_i64).bind(0_i64);
            }
            let rows: Vec<(i64, i64, i64, String)> = query
                .fetch_all(&mut *conn)
                .await
                .expect("EXPLAIN QUERY PLAN");
            let context = format!("{name} of {filter:?}: {rows:?}");
            // A sort, if any, is the page's own (at the top), never the
            // collection's; no scan of the artifacts.
            assert!(
                !rows.iter().any(
                    |(_, parent, _, s)| (s.contains("TEMP B-TREE") && *parent != 0)
                        || matches!(
                            s.split_whitespace().take(2).collect::<Vec<_>>()[..],
                            ["SCAN", "a" | "p"]
                        )
                ),
                "{context}"
            );
            assert!(
                rows.iter()
                    .any(|r| r.3.starts_with("SEARCH p USING") || r.3.starts_with("SEARCH a USING")),
                "{context}"
            );
        }
    }
}

/// A page is read from the nearer end: what it skips, and how many rows.
#[test]
fn a_page_is_read_from_the_nearer_end() {
    use skillmeat::query::{Direction, page_at};
    for ((total, offset, limit), expected) in [
        ((100, 0, 50), (Direction::Forward, 50, 0)),
        ((100, 10, 50), (Direction::Forward, 50, 10)),
        ((100, 30, 50), (Direction::Backward, 50, 20)),
        ((100, 90, 50), (Direction::Backward, 10, 0)),
        ((100, 100, 50), (Direction::Backward, 0, 0)),
        ((100, 500, 50), (Direction::Backward, 0, 0)),
        ((100_000, 99_000, 50), (Direction::Backward, 50, 950)),
        ((0, 0, 50), (Direction::Forward, 0, 0)),
    ] {
        assert_eq!(
            page_at(total, offset, limit),
            expected,
            "{total} {offset} {limit}"
        );
    }
}

/// Imports and checks that `verify` finds nothing wrong.
async fn add_and_verify(coll: &Collection, dir: &std::path::Path, policy: ConflictPolicy) {
    let added = add(coll, dir, policy).await;
    assert!(
        matches!(&added, Ok(r) if r.iter().all(|r| r.success)),
        "{added:?}"
    );
    let problems = verify::verify(coll).await.map(|r| r.problems);
    assert!(matches!(&problems, Ok(p) if p.is_empty()), "{problems:?}");
}

/// Whatever an import decides (new artifacts, new versions, an unchanged
/// re-import, a fork, an earlier content made current again, an existing
/// artifact under another spelling of its name), the lock file and the
/// manifest it splices equal their regeneration from the database: the
/// collection verifies clean after every import.
#[tokio::test]
async fn records_files_equal_the_database_after_every_kind_of_import() {
    let env = support::Env::new();
    let coll = env.collection().await;
    let step = |name: &str, files: &[(&str, &str)]| Plugin::build(&env, name, files);

    // The first import creates the records files whole.
    let p_v1 = step(
        "p",
        &[("commands/review.md", "v1"), ("skills/s/SKILL.md", "s")],
    );
    add_and_verify(&coll, &p_v1.dir, ConflictPolicy::NewVersion).await;
    // Another new plugin.
    let q = step("q", &[("agents/helper.md", "h"), ("commands/lint.md", "l")]);
    add_and_verify(&coll, &q.dir, ConflictPolicy::NewVersion).await;
    // Unchanged: nothing to write.
    add_and_verify(&coll, &p_v1.dir, ConflictPolicy::NewVersion).await;
    // A new version (the artifact keeps its source), then a fork.
    let p_v2 = step(
        "p",
        &[("commands/review.md", "v2"), ("skills/s/SKILL.md", "s")],
    );
    add_and_verify(&coll, &p_v2.dir, ConflictPolicy::NewVersion).await;
    let p_v3 = step(
        "p",
        &[("commands/review.md", "v3"), ("skills/s/SKILL.md", "s")],
    );
    add_and_verify(&coll, &p_v3.dir, ConflictPolicy::Fork).await;
    // An earlier content of the plugin becomes current again.
    add_and_verify(&coll, &p_v1.dir, ConflictPolicy::NewVersion).await;
    // Another plugin whose child is an existing artifact under another
    // spelling of its name, with other content.
    let r = step("r", &[("commands/Review.md", "v4")]);
    add_and_verify(&coll, &r.dir, ConflictPolicy::NewVersion).await;
    assert_eq!(
        support::current_hash(&coll, "command", "review").await,
        Some(skillmeat_core::hash::hash_bytes(b"v4").to_hex())
    );
}

/// A `kind` the schema does not allow (written past its CHECK) is a decode
/// error where the rows are read (list, show, a plugin's children, verify,
/// the records files), never taken for another kind: not even `plugin`,
/// which `--type` accepts for a composite.
#[tokio::test]
async fn a_stored_kind_that_is_not_a_kind_name_is_a_database_error() {
    let env = support::Env::sqlite();
    let coll = env.collection().await;
    let p = Plugin::build(
        &env,
        "p",
        &[("commands/review.md", "r"), ("agents/helper.md", "h")],
    );
    add_and_verify(&coll, &p.dir, ConflictPolicy::NewVersion).await;
    fn decode_error<T>(r: skillmeat::Result<T>) -> bool {
        matches!(
            r,
            Err(skillmeat::Error::Database(sqlx::Error::ColumnDecode { .. }))
        )
    }
    for bad in ["plugin", "Command", "bogus"] {
        let mut conn = coll.pool.acquire().await.expect("a connection");
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *conn)
            .await
            .expect("the CHECK constraints off on this connection");
        sqlx::query("UPDATE artifacts SET kind = ? WHERE name = 'review'")
            .bind(bad)
            .execute(&mut *conn)
            .await
            .expect("the kind overwritten");
        let reads = [
            (
                "list",
                decode_error(query::list(&coll, &Default::default()).await),
            ),
            // By name, the lookup probes the unique index under each known
            // kind: a row of no known kind is not found there (list, a
            // plugin's children, verify and the lock file still report it).
            (
                "show",
                matches!(
                    query::show(&coll, "review", None).await,
                    Err(skillmeat::Error::UnknownArtifact { .. })
                ),
            ),
            (
                "children",
                decode_error(query::show(&coll, "p", None).await),
            ),
            ("verify", decode_error(verify::verify(&coll).await)),
            (
                "lock",
                decode_error(skillmeat::collection::lock_file(&mut conn, &coll.id).await),
            ),
        ];
        assert_eq!(
            reads,
            [
                ("list", true),
                ("show", true),
                ("children", true),
                ("verify", true),
                ("lock", true)
            ],
            "{bad}"
        );
    }
}

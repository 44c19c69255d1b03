//! Test helpers: temp homes, plugins written to disk, database and folder
//! snapshots, a tracing layer that records spans and events.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use skillmeat::collection::Collection;
use skillmeat::home::Home;
use tempfile::TempDir;

pub struct Env {
    pub tmp: TempDir,
    /// The fresh PostgreSQL database of this test, if it runs on one.
    server: Option<String>,
}

impl Env {
    /// A temp home. Its rows live in a fresh PostgreSQL database when
    /// `SKILLMEAT_TEST_DATABASE_URL` names a server's (`make
    /// test-postgres`), else in the home's SQLite file.
    pub fn new() -> Env {
        let server = std::env::var("SKILLMEAT_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .map(|admin| fresh_database(&admin));
        Env {
            tmp: TempDir::new().expect("a temp dir"),
            server,
        }
    }

    /// A temp home on SQLite whatever the environment says: the tests of
    /// SQLite itself (query plans, PRAGMAs).
    pub fn sqlite() -> Env {
        Env {
            tmp: TempDir::new().expect("a temp dir"),
            server: None,
        }
    }

    pub fn home(&self) -> Home {
        Home::at(self.tmp.path().join("home")).with_server(self.server.clone())
    }

    pub async fn collection(&self) -> Collection {
        Collection::open(&self.home(), "default")
            .await
            .expect("opening the collection")
    }
}

/// A new database on the server of `admin` (a URL of its `postgres`
/// database); its URL.
fn fresh_database(admin: &str) -> String {
    let name = format!("t_{}", skillmeat::store::rows::new_id().to_lowercase());
    let admin = admin.to_owned();
    let create = format!("CREATE DATABASE {name}");
    // Env::new is not async; the tests' runtime may be single-threaded.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("the test server (SKILLMEAT_TEST_DATABASE_URL)");
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut conn)
                .await
                .expect("a fresh database");
        });
        with_database(&admin, &name)
    })
    .join()
    .expect("creating the test database")
}

/// `url` with its database (the path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, after) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let query = after.find('?').map_or("", |i| &after[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

pub struct Plugin {
    pub dir: PathBuf,
}

impl Plugin {
    /// A Claude Code plugin with the given files plus its manifest.
    pub fn build(env: &Env, name: &str, files: &[(&str, &str)]) -> Plugin {
        let dir = env
            .tmp
            .path()
            .join("src")
            .join(format!("{name}-{}", skillmeat::store::rows::new_id()));
        write(
            &dir,
            ".claude-plugin/plugin.json",
            &format!(r#"{{"name": "{name}", "version": "1.0.0"}}"#),
        );
        for (rel, content) in files {
            write(&dir, rel, content);
        }
        Plugin { dir }
    }

    /// The seed's happy path: a skill, a command and an agent.
    pub fn three_children(env: &Env, name: &str) -> Plugin {
        Plugin::build(
            env,
            name,
            &[
                (
                    "skills/tdd/SKILL.md",
                    "---\nname: tdd\ndescription: Test first\n---\n",
                ),
                ("skills/tdd/scripts/run.sh", "#!/bin/sh\necho run\n"),
                (
                    "commands/review.md",
                    "---\ndescription: Review\n---\nReview $ARGUMENTS\n",
                ),
                (
                    "agents/helper.md",
                    "---\nname: helper\ndescription: Helps\n---\n",
                ),
                ("README.md", "# demo\n"),
            ],
        )
    }
}

pub fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("creating the fixture's folder");
    }
    std::fs::write(p, content).expect("writing the fixture file");
}

/// Every file below `dir` (relative path → SHA-256), ignoring the SQLite files.
pub fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let hash = skillmeat::tree::hash_file(e.path())
                .expect("hashing a collection file")
                .to_hex();
            (rel, hash)
        })
        .collect()
}

/// child name → (relationship, pinned hash, plugin name)
pub async fn memberships(coll: &Collection) -> BTreeMap<String, (String, String, String)> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.name, m.relationship_type, m.pinned_version_hash, p.name FROM composite_memberships m
         JOIN artifacts c ON c.id = m.child_id JOIN artifacts p ON p.id = m.composite_id",
    )
    .fetch_all(&coll.pool)
    .await
    .expect("reading the memberships");
    rows.into_iter()
        .map(|(c, r, h, p)| (c, (r, h, p)))
        .collect()
}

pub async fn count(coll: &Collection, from: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {from}")))
        .fetch_one(&coll.pool)
        .await
        .unwrap_or(-1)
}

pub async fn current_hash(coll: &Collection, kind: &str, name: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT v.content_hash FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id
         WHERE a.kind = $1 AND a.name = $2",
    )
    .bind(kind)
    .bind(name)
    .fetch_optional(&coll.pool)
    .await
    .expect("reading the current version")
}

/// The files of the current version of `kind` `name` as the collection
/// keeps them, each path with its text: its current tree in the folder
/// (`artifacts/…`, `plugins/…`), or for a collection on a database server
/// its file rows with their bytes read from the database.
pub async fn current_files(coll: &Collection, kind: &str, name: &str) -> BTreeMap<String, String> {
    let files: Vec<(String, String)> = sqlx::query_as(
        "SELECT f.path, f.blob_hash FROM artifacts a JOIN version_files f ON f.version_id = a.current_version_id
         WHERE a.kind = $1 AND a.name = $2",
    )
    .bind(kind)
    .bind(name)
    .fetch_all(&coll.pool)
    .await
    .expect("reading the current version's files");
    if !coll.in_database() {
        let kind: skillmeat_core::ArtifactKind = kind.parse().expect("a kind");
        let single = files.len() == 1 && files[0].0.is_empty();
        let shape = match single {
            true => skillmeat::collection::layout::Shape::File,
            false => skillmeat::collection::layout::Shape::Folder,
        };
        let at = skillmeat::collection::layout::current_path(kind, name, shape).expect("a path");
        let live = coll.dir.join(at.as_str());
        return match single {
            true => std::fs::read_to_string(&live)
                .map(|text| BTreeMap::from([(String::new(), text)]))
                .unwrap_or_default(),
            false => snapshot(&live),
        };
    }
    let mut out = BTreeMap::new();
    for (path, hex) in files {
        let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM contents WHERE hash = $1")
            .bind(&hex)
            .fetch_one(&coll.pool)
            .await
            .expect("the content in the database");
        out.insert(path, String::from_utf8(bytes).expect("text"));
    }
    out
}

/// The current text of a one-file artifact (a command, an agent).
pub async fn current_text(coll: &Collection, kind: &str, name: &str) -> Option<String> {
    current_files(coll, kind, name).await.remove("")
}

/// The hashes of every stored content: the files of the folder's
/// `objects/`, or the rows of the database's `contents`.
pub async fn stored_blobs(coll: &Collection) -> Vec<String> {
    if coll.in_database() {
        return sqlx::query_scalar("SELECT hash FROM contents ORDER BY hash")
            .fetch_all(&coll.pool)
            .await
            .expect("reading contents");
    }
    let mut out: Vec<String> = walkdir::WalkDir::new(coll.dir.join("objects"))
        .min_depth(2)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let p = e.path();
            let dir = p.parent().and_then(|d| d.file_name()).expect("a folder");
            format!(
                "{}{}",
                dir.to_string_lossy(),
                e.file_name().to_string_lossy()
            )
        })
        .collect();
    out.sort();
    out
}

pub async fn version_count(coll: &Collection, kind: &str, name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id WHERE a.kind = $1 AND a.name = $2",
    )
    .bind(kind)
    .bind(name)
    .fetch_one(&coll.pool)
    .await
    .unwrap_or(-1)
}

/// Every row of every table, as text, for before/after comparisons.
pub async fn all_rows(coll: &Collection) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "collections",
        "artifacts",
        "artifact_versions",
        "version_files",
        "composites",
        "composite_memberships",
        "import_transactions",
    ] {
        let sql = match coll.pool.connect_options().database_url.scheme() {
            "sqlite" => format!(
                "SELECT '{table}: ' || json_array(*) FROM (SELECT * FROM {table}) ORDER BY 1"
            ),
            _ => format!(
                "SELECT '{table}: ' || CAST(row_to_json(t) AS TEXT) FROM {table} t ORDER BY 1"
            ),
        };
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&coll.pool)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        out.extend(rows.into_iter().map(|r| r.0));
    }
    out
}

pub type Fields = BTreeMap<String, String>;
pub type Recorded = Arc<Mutex<Vec<(String, Fields)>>>;

/// Installs (for this thread) a subscriber recording spans with their final
/// fields and events with theirs.
pub fn capture_tracing() -> (Recorded, Arc<Mutex<Vec<Fields>>>) {
    use tracing_subscriber::layer::SubscriberExt;
    let spans: Recorded = Arc::default();
    let events: Arc<Mutex<Vec<Fields>>> = Arc::default();
    let layer = Capture {
        spans: spans.clone(),
        events: events.clone(),
    };
    let subscriber = tracing_subscriber::registry().with(layer);
    // Global, not `set_default`: tracing caches each callsite's interest
    // process-wide, and a callsite first reached while another thread (sqlx's
    // worker) was registering one could be cached as "never" for a
    // thread-local subscriber; about 1 run in 30 then lost the import's span.
    // One capture per test binary.
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        panic!("capture_tracing: a global subscriber is already set in this test binary");
    }
    (spans, events)
}

struct Capture {
    spans: Recorded,
    events: Arc<Mutex<Vec<Fields>>>,
}

struct Visitor<'a>(&'a mut Fields);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

#[derive(Default)]
struct SpanFields(Fields);

impl<S> tracing_subscriber::Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id)
            && let Some(f) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut Visitor(&mut f.0));
        }
    }

    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        if let Ok(mut e) = self.events.lock() {
            e.push(fields);
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let fields = span
                .extensions()
                .get::<SpanFields>()
                .map(|f| f.0.clone())
                .unwrap_or_default();
            if let Ok(mut s) = self.spans.lock() {
                s.push((span.name().to_owned(), fields));
            }
        }
    }
}

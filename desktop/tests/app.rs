//! The desktop app's commands through Tauri's IPC, on the mock runtime, with
//! a real SQLite collection in a temp `SKILLMEAT_HOME`; requests come from
//! the `tauri://localhost` origin like the app's own page. Also checks that
//! `ui/src/generated/types.ts` is fresh.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use skillmeat::app::{AppConfig, IMPORT_PROGRESS};
use skillmeat::ops::transfer::*;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow, WebviewWindowBuilder};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn guardrails() -> PathBuf {
    workspace().join("tests/fixtures/guardrails")
}

/// The app on the mock runtime over a fresh home.
struct App {
    app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    home: tempfile::TempDir,
}

impl App {
    fn new() -> App {
        let home = tempfile::tempdir().expect("temp home");
        let config = AppConfig {
            home: home.path().to_owned(),
            collection: "default".into(),
            database: None,
        };
        let mut app = skillmeat::app::configure(mock_builder(), config)
            .build(mock_context(noop_assets()))
            .expect("app builds");
        // One iteration (not a loop) runs `setup()`, which opens the collection.
        #[allow(deprecated)]
        app.run_iteration(|_, _| {});
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("webview");
        App { app, webview, home }
    }

    fn raw(&self, cmd: &str, args: Option<Value>) -> Result<InvokeResponseBody, Value> {
        let body = match args {
            Some(a) => json!({ "args": a }),
            None => json!({}),
        };
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
    }

    fn call<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> Result<T, PublicError> {
        self.raw(cmd, Some(args))
            .map(|b| {
                b.deserialize::<T>()
                    .expect("response has the declared type")
            })
            .map_err(|v| serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}")))
    }

    fn ok<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> T {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e:?}"))
    }

    fn err(&self, cmd: &str, args: Value) -> PublicError {
        match self.call::<Value>(cmd, args) {
            Ok(v) => panic!("{cmd} should fail, gave {v}"),
            Err(e) => e,
        }
    }

    fn import(&self, path: &Path, policy: &str) -> ImportSummary {
        self.ok("import_source", json!({ "path": path, "policy": policy }))
    }
}

/// The fixture's children as the engine's own discovery reports them.
fn expected_children(path: &Path) -> Vec<(String, String, String)> {
    let report = skillmeat::inspect::inspect(path).expect("inspect");
    let v = serde_json::to_value(&report).expect("json");
    v["plugins"][0]["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_owned(),
                c["name"].as_str().expect("name").to_owned(),
                c["content_hash"].as_str().expect("hash").to_owned(),
            )
        })
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

#[test]
fn generated_typescript_is_fresh() {
    let file = workspace().join("ui/src/generated/types.ts");
    let fresh = skillmeat::app::types::typescript();
    if std::env::var_os("SKILLMEAT_WRITE_TYPES").is_some() {
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&file, &fresh).expect("write types");
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run SKILLMEAT_WRITE_TYPES=1 cargo test -p skillmeat --features app-test --test app",
        file.display()
    );
    for (name, ..) in skillmeat::app::types::COMMANDS {
        assert!(fresh.contains(&format!("  {name}: {{")), "{name} missing");
    }
}

#[test]
fn import_then_browse_contains_and_part_of() {
    let app = App::new();
    let expected = expected_children(&guardrails());

    let listing: SourceListing = app.ok("list_source", json!({ "path": guardrails() }));
    assert!(!listing.bundle);
    assert_eq!(listing.root_name, "guardrails");
    let on_disk = walkdir::WalkDir::new(guardrails())
        .into_iter()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_type().is_file()))
        .count();
    assert_eq!(listing.files.len(), on_disk);
    let bytes = match app
        .raw(
            "read_source_file",
            Some(json!({ "root": listing.path, "path": "hooks/hooks.json" })),
        )
        .expect("read")
    {
        InvokeResponseBody::Raw(b) => b,
        InvokeResponseBody::Json(j) => panic!("expected raw bytes, got {j}"),
    };
    assert_eq!(
        bytes,
        std::fs::read(guardrails().join("hooks/hooks.json")).expect("read fixture")
    );

    let preview: ImportPreview = app.ok("preview_import", json!({ "path": guardrails() }));
    assert_eq!(preview.plugins.len(), 1);
    assert_eq!(preview.plugins[0].buckets.new.len(), expected.len());
    let buckets = &preview.plugins[0].buckets;
    assert!(buckets.existing.is_empty() && buckets.conflict.is_empty());

    let progress = Arc::new(Mutex::new(Vec::<ImportProgress>::new()));
    let seen = progress.clone();
    app.app.listen_any(IMPORT_PROGRESS, move |event| {
        let p: ImportProgress = serde_json::from_str(event.payload()).expect("progress payload");
        seen.lock().expect("lock").push(p);
    });
    let summary = app.import(&guardrails(), "new-version");
    let r = &summary.results[0];
    assert!(r.success, "{:?}", r.errors);
    assert_eq!(r.children_imported as usize, expected.len());
    assert!(!r.transaction_id.is_empty());
    let mut stored: Vec<_> = r
        .children
        .iter()
        .map(|c| {
            (
                serde_json::to_value(c.kind)
                    .expect("kind")
                    .as_str()
                    .expect("str")
                    .to_owned(),
                c.name.clone(),
                c.pinned_hash.clone().expect("pinned"),
            )
        })
        .collect();
    let mut want = expected.clone();
    stored.sort();
    want.sort();
    assert_eq!(
        stored, want,
        "the engine stored the hashes discovery computed"
    );
    let phases: Vec<ImportPhase> = progress
        .lock()
        .expect("lock")
        .iter()
        .map(|p| p.phase)
        .collect();
    assert_eq!(phases, [ImportPhase::Started, ImportPhase::Finished]);

    let list: ArtifactList = app.ok("list_artifacts", json!({}));
    assert_eq!(list.total as usize, expected.len() + 1);
    assert_eq!(list.items[0].kind, Kind::Composite, "plugins first");
    assert_eq!(list.items[0].child_count as usize, expected.len());
    let skills: ArtifactList = app.ok("list_artifacts", json!({ "kind": "skill" }));
    assert!(skills.items.iter().all(|i| i.kind == Kind::Skill) && skills.items.len() == 1);
    let found: ArtifactList = app.ok("list_artifacts", json!({ "search": "REVIEW" }));
    assert_eq!(
        found
            .items
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["guard-reviewer"]
    );

    let plugin: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guardrails" }));
    assert_eq!(plugin.kind, Kind::Composite);
    assert_eq!(plugin.children.len(), expected.len());
    assert!(
        plugin
            .children
            .iter()
            .all(|c| c.pinned_version_hash.as_deref() == Some(c.current_hash.as_str()))
    );
    let child = &plugin.children[0];
    let detail: ArtifactDetail =
        app.ok("show_artifact", json!({ "name_or_id": child.artifact_id }));
    assert_eq!(detail.parents.len(), 1);
    assert_eq!(detail.parents[0].artifact_name, "guardrails");
    assert_eq!(detail.parents[0].relationship_type, Membership::Member);
    assert_eq!(detail.versions.len(), 1);

    let index: IndexSnapshot = app
        .raw("collection_index", None)
        .expect("index")
        .deserialize()
        .expect("snapshot");
    assert_eq!(index.artifacts.len(), expected.len() + 1);
    for (kind, name, hash) in &expected {
        let a = index
            .artifacts
            .iter()
            .find(|a| &a.name == name && serde_json::to_value(a.kind).ok() == Some(json!(kind)))
            .unwrap_or_else(|| panic!("{kind} {name} in the index"));
        assert_eq!(&a.current_hash, hash);
        assert_eq!(a.hashes, std::slice::from_ref(hash));
    }

    let again: ImportPreview = app.ok("preview_import", json!({ "path": guardrails() }));
    let buckets = &again.plugins[0].buckets;
    assert_eq!(buckets.existing.len(), expected.len());
    assert!(buckets.new.is_empty() && buckets.conflict.is_empty());
}

#[test]
fn conflict_diff_and_keep() {
    let app = App::new();
    app.import(&guardrails(), "new-version");
    let changed = tempfile::tempdir().expect("tmp");
    let copy = changed.path().join("guardrails");
    copy_tree(&guardrails(), &copy);
    let skill_md = copy.join("skills/guard-rules/SKILL.md");
    let old_text = std::fs::read_to_string(&skill_md).expect("read");
    std::fs::write(&skill_md, format!("{old_text}\nOne more rule.\n")).expect("write");

    let preview: ImportPreview = app.ok("preview_import", json!({ "path": copy }));
    let p = &preview.plugins[0].buckets;
    assert_eq!(p.conflict.len(), 1);
    assert_eq!(p.conflict[0].name, "guard-rules");
    let before: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guard-rules" }));
    assert_eq!(
        p.conflict[0].current_hash.as_deref(),
        Some(before.content_hash.as_str())
    );
    assert_ne!(p.conflict[0].content_hash, before.content_hash);

    let diff: FileDiff = app.ok(
        "file_diff",
        json!({ "path": copy, "plugin": "guardrails", "kind": "skill", "name": "guard-rules" }),
    );
    assert_eq!(diff.files.len(), 1);
    let f = &diff.files[0];
    assert_eq!(
        (f.path.as_str(), f.change),
        ("SKILL.md", DiffChange::Changed)
    );
    assert_eq!(f.current.as_deref(), Some(old_text.as_str()));
    assert!(
        f.incoming
            .as_deref()
            .is_some_and(|t| t.ends_with("One more rule.\n"))
    );

    let kept = app.import(&copy, "keep");
    assert!(kept.results[0].success);
    assert_eq!(kept.results[0].children_new_version, 0);
    let after: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guard-rules" }));
    assert_eq!(
        after.content_hash, before.content_hash,
        "keep leaves the current version"
    );

    let overwrite = app.import(&copy, "new-version");
    assert_eq!(overwrite.results[0].children_new_version, 1);
    let after: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guard-rules" }));
    assert_eq!(after.versions.len(), 2);
    assert_eq!(after.content_hash, p.conflict[0].content_hash);
}

#[test]
fn per_child_choices_keep_one_conflict_and_fork_another() {
    let app = App::new();
    app.import(&guardrails(), "new-version");
    let changed = tempfile::tempdir().expect("tmp");
    let copy = changed.path().join("guardrails");
    copy_tree(&guardrails(), &copy);
    for rel in ["skills/guard-rules/SKILL.md", "commands/guard-status.md"] {
        let file = copy.join(rel);
        let text = std::fs::read_to_string(&file).expect("read");
        std::fs::write(&file, format!("{text}\nChanged.\n")).expect("write");
    }
    let preview: ImportPreview = app.ok("preview_import", json!({ "path": copy }));
    let conflict = &preview.plugins[0].buckets.conflict;
    let incoming = |name: &str| {
        conflict
            .iter()
            .find(|c| c.name == name)
            .map(|c| {
                (
                    c.content_hash.clone(),
                    c.current_hash.clone().expect("current"),
                )
            })
            .unwrap_or_else(|| panic!("{name} in CONFLICT"))
    };
    let (rules_new, rules_old) = incoming("guard-rules");
    let (status_new, status_old) = incoming("guard-status");
    assert_eq!(conflict.len(), 2);

    let summary: ImportSummary = app.ok(
        "import_source",
        json!({ "path": copy, "policy": "new-version", "choices": [
            { "plugin": "guardrails", "kind": "skill", "name": "guard-rules", "policy": "keep" },
            { "plugin": "guardrails", "kind": "command", "name": "guard-status", "policy": "fork" },
        ]}),
    );
    let r = &summary.results[0];
    assert!(r.success, "{:?}", r.errors);
    assert_eq!(
        (r.children_imported, r.children_new_version),
        (1, 0),
        "the fork is new; nothing got a new version"
    );
    let pins: std::collections::BTreeMap<&str, Option<&str>> = r
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.pinned_hash.as_deref()))
        .collect();
    assert_eq!(pins.get("guard-rules"), Some(&Some(rules_old.as_str())));
    assert_eq!(
        pins.get("guard-status--guardrails"),
        Some(&Some(status_new.as_str()))
    );
    assert!(
        !pins.contains_key("guard-status"),
        "the fork replaced it in the plugin"
    );

    let rules: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guard-rules" }));
    assert_eq!(
        rules.content_hash, rules_old,
        "keep leaves the current version"
    );
    assert_eq!(rules.versions.len(), 1);
    assert_ne!(rules.content_hash, rules_new);
    let status: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guard-status" }));
    assert_eq!(
        status.content_hash, status_old,
        "fork leaves the original alone"
    );
    let fork: ArtifactDetail = app.ok(
        "show_artifact",
        json!({ "name_or_id": "guard-status--guardrails" }),
    );
    assert_eq!(fork.content_hash, status_new);
    assert_eq!(fork.parents[0].artifact_name, "guardrails");
}

#[test]
fn deploy_plan_status_conflict_undeploy() {
    let app = App::new();
    app.import(&guardrails(), "new-version");
    let project = tempfile::tempdir().expect("project");
    let args = |dry_run: bool, force: bool| {
        // Unpacked: the layout this test reads (plugin mode, the default, is
        // tested end to end in tests/deploy.rs and tests/claude_code.rs).
        json!({ "name": "guardrails", "project": project.path(), "platform": "claude-code",
                "dry_run": dry_run, "use_current": false, "force": force, "mode": "unpacked" })
    };

    let plan: DeployResult = app.ok("deploy", args(true, false));
    assert!(plan.dry_run);
    let skill = ".claude/skills/guard-rules/SKILL.md";
    assert!(
        plan.operations
            .iter()
            .any(|o| o.path == skill && o.action == DeployAction::Write)
    );
    assert!(
        !project.path().join(skill).exists(),
        "a dry run writes nothing"
    );

    let done: DeployResult = app.ok("deploy", args(false, false));
    assert!(!done.dry_run);
    assert!(project.path().join(skill).is_file());
    assert!(
        project
            .path()
            .join(".claude/commands/guard-status.md")
            .is_file()
    );

    let status: ProjectStatus = app.ok("project_status", json!({ "project": project.path() }));
    assert!(!status.items.is_empty());
    assert!(status.items.iter().all(|i| i.status == Drift::Ok));
    std::fs::write(project.path().join(skill), "changed by hand").expect("edit");
    let status: ProjectStatus = app.ok("project_status", json!({ "project": project.path() }));
    let s = status
        .items
        .iter()
        .find(|i| i.name == "guard-rules")
        .expect("skill");
    assert_eq!(s.status, Drift::Modified);

    let shown: ArtifactDetail = app.ok("show_artifact", json!({ "name_or_id": "guard-rules" }));
    assert_eq!(shown.deployments.len(), 1);

    let other = tempfile::tempdir().expect("other project");
    let foreign = other.path().join(".claude/agents/guard-reviewer.md");
    std::fs::create_dir_all(foreign.parent().expect("parent")).expect("mkdir");
    std::fs::write(&foreign, "mine").expect("write");
    let other_args = |dry_run: bool| {
        json!({ "name": "guardrails", "project": other.path(), "platform": "claude-code",
                "dry_run": dry_run, "use_current": false, "force": false, "mode": "unpacked" })
    };
    let planned: DeployResult = app.ok("deploy", other_args(true));
    let conflict = planned
        .operations
        .iter()
        .find(|o| o.action == DeployAction::Conflict)
        .expect("the plan shows the conflict");
    assert_eq!(conflict.path, ".claude/agents/guard-reviewer.md");
    let e = app.err("deploy", other_args(false));
    assert_eq!(e.code, ErrorCode::Conflict, "{}", e.message);
    assert!(
        e.message.contains(".claude/agents/guard-reviewer.md"),
        "{}",
        e.message
    );
    assert_eq!(std::fs::read_to_string(&foreign).expect("read"), "mine");

    let undone: UndeployResult = app.ok(
        "undeploy",
        json!({ "name": "guardrails", "project": project.path(), "force": true }),
    );
    assert!(undone.removed.iter().any(|p| p == skill));
    assert!(!project.path().join(skill).exists());
}

#[test]
fn export_writes_the_bundle_it_reports() {
    let app = App::new();
    app.import(&guardrails(), "new-version");
    let out = tempfile::tempdir().expect("out");
    let r: ExportResult = app.ok(
        "export_bundle",
        json!({ "name": "guardrails", "out": out.path() }),
    );
    let zip = PathBuf::from(&r.path);
    assert!(zip.starts_with(out.path()) && zip.is_file());
    assert_eq!(std::fs::metadata(&zip).expect("meta").len(), r.bytes);
    let sha = skillmeat::tree::hash_file(&zip).expect("hash");
    assert_eq!(sha.to_hex(), r.content_hash);
    assert_eq!(r.plugin, "guardrails");

    let preview: ImportPreview = app.ok("preview_import", json!({ "path": zip }));
    assert_eq!(
        preview.plugins[0].buckets.existing.len(),
        expected_children(&guardrails()).len()
    );
}

/// Extraction folders of staged or imported bundles in the home.
fn staged(home: &Path) -> usize {
    std::fs::read_dir(home)
        .expect("home")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".bundle-"))
        .count()
}

fn read_raw(app: &App, root: &str, path: &str) -> Result<Vec<u8>, PublicError> {
    match app.raw(
        "read_source_file",
        Some(json!({ "root": root, "path": path })),
    ) {
        Ok(InvokeResponseBody::Raw(b)) => Ok(b),
        Ok(InvokeResponseBody::Json(j)) => panic!("expected raw bytes, got {j}"),
        Err(v) => Err(serde_json::from_value(v).expect("PublicError")),
    }
}

#[test]
fn a_bundle_is_listed_and_read_from_its_verified_copy() {
    let app = App::new();
    app.import(&guardrails(), "new-version");
    let out = tempfile::tempdir().expect("out");
    let exported: ExportResult = app.ok(
        "export_bundle",
        json!({ "name": "guardrails", "out": out.path() }),
    );
    let zip = PathBuf::from(&exported.path);
    // What the zip holds, read with the zip crate: every file but the bundle manifest.
    let mut archive =
        skillmeat::bundle::zip::ZipArchive::new(std::fs::File::open(&zip).expect("open zip"))
            .expect("zip");
    let mut in_zip = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("utf-8 name").into_owned();
        if entry.is_dir() || name == skillmeat::bundle::MANIFEST_NAME {
            continue;
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).expect("read entry");
        in_zip.insert(name, bytes);
    }
    assert!(in_zip.contains_key("skills/guard-rules/SKILL.md"));

    let listing: SourceListing = app.ok("list_source", json!({ "path": zip }));
    assert!(listing.bundle);
    assert_eq!(listing.root_name, "guardrails");
    assert_eq!(
        PathBuf::from(&listing.path),
        zip.canonicalize().expect("canon")
    );
    let listed: Vec<(&str, u64)> = listing
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    let want: Vec<(&str, u64)> = in_zip
        .iter()
        .map(|(p, b)| (p.as_str(), b.len() as u64))
        .collect();
    assert_eq!(listed, want);
    for (path, bytes) in &in_zip {
        assert_eq!(
            &read_raw(&app, &listing.path, path).expect(path),
            bytes,
            "{path}"
        );
    }
    assert_eq!(
        staged(app.home.path()),
        1,
        "one verified copy while the page reads"
    );
    let diff: FileDiff = app.ok(
        "file_diff",
        json!({ "path": zip, "plugin": "guardrails", "kind": "skill", "name": "guard-rules" }),
    );
    assert!(diff.files.is_empty(), "the bundle holds the stored version");
    let e = read_raw(&app, &listing.path, "../guardrails.zip").expect_err("outside");
    assert_eq!(e.code, ErrorCode::BadInput, "{}", e.message);

    // Listing a folder drops the copy; the bundle must be listed again.
    let _: SourceListing = app.ok("list_source", json!({ "path": guardrails() }));
    assert_eq!(staged(app.home.path()), 0);
    let e = read_raw(&app, &listing.path, "skills/guard-rules/SKILL.md").expect_err("released");
    assert_eq!(e.code, ErrorCode::BadInput, "{}", e.message);
    assert!(e.message.contains("list it first"), "{}", e.message);

    // Import All imports the zip (verified again) and leaves no copy behind.
    let _: SourceListing = app.ok("list_source", json!({ "path": zip }));
    assert_eq!(staged(app.home.path()), 1);
    let summary = app.import(&zip, "new-version");
    assert!(
        summary.results[0].success,
        "{:?}",
        summary.results[0].errors
    );
    assert_eq!(
        summary.results[0].children_reused as usize,
        expected_children(&guardrails()).len()
    );
    assert_eq!(staged(app.home.path()), 0);

    // A damaged zip is refused and nothing is staged.
    let bad = out.path().join("bad.zip");
    let mut bytes = std::fs::read(&zip).expect("zip bytes");
    let mid = bytes.len() / 2;
    bytes.truncate(mid);
    std::fs::write(&bad, bytes).expect("write");
    let e = app.err("list_source", json!({ "path": bad }));
    assert_eq!(e.code, ErrorCode::BadInput, "{}", e.message);
    assert_eq!(staged(app.home.path()), 0);
}

/// The wizard's preview is one command: the engine reads the bundle (no
/// `list_source`, no file sent to the page), and keeps it staged so the
/// conflict the user opens is diffed from it; previewing a folder drops it.
#[test]
fn a_bundle_previews_in_one_call_and_its_conflict_diffs() {
    // A bundle of a changed guardrails, exported from another collection.
    let changed = tempfile::tempdir().expect("changed");
    let copy = changed.path().join("guardrails");
    copy_tree(&guardrails(), &copy);
    let skill_md = copy.join("skills/guard-rules/SKILL.md");
    let original = std::fs::read_to_string(&skill_md).expect("read");
    let incoming = format!("{original}\nA rule only the bundle has.\n");
    std::fs::write(&skill_md, &incoming).expect("write");
    let other = App::new();
    other.import(&copy, "new-version");
    let out = tempfile::tempdir().expect("out");
    let exported: ExportResult = other.ok(
        "export_bundle",
        json!({ "name": "guardrails", "out": out.path() }),
    );
    let zip = PathBuf::from(&exported.path);

    let app = App::new();
    app.import(&guardrails(), "new-version");
    let preview: ImportPreview = app.ok("preview_import", json!({ "path": zip }));
    let b = &preview.plugins[0].buckets;
    let conflicts: Vec<&str> = b.conflict.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        (b.new.len(), b.existing.len(), conflicts),
        (0, 4, vec!["guard-rules"])
    );
    assert_eq!(
        staged(app.home.path()),
        1,
        "the previewed bundle stays staged"
    );

    let diff: FileDiff = app.ok(
        "file_diff",
        json!({ "path": zip, "plugin": "guardrails", "kind": "skill", "name": "guard-rules" }),
    );
    assert_eq!(diff.files.len(), 1);
    assert_eq!(diff.files[0].current.as_deref(), Some(original.as_str()));
    assert_eq!(diff.files[0].incoming.as_deref(), Some(incoming.as_str()));

    let _: ImportPreview = app.ok("preview_import", json!({ "path": guardrails() }));
    assert_eq!(
        staged(app.home.path()),
        0,
        "a folder's preview drops the copy"
    );
}

/// A marketplace previews in the same one call, plugin by plugin.
#[test]
fn a_marketplace_previews_every_plugin_in_one_call() {
    let app = App::new();
    let market = workspace().join("tests/fixtures/wshobson-agents");
    let expected: serde_json::Map<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("tests/fixtures/wshobson-agents.expected.json"))
            .expect("expected.json"),
    )
    .expect("json");
    let preview: ImportPreview = app.ok("preview_import", json!({ "path": market }));
    let mut got: Vec<(String, usize)> = preview
        .plugins
        .iter()
        .map(|p| (p.name.clone(), p.buckets.new.len()))
        .collect();
    got.sort();
    let want: Vec<(String, usize)> = expected
        .iter()
        .map(|(name, counts)| {
            let n = ["agent", "command", "hook", "mcp_server", "skill"]
                .iter()
                .map(|k| counts[*k].as_u64().expect("count") as usize)
                .sum();
            (name.clone(), n)
        })
        .collect();
    assert_eq!(got, want);
    assert!(
        preview
            .plugins
            .iter()
            .all(|p| p.buckets.existing.is_empty())
    );
}

#[test]
fn first_paint_is_recorded_once() {
    let app = App::new();
    let first: u64 = app
        .raw("first_paint", None)
        .map(|b| b.deserialize().expect("a number"))
        .expect("first_paint");
    // This test process has been alive for less than a day, and the first
    // call is the one kept.
    assert!(first < 86_400_000, "{first}");
    let again: u64 = app
        .raw("first_paint", None)
        .map(|b| b.deserialize().expect("a number"))
        .expect("first_paint");
    assert_eq!(again, first);
}

#[test]
fn errors_carry_a_code_the_ui_switches_on() {
    let app = App::new();
    let e = app.err("show_artifact", json!({ "name_or_id": "nope" }));
    assert_eq!(e.code, ErrorCode::NotFound, "{}", e.message);
    assert_eq!(
        e.message,
        r#"no artifact named "nope" in collection "default""#
    );
    let e = app.err(
        "file_diff",
        json!({ "path": guardrails(), "plugin": "guardrails", "kind": "skill", "name": "nope" }),
    );
    assert_eq!(e.code, ErrorCode::NotFound, "{}", e.message);
    assert!(
        e.message
            .starts_with(r#"no artifact named "nope" in plugin "guardrails" of "#),
        "{}",
        e.message
    );

    let missing = app.home.path().join("no-such-folder");
    let e = app.err("list_source", json!({ "path": missing }));
    assert_eq!(e.code, ErrorCode::NotFound, "{}", e.message);

    let e = app.err("preview_import", json!({ "path": "" }));
    assert_eq!(e.code, ErrorCode::BadInput);

    let e = app.err(
        "read_source_file",
        json!({ "root": guardrails(), "path": "../README.md" }),
    );
    assert_eq!(e.code, ErrorCode::BadInput, "{}", e.message);

    app.import(&guardrails(), "new-version");
    let project = tempfile::tempdir().expect("project");
    let e = app.err(
        "deploy",
        json!({ "name": "guardrails", "project": project.path(), "platform": "cursor",
                "dry_run": true, "use_current": false, "force": false }),
    );
    assert_eq!(e.code, ErrorCode::BadInput);
    assert!(e.message.contains("not supported in v1"), "{}", e.message);

    // Arguments of the wrong shape are refused by Tauri before the command.
    assert!(app.raw("deploy", Some(json!({ "name": 3 }))).is_err());
}

#[test]
fn without_a_display_the_app_says_so_in_one_line_and_exits_1() {
    let home = tempfile::tempdir().expect("home");
    let run = |display: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_skillmeat-desktop"));
        cmd.env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("SKILLMEAT_HOME", home.path());
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        cmd.output().expect("run skillmeat-desktop")
    };
    // Unset, and set but empty: no display either way.
    for display in [None, Some("")] {
        let out = run(display);
        assert_eq!(out.status.code(), Some(1), "{display:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "skillmeat-desktop: no display (DISPLAY/WAYLAND_DISPLAY unset); use the skillmeat CLI, or run under xvfb-run\n"
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        std::fs::read_dir(home.path()).expect("home").count(),
        0,
        "no collection was opened"
    );
}

/// The app reads `--collection` and `--database` as the CLI does, from
/// `SKILLMEAT_COLLECTION` and `SKILLMEAT_DATABASE_URL` when not given.
#[test]
fn the_app_takes_the_collection_and_database_as_the_cli_does() {
    let url = "postgres://team@db/skills";
    type Expected<'a> = (&'a str, Option<&'a str>);
    let cases: [(&[&str], Option<&str>, Expected); 5] = [
        (&[], None, ("default", None)),
        (&[], Some(url), ("from-env", Some(url))),
        (
            &["--collection", "work", "--database", url],
            None,
            ("work", Some(url)),
        ),
        (
            &["--database=postgres://x/y"],
            Some(url),
            ("from-env", Some("postgres://x/y")),
        ),
        (&["--collection=a", "--database="], Some(url), ("a", None)),
    ];
    for (args, env, (collection, database)) in cases {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let lookup = |name: &str| match name {
            "SKILLMEAT_DATABASE_URL" => env,
            "SKILLMEAT_COLLECTION" => env.map(|_| "from-env"),
            _ => None,
        };
        let config = AppConfig::from_args("/h".into(), &args, |n| lookup(n).map(String::from))
            .expect("a config");
        assert_eq!(
            (config.collection.as_str(), config.database.as_deref()),
            (collection, database),
            "{args:?} with {env:?}"
        );
        assert_eq!(config.home().server(), database);
    }
    let missing = AppConfig::from_args("/h".into(), &["--database".into()], |_| None);
    assert!(matches!(missing, Err(skillmeat::Error::Usage(m)) if m.contains("--database")));
}

//! The operations as input → expected, over a real collection in a temp
//! home: two plugins written here, so every expected value is known.

use std::path::Path;

use super::transfer::*;
use super::*;
use crate::home::Home;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("the folder made");
    std::fs::write(path, text).expect("the file written");
}

/// `kit`: skill `alpha` (REQUIRED), command `beta` (OPTIONAL), agent
/// `gamma` (MEMBER); `extras`: skills `alpha_tools` and `delta`.
fn plugins(dir: &Path) {
    let kit = dir.join("kit");
    write(
        &kit,
        "composite.json",
        r#"{"name": "kit", "version": "2.0.0", "members": [
            {"path": "skills/alpha", "type": "skill", "relationship": "REQUIRED"},
            {"path": "commands/beta.md", "type": "command", "relationship": "OPTIONAL"},
            {"path": "agents/gamma.md", "type": "agent"}]}"#,
    );
    write(&kit, "skills/alpha/SKILL.md", "---\nname: alpha\n---\nA\n");
    write(&kit, "commands/beta.md", "Run beta.\n");
    write(&kit, "agents/gamma.md", "---\nname: gamma\n---\nG\n");
    let extras = dir.join("extras");
    write(
        &extras,
        "composite.json",
        r#"{"name": "extras", "members": [
            {"path": "skills/alpha_tools", "type": "skill"},
            {"path": "skills/delta", "type": "skill"}]}"#,
    );
    write(
        &extras,
        "skills/alpha_tools/SKILL.md",
        "---\nname: alpha_tools\n---\nT\n",
    );
    write(
        &extras,
        "skills/delta/SKILL.md",
        "---\nname: delta\n---\nD\n",
    );
}

/// A collection holding both plugins, held open like the app holds it.
struct Fixture {
    scope: Scope,
    _home: tempfile::TempDir,
    _src: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let home = tempfile::tempdir().expect("a temp home");
    let src = tempfile::tempdir().expect("a temp source");
    plugins(src.path());
    let scope = Scope::held(Home::at(home.path().to_owned()), "default")
        .await
        .expect("the collection opens");
    for name in ["kit", "extras"] {
        let args = folder(src.path().join(name));
        let summary = import(&scope, args, |_| {}).await.expect("imports");
        assert!(
            summary.results[0].success,
            "{:?}",
            summary.results[0].errors
        );
    }
    Fixture {
        scope,
        _home: home,
        _src: src,
    }
}

fn names(list: &ArtifactList) -> Vec<&str> {
    list.items.iter().map(|i| i.name.as_str()).collect()
}

#[tokio::test]
async fn list_filters_and_pages() {
    let f = fixture().await;
    let all = [
        "extras",
        "kit",
        "gamma",
        "beta",
        "alpha",
        "alpha_tools",
        "delta",
    ];
    let skill = Some(Kind::Skill);
    let cases: Vec<(ListArgs, Vec<&str>, u32)> = vec![
        (ListArgs::default(), all.to_vec(), 7),
        (
            ListArgs {
                kind: skill,
                ..ListArgs::default()
            },
            vec!["alpha", "alpha_tools", "delta"],
            3,
        ),
        (
            ListArgs {
                subtype: Some("plugin".into()),
                ..ListArgs::default()
            },
            vec!["extras", "kit"],
            2,
        ),
        (
            ListArgs {
                search: Some("ALPHA".into()),
                ..ListArgs::default()
            },
            vec!["alpha", "alpha_tools"],
            2,
        ),
        (
            ListArgs {
                search: Some("alpha tools".into()),
                ..ListArgs::default()
            },
            vec!["alpha_tools"],
            1,
        ),
        (
            ListArgs {
                search: Some("zzz".into()),
                ..ListArgs::default()
            },
            vec![],
            0,
        ),
        (
            ListArgs {
                kind: skill,
                limit: Some(2),
                ..ListArgs::default()
            },
            vec!["alpha", "alpha_tools"],
            3,
        ),
        (
            ListArgs {
                kind: skill,
                limit: Some(2),
                offset: Some(2),
                ..ListArgs::default()
            },
            vec!["delta"],
            3,
        ),
        (
            ListArgs {
                offset: Some(10),
                ..ListArgs::default()
            },
            vec![],
            7,
        ),
    ];
    for (args, expected, total) in cases {
        let shown = format!("{args:?}");
        let list = list(&f.scope, args).await.expect("lists");
        assert_eq!(names(&list), expected, "{shown}");
        assert_eq!(
            (list.total, list.count),
            (total, expected.len() as u32),
            "{shown}"
        );
    }
    let kit = list(&f.scope, ListArgs::default()).await.expect("lists");
    let kit = &kit.items[1];
    assert_eq!((kit.kind, kit.child_count), (Kind::Composite, 3));
    assert_eq!(
        (kit.subtype.as_deref(), kit.version.as_deref()),
        (Some("plugin"), Some("2.0.0"))
    );
}

/// (name, relationship) of the parents and of the children, by name.
type Sides = [Vec<(String, Membership)>; 2];

fn sides(a: &Associations) -> Sides {
    [&a.parents, &a.children].map(|side| {
        let mut v: Vec<_> = side
            .iter()
            .map(|x| (x.artifact_name.clone(), x.relationship_type))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    })
}

fn assoc(id: &str) -> AssociationsArgs {
    AssociationsArgs {
        id: id.into(),
        include_parents: true,
        include_children: true,
        relationship_type: None,
    }
}

/// A plugin `name` holding skill `alpha` as `kit` has it (the same bytes).
fn plugin_with_alpha(dir: &Path, name: &str) -> ImportArgs {
    let root = dir.join(name);
    write(
        &root,
        "composite.json",
        &format!(
            r#"{{"name": "{name}", "members": [{{"path": "skills/alpha", "type": "skill"}}]}}"#
        ),
    );
    write(&root, "skills/alpha/SKILL.md", "---\nname: alpha\n---\nA\n");
    folder(root)
}

/// Imports every plugin of folder `path` as a new version where it changed.
fn folder(path: std::path::PathBuf) -> ImportArgs {
    ImportArgs {
        path,
        plugins: None,
        offline: None,
        policy: Policy::NewVersion,
        choices: Vec::new(),
        dry_run: None,
        limits: SizeLimits::default(),
    }
}

/// The held collection keeps its answers, and no longer than the
/// collection stays as it was: a write through another connection (the
/// CLI beside the server) or through the held one shows at once.
#[tokio::test]
async fn kept_associations_follow_every_write() {
    let f = fixture().await;
    let parents = |a: &Associations| -> Vec<String> {
        let mut v: Vec<String> = a.parents.iter().map(|p| p.artifact_name.clone()).collect();
        v.sort();
        v
    };
    let ask = || associations(&f.scope, assoc("skill:alpha"));
    let first = ask().await.expect("associations");
    assert_eq!(parents(&first), ["kit"]);
    assert_eq!(parents(&ask().await.expect("again")), ["kit"]);

    let src = tempfile::tempdir().expect("a temp source");
    let cli = Scope::per_call(f.scope.home().clone(), "default");
    let done = import(&cli, plugin_with_alpha(src.path(), "more"), |_| {}).await;
    assert!(done.expect("imports").results[0].success);
    assert_eq!(parents(&ask().await.expect("after")), ["kit", "more"]);

    let done = import(&f.scope, plugin_with_alpha(src.path(), "third"), |_| {}).await;
    assert!(done.expect("imports").results[0].success);
    assert_eq!(
        parents(&ask().await.expect("after")),
        ["kit", "more", "third"]
    );
}

/// The held collection's list totals are kept, and follow every write as
/// the associations do; so do the pages.
#[tokio::test]
async fn kept_list_totals_follow_every_write() {
    let f = fixture().await;
    let plugins = || ListArgs {
        subtype: Some("plugin".into()),
        limit: Some(10),
        ..ListArgs::default()
    };
    let page = |l: &ArtifactList| (l.total, names(l).join(" "));
    let first = list(&f.scope, plugins()).await.expect("a page");
    assert_eq!(page(&first), (2, "extras kit".to_owned()));
    let again = list(&f.scope, plugins()).await.expect("a page");
    assert_eq!(page(&again), (2, "extras kit".to_owned()));

    let src = tempfile::tempdir().expect("a temp source");
    let cli = Scope::per_call(f.scope.home().clone(), "default");
    let done = import(&cli, plugin_with_alpha(src.path(), "more"), |_| {}).await;
    assert!(done.expect("imports").results[0].success);
    let after = list(&f.scope, plugins()).await.expect("a page");
    assert_eq!(page(&after), (3, "extras kit more".to_owned()));

    let done = import(&f.scope, plugin_with_alpha(src.path(), "third"), |_| {}).await;
    assert!(done.expect("imports").results[0].success);
    let after = list(&f.scope, plugins()).await.expect("a page");
    assert_eq!(page(&after), (4, "extras kit more third".to_owned()));
}

#[tokio::test]
async fn associations_by_side_and_relationship() {
    let f = fixture().await;
    let own = |v: Vec<(&str, Membership)>| -> Vec<(String, Membership)> {
        v.into_iter().map(|(n, m)| (n.to_owned(), m)).collect()
    };
    use Membership::*;
    let cases: Vec<(AssociationsArgs, Sides)> = vec![
        (
            assoc("kit"),
            [
                vec![],
                own(vec![
                    ("alpha", Required),
                    ("beta", Optional),
                    ("gamma", Member),
                ]),
            ],
        ),
        (
            AssociationsArgs {
                relationship_type: Some(Required),
                ..assoc("composite:kit")
            },
            [vec![], own(vec![("alpha", Required)])],
        ),
        (
            AssociationsArgs {
                relationship_type: Some(Member),
                ..assoc("kit")
            },
            [vec![], own(vec![("gamma", Member)])],
        ),
        (assoc("skill:alpha"), [own(vec![("kit", Required)]), vec![]]),
        (
            AssociationsArgs {
                include_parents: false,
                ..assoc("skill:alpha")
            },
            [vec![], vec![]],
        ),
        (
            AssociationsArgs {
                relationship_type: Some(Optional),
                ..assoc("alpha")
            },
            [vec![], vec![]],
        ),
        (
            AssociationsArgs {
                include_children: false,
                ..assoc("kit")
            },
            [vec![], vec![]],
        ),
    ];
    for (args, expected) in cases {
        let shown = format!("{args:?}");
        let got = associations(&f.scope, args).await.expect("associations");
        assert_eq!(sides(&got), expected, "{shown}");
    }

    // The artifact is named by id, name or type:name alike; every child is
    // pinned at its current hash, the one `show` gives.
    let by_name = associations(&f.scope, assoc("kit")).await.expect("by name");
    let by_id = associations(&f.scope, assoc(&by_name.artifact_id))
        .await
        .expect("by id");
    assert_eq!(by_id.artifact_id, by_name.artifact_id);
    for c in &by_name.children {
        let shown = show(
            &f.scope,
            ShowArgs {
                name_or_id: c.artifact_id.clone(),
                kind: None,
            },
        )
        .await
        .expect("the child");
        assert_eq!(
            (c.pinned_version_hash.as_deref(), c.current_hash.as_str()),
            (
                Some(shown.content_hash.as_str()),
                shown.content_hash.as_str()
            ),
            "{}",
            c.artifact_name
        );
    }
}

#[tokio::test]
async fn stored_files_by_current_version_or_hash() {
    let f = fixture().await;
    let file_args = |id: &str, path: &str, version: Option<&str>| FileArgs {
        id: id.into(),
        path: path.into(),
        version: version.map(str::to_owned),
    };
    let alpha = file(&f.scope, file_args("skill:alpha", "SKILL.md", None)).await;
    assert_eq!(
        alpha.expect("the skill's file"),
        b"---\nname: alpha\n---\nA\n"
    );
    // A one-file artifact's file is `""`.
    let beta = file(&f.scope, file_args("command:beta", "", None)).await;
    assert_eq!(beta.expect("the command"), b"Run beta.\n");
    let current = show(
        &f.scope,
        ShowArgs {
            name_or_id: "beta".into(),
            kind: Some(Kind::Command),
        },
    )
    .await
    .expect("beta")
    .content_hash;
    let pinned = file(&f.scope, file_args("beta", "", Some(&current))).await;
    assert_eq!(pinned.expect("by hash"), b"Run beta.\n");
}

#[tokio::test]
async fn what_is_not_there_is_not_found_and_a_bad_parameter_is_bad_input() {
    let f = fixture().await;
    let show_err = |name: &str| {
        let args = ShowArgs {
            name_or_id: name.into(),
            kind: None,
        };
        async { show(&f.scope, args).await.expect_err("no such artifact") }
    };
    let e = show_err("nope").await;
    assert_eq!(
        (e.code(), e.to_string()),
        (
            ErrorCode::NotFound,
            r#"no artifact named "nope" in collection "default""#.into()
        )
    );
    let e = show_err("skill:nope").await;
    assert_eq!(
        (e.code(), e.to_string()),
        (
            ErrorCode::NotFound,
            r#"no artifact named "skill:nope" in collection "default""#.into()
        )
    );
    let e = associations(&f.scope, assoc("agent:alpha"))
        .await
        .expect_err("alpha is a skill");
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");

    let zeros = "0".repeat(64);
    let cases = [
        ("SKILL.md", Some("abc"), ErrorCode::BadInput),
        ("SKILL.md", Some(zeros.as_str()), ErrorCode::NotFound),
        ("README.md", None, ErrorCode::NotFound),
    ];
    for (path, version, code) in cases {
        let args = FileArgs {
            id: "skill:alpha".into(),
            path: path.into(),
            version: version.map(str::to_owned),
        };
        let e = file(&f.scope, args).await.expect_err("refused");
        assert_eq!(e.code(), code, "{path} {version:?}: {e}");
    }
    let e = file(
        &f.scope,
        FileArgs {
            id: "skill:alpha".into(),
            path: "README.md".into(),
            version: None,
        },
    )
    .await
    .expect_err("no such file");
    assert_eq!(
        e.to_string(),
        r#"skill "alpha" has no file "README.md" in that version"#
    );
}

#[tokio::test]
async fn a_collection_not_made_yet_is_empty_and_has_nothing_to_show() {
    let home = tempfile::tempdir().expect("a temp home");
    let scope = Scope::per_call(Home::at(home.path().to_owned()), "default");
    let empty = list(&scope, ListArgs::default()).await.expect("lists");
    assert_eq!((empty.total, empty.count, empty.items.len()), (0, 0, 0));
    let e = show(
        &scope,
        ShowArgs {
            name_or_id: "kit".into(),
            kind: None,
        },
    )
    .await
    .expect_err("nothing to show");
    assert_eq!(
        (e.code(), e.to_string()),
        (
            ErrorCode::NotFound,
            r#"no artifact named "kit" in collection "default" (it is empty)"#.into()
        )
    );
    assert_eq!(
        std::fs::read_dir(home.path()).expect("home").count(),
        0,
        "reading wrote nothing"
    );
}

#[test]
fn a_client_never_sees_an_internal_message() {
    let secret = "no such table: artifacts (/home/u/.skillmeat/skillmeat.db)";
    let cases = [
        (
            crate::Error::Internal(secret.into()),
            PublicError::new(ErrorCode::Internal, INTERNAL_MESSAGE),
        ),
        (
            crate::Error::Usage("no path given".into()),
            PublicError::new(ErrorCode::BadInput, "no path given"),
        ),
    ];
    for (error, expected) in cases {
        assert_eq!(PublicError::from(error), expected);
    }
    let failed = |code: ErrorCode| PluginImport {
        success: false,
        plugin_name: "p".into(),
        plugin_id: None,
        children_imported: 0,
        children_reused: 0,
        children_new_version: 0,
        errors: vec![secret.into()],
        transaction_id: "t".into(),
        dry_run: false,
        children: Vec::new(),
        loads_in_claude_code: true,
        load_errors: Vec::new(),
        validation_errors: Vec::new(),
        error_code: Some(code),
    };
    let summary = ImportSummary {
        results: vec![failed(ErrorCode::Internal), failed(ErrorCode::BadInput)],
        warnings: Vec::new(),
    };
    assert_eq!(summary.worst(), Some(ErrorCode::Internal));
    let errors: Vec<Vec<String>> = summary
        .for_client()
        .results
        .into_iter()
        .map(|r| r.errors)
        .collect();
    assert_eq!(
        errors,
        [vec![INTERNAL_MESSAGE.to_owned()], vec![secret.to_owned()]]
    );
}

/// `undeploy` takes the artifact's id as well as its name: the id of an
/// artifact the collection knows is its `type:name` in the project's record
/// (unpacked, so the plugin's agent lands in `.claude/agents/`).
#[tokio::test]
async fn a_deployment_is_undeployed_by_the_artifacts_id() {
    let f = fixture().await;
    let project = tempfile::tempdir().expect("a temp project");
    let deployed = deploy(
        &f.scope,
        DeployArgs {
            name: "kit".into(),
            project: project.path().to_owned(),
            platform: "claude-code".into(),
            dry_run: false,
            use_current: false,
            force: false,
            mode: Some(DeployMode::Unpacked),
        },
    )
    .await
    .expect("kit deploys");
    assert!(project.path().join(".claude/agents/gamma.md").is_file());
    let kit = show(
        &f.scope,
        ShowArgs {
            name_or_id: "kit".into(),
            kind: None,
        },
    )
    .await
    .expect("kit is there");
    let undeploy_args = |name: &str| UndeployArgs {
        name: name.to_owned(),
        project: project.path().to_owned(),
        force: false,
    };
    let unknown = undeploy(&f.scope, undeploy_args("01JZ8Y4W5N3K9Q2R7T6V0XABCD"))
        .await
        .expect_err("an id nothing has");
    assert!(unknown.to_string().contains("is not deployed"), "{unknown}");
    let out = undeploy(&f.scope, undeploy_args(&kit.id))
        .await
        .expect("undeployed by id");
    assert_eq!(out.name, deployed.name);
    assert!(!project.path().join(".claude/agents/gamma.md").exists());
}

/// A marketplace of `plugins` plugins of `skills` skills each (`pNN`, skills
/// `sP-S`), every file distinct.
fn marketplace(dir: &Path, plugins: usize, skills: usize) {
    let entries: Vec<String> = (0..plugins)
        .map(|p| format!(r#"{{"name": "p{p:02}", "source": "./p{p:02}"}}"#))
        .collect();
    write(
        dir,
        ".claude-plugin/marketplace.json",
        &format!(
            r#"{{"name": "many", "owner": {{"name": "t"}}, "plugins": [{}]}}"#,
            entries.join(",")
        ),
    );
    for p in 0..plugins {
        let root = dir.join(format!("p{p:02}"));
        write(
            &root,
            ".claude-plugin/plugin.json",
            &format!(r#"{{"name": "p{p:02}"}}"#),
        );
        for s in 0..skills {
            let name = format!("s{p}-{s}");
            write(
                &root,
                &format!("skills/{name}/SKILL.md"),
                &format!("---\nname: {name}\ndescription: Skill {s} of {p}.\n---\nDo {p}.{s}.\n"),
            );
        }
    }
}

/// What `scope`'s collection holds: the plugins with their children
/// counts, and how many skills.
async fn whole_plugins(scope: &Scope) -> (Vec<(String, usize)>, u32) {
    let only = |kind, subtype: Option<&str>| ListArgs {
        kind: Some(kind),
        subtype: subtype.map(str::to_owned),
        ..ListArgs::default()
    };
    let plugins = list(scope, only(Kind::Composite, Some("plugin")))
        .await
        .expect("the plugins listed");
    let mut held = Vec::new();
    for p in &plugins.items {
        let a = associations(scope, assoc(&format!("composite:{}", p.name)))
            .await
            .expect("its children");
        held.push((p.name.clone(), a.children.len()));
    }
    held.sort();
    let skills = list(scope, only(Kind::Skill, None)).await.expect("skills");
    (held, skills.total)
}

/// A stopping server whose grace runs out aborts the import in the middle
/// of the marketplace (most likely inside a plugin's transaction) and rolls
/// the plugin in flight back: the collection holds whole plugins only, no
/// child of the one in flight, no transaction folder; `verify` is clean in
/// this process and in the next, which imports the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_off_by_a_stop_leaves_whole_plugins_only() {
    const PLUGINS: usize = 40;
    const SKILLS: usize = 30;
    let home = tempfile::tempdir().expect("a temp home");
    let src = tempfile::tempdir().expect("a temp source");
    marketplace(src.path(), PLUGINS, SKILLS);
    let scope = Scope::held(Home::at(home.path().to_owned()), "default")
        .await
        .expect("the collection opens");
    let args = CompositeImportArgs {
        source: Some(src.path().display().to_string()),
        ..CompositeImportArgs::default()
    };
    start_import(&scope, args).await.expect("started");
    let begun = std::time::Instant::now();
    while whole_plugins(&scope).await.0.len() < 2 {
        assert!(begun.elapsed().as_secs() < 120, "no plugin imported");
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let cut = stop_jobs(&scope, std::time::Duration::ZERO).await;
    assert_eq!(
        cut.expect("stopped"),
        1,
        "the import had ended before the stop"
    );

    let (held, skills) = whole_plugins(&scope).await;
    assert!(held.len() < PLUGINS, "{held:?}");
    assert!(held.iter().all(|(_, n)| *n == SKILLS), "{held:?}");
    assert_eq!(skills as usize, held.len() * SKILLS);
    let report = verify(&scope).await.expect("verified");
    assert!(report.ok, "{:?}", report.problems);
    assert!(home.path().join("collections/default/artifacts").is_dir());
    let txn = home.path().join("collections/default/.txn");
    let left = std::fs::read_dir(&txn).map_or(0, |d| d.count());
    assert_eq!(left, 0, "a transaction folder is left in {}", txn.display());
    drop(scope);

    let next = Scope::per_call(Home::at(home.path().to_owned()), "default");
    assert_eq!(whole_plugins(&next).await, (held, skills));
    let report = verify(&next).await.expect("verified");
    assert!(report.ok, "{:?}", report.problems);
    import(&next, folder(src.path().to_owned()), |_| {})
        .await
        .expect("the rest imports");
    let (all, skills) = whole_plugins(&next).await;
    assert_eq!(all.len(), PLUGINS);
    assert!(all.iter().all(|(_, n)| *n == SKILLS), "{all:?}");
    assert_eq!(skills as usize, PLUGINS * SKILLS);
}

//! `skillmeat serve` through the real binary: a server on an ephemeral
//! loopback port, a real HTTP client (reqwest), a real collection in a temp
//! `SKILLMEAT_HOME`; every endpoint and every status, the token, the
//! shutdown, and the CLI writing while the server reads.

mod util;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Response;
use serde_json::{Value, json};
use util::server::{Server, parse, signal, wait};
use util::{Home, fixture, write};

/// `(status, code)` of an error answer.
fn error_of((status, body): (StatusCode, Value)) -> (u16, String) {
    let code = body["code"].as_str().unwrap_or("<none>").to_owned();
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{status}: {body}"
    );
    (status.as_u16(), code)
}

/// SHA-256 hex by `sha256sum`, independent of the code under test.
fn sha256(bytes: &[u8]) -> String {
    let mut child = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running sha256sum");
    let mut stdin = child.stdin.take().expect("sha256sum's stdin");
    stdin.write_all(bytes).expect("feeding sha256sum");
    drop(stdin);
    let out = child.wait_with_output().expect("sha256sum's output");
    String::from_utf8_lossy(&out.stdout)[..64].to_owned()
}

const CANVAS_DESIGN: &str =
    "---\nname: canvas-design\ndescription: Design on a canvas.\n---\nDraw.\n";
const CANVAS_REVIEW: &str = "---\nname: canvas-review\ndescription: Review a canvas.\n---\nLook.\n";
const CANVAS_COMMAND: &str = "---\ndescription: Open the canvas.\n---\nOpen it.\n";

/// The seeds' P3-08 plugin: `canvas` with 3 children (2 skills, a command).
fn canvas(root: &Path) {
    write(
        root,
        ".claude-plugin/plugin.json",
        r#"{"name": "canvas", "version": "1.2.0", "description": "Canvas tools"}"#,
    );
    write(root, "skills/canvas-design/SKILL.md", CANVAS_DESIGN);
    write(root, "skills/canvas-review/SKILL.md", CANVAS_REVIEW);
    write(root, "commands/canvas.md", CANVAS_COMMAND);
}

/// A home with canvas (3 children) and guardrails (5) in it.
fn home_with_plugins() -> (Home, tempfile::TempDir) {
    let home = Home::new();
    let src = tempfile::tempdir().expect("a temp source");
    canvas(&src.path().join("canvas"));
    for plugin in [src.path().join("canvas"), fixture("guardrails")] {
        home.cmd().arg("add").arg(plugin).assert().success();
    }
    (home, src)
}

#[test]
fn the_token_is_made_once_0600_printed_in_the_url_and_required_on_every_api_route() {
    let home = Home::new();
    let mut server = Server::start(&home, &[]);
    let file = home.path().join("server-token");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file)
        .expect("the token file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let stored = std::fs::read_to_string(&file).expect("the token");
    assert_eq!(stored, format!("{}\n", server.token));
    assert_eq!(server.token.len(), 64);
    assert!(server.token.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(server.addr.starts_with("127.0.0.1:"), "{}", server.addr);

    // No token, a wrong one of the same length, another scheme: 401.
    let list = server.url("/api/v1/artifacts");
    let none = server.client.get(&list).send().expect("answers");
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_of(parse(none)), (401, "unauthorized".into()));
    let mut wrong = server.token.clone();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(63.., last);
    let r = server
        .client
        .get(&list)
        .bearer_auth(&wrong)
        .send()
        .expect("answers");
    assert_eq!(error_of(parse(r)), (401, "unauthorized".into()));
    let r = server
        .client
        .get(&list)
        .header("Authorization", format!("Basic {}", server.token))
        .send()
        .expect("answers");
    assert_eq!(error_of(parse(r)), (401, "unauthorized".into()));
    // An unknown /api/ path is a 401 without the token, a 404 with it.
    let r = server
        .client
        .get(server.url("/api/v2/x"))
        .send()
        .expect("answers");
    assert_eq!(error_of(parse(r)), (401, "unauthorized".into()));
    assert_eq!(
        error_of(server.json("/api/v2/x")),
        (404, "not_found".into())
    );

    // With the token: an empty collection; the scheme's case does not matter.
    let r = server
        .client
        .get(&list)
        .header("Authorization", format!("bearer {}", server.token))
        .header("Origin", "http://evil.example")
        .send()
        .expect("answers");
    assert!(
        !r.headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-")),
        "CORS headers: {:?}",
        r.headers()
    );
    assert_eq!(
        parse(r),
        (StatusCode::OK, json!({"items": [], "total": 0, "count": 0}))
    );

    // /healthz needs none.
    let r = server
        .client
        .get(server.url("/healthz"))
        .send()
        .expect("answers");
    assert_eq!(parse(r), (StatusCode::OK, json!({"status": "ok"})));

    // The next start reads the same token.
    let first = server.token.clone();
    assert!(server.stop(Duration::from_secs(15)).success());
    let again = Server::start(&home, &[]);
    assert_eq!(again.token, first);
}

#[test]
fn a_token_file_is_used_when_given_and_refused_when_others_may_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("token");
    let token = "s3cret-token-for-tests-0123456789abcdef";
    std::fs::write(&file, format!("{token}\n")).expect("the token written");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let arg = file.to_str().expect("UTF-8");
    let server = Server::start(&home, &["--token-file", arg]);
    assert_eq!(server.token, token);
    assert_eq!(server.json("/api/v1/artifacts").0, StatusCode::OK);
    assert!(!home.path().join("server-token").exists());
    drop(server);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = home
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file", arg])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(arg) && stderr.contains("mode 0644"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn an_address_beyond_loopback_needs_public() {
    let home = Home::new();
    let out = home
        .cmd()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a loopback address") && stderr.contains("--public"),
        "{stderr}"
    );
    assert!(!home.path().join("server-token").exists());
}

/// The seeds' P3-08 API test: a plugin with 3 children → its associations
/// with the pinned hashes; an unknown id → 404.
#[test]
fn associations_of_a_plugin_with_three_children_carry_their_pinned_hashes() {
    let (home, _src) = home_with_plugins();
    let server = Server::start(&home, &[]);
    let skill = |text: &str| sha256(format!("SKILL.md\0{}\n", sha256(text.as_bytes())).as_bytes());
    let expected = [
        ("canvas", "command", sha256(CANVAS_COMMAND.as_bytes())),
        ("canvas-design", "skill", skill(CANVAS_DESIGN)),
        ("canvas-review", "skill", skill(CANVAS_REVIEW)),
    ];
    let (status, body) = server.json("/api/v1/artifacts/composite:canvas/associations");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["parents"], json!([]));
    let mut children: Vec<(String, String, String)> = body["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            assert_eq!(c["relationship_type"], "MEMBER");
            assert_eq!(c["pinned_version_hash"], c["current_hash"]);
            for key in ["artifact_id", "created_at"] {
                assert!(c[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
            }
            let field = |k: &str| c[k].as_str().expect(k).to_owned();
            (
                field("artifact_name"),
                field("artifact_type"),
                field("pinned_version_hash"),
            )
        })
        .collect();
    children.sort();
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(n, t, h)| (n.to_string(), t.to_string(), h.clone()))
        .collect();
    assert_eq!(children, expected);

    // By its ULID, the same; a child's parents name the plugin.
    let plugin_id = body["artifact_id"]
        .as_str()
        .expect("artifact_id")
        .to_owned();
    let (status, by_id) = server.json(&format!("/api/v1/artifacts/{plugin_id}/associations"));
    assert_eq!((status, &by_id), (StatusCode::OK, &body));
    let (_, child) = server.json("/api/v1/artifacts/skill:canvas-design/associations");
    assert_eq!(child["children"], json!([]));
    assert_eq!(child["parents"][0]["artifact_name"], "canvas");
    assert_eq!(child["parents"][0]["artifact_id"], plugin_id.as_str());
    assert_eq!(
        child["parents"][0]["pinned_version_hash"],
        expected[1].2.as_str()
    );

    // The filters.
    let path = "/api/v1/artifacts/composite:canvas/associations";
    let (_, no_children) = server.json(&format!("{path}?include_children=false"));
    assert_eq!(no_children["children"], json!([]));
    let (_, optional) = server.json(&format!("{path}?relationship_type=OPTIONAL"));
    assert_eq!(optional["children"], json!([]));
    let (_, member) = server.json(&format!(
        "{path}?relationship_type=MEMBER&include_parents=false"
    ));
    assert_eq!(member["children"].as_array().map(Vec::len), Some(3));

    // 404 for an unknown id; 400 for a bad parameter; 401 without the token.
    for unknown in ["01JZ8Y4W5N3K9Q2R7T6V0XABCD", "skill:nope", "nope"] {
        let answer = server.json(&format!("/api/v1/artifacts/{unknown}/associations"));
        assert_eq!(error_of(answer), (404, "not_found".into()), "{unknown}");
    }
    for bad in [
        "include_parents=maybe",
        "relationship_type=SIBLING",
        "include_children=1x",
        "colour=red",
    ] {
        let answer = server.json(&format!("{path}?{bad}"));
        assert_eq!(error_of(answer), (400, "bad_input".into()), "{bad}");
    }
    let r = server.client.get(server.url(path)).send().expect("answers");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn the_list_filters_and_pages_with_the_seeds_field_names() {
    let (home, _src) = home_with_plugins();
    let server = Server::start(&home, &[]);
    let (status, all) = server.json("/api/v1/artifacts");
    assert_eq!(status, StatusCode::OK);
    // canvas: 3 children, guardrails: 5, and the two plugins.
    assert_eq!(
        (all["total"].as_u64(), all["count"].as_u64()),
        (Some(10), Some(10))
    );
    let keys = [
        "id",
        "artifact_uuid",
        "name",
        "type",
        "subtype",
        "version",
        "child_count",
        "content_hash",
        "created_at",
        "updated_at",
    ];
    for item in all["items"].as_array().expect("items") {
        let mut have: Vec<&str> = item
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        have.sort_unstable();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(have, want);
        assert_eq!(item["artifact_uuid"], item["id"]);
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let (_, plugins) = server.json("/api/v1/artifacts?artifact_type=composite");
    assert_eq!(names(&plugins), ["canvas", "guardrails"]);
    let first = &plugins["items"][0];
    assert_eq!(
        (
            &first["type"],
            &first["subtype"],
            &first["version"],
            &first["child_count"]
        ),
        (
            &json!("composite"),
            &json!("plugin"),
            &json!("1.2.0"),
            &json!(3)
        )
    );
    let (_, seeds) = server.json("/api/v1/artifacts?artifact_type=composite&subtype=PLUGIN");
    assert_eq!(names(&seeds), ["canvas", "guardrails"]);
    let (_, skills) = server.json("/api/v1/artifacts?artifact_type=skill&q=CANVAS");
    assert_eq!(names(&skills), ["canvas-design", "canvas-review"]);
    let (_, page) = server.json("/api/v1/artifacts?artifact_type=skill&limit=1&offset=1");
    assert_eq!(names(&page), ["canvas-review"]);
    assert_eq!(
        (page["total"].as_u64(), page["count"].as_u64()),
        (Some(3), Some(1))
    );
    for bad in [
        "limit=5000",
        "limit=-1",
        "artifact_type=plugins",
        "type=skill",
        "offset=x",
    ] {
        let answer = server.json(&format!("/api/v1/artifacts?{bad}"));
        assert_eq!(error_of(answer), (400, "bad_input".into()), "{bad}");
    }
}

#[test]
fn one_artifact_its_stored_files_and_its_bundle() {
    let (home, src) = home_with_plugins();
    let server = Server::start(&home, &[]);
    let (status, canvas) = server.json("/api/v1/artifacts/composite:canvas");
    assert_eq!(status, StatusCode::OK, "{canvas}");
    assert_eq!(
        (&canvas["name"], &canvas["type"]),
        (&json!("canvas"), &json!("composite"))
    );
    assert_eq!(canvas["children"].as_array().map(Vec::len), Some(3));
    assert_eq!(canvas["versions"][0]["current"], true);
    assert_eq!(canvas["deployments"], json!([]));
    let (_, by_id) = server.json(&format!(
        "/api/v1/artifacts/{}",
        canvas["id"].as_str().expect("id")
    ));
    assert_eq!(by_id, canvas);
    assert_eq!(
        error_of(server.json("/api/v1/artifacts/skill:nope")),
        (404, "not_found".into())
    );

    // A file of the current version, of a version named by its hash, of a
    // one-file artifact, and deep in a plugin.
    let bytes = |path: &str| -> (StatusCode, Vec<u8>) {
        let r = server.get(path).send().expect("answers");
        (r.status(), r.bytes().expect("a body").to_vec())
    };
    let design = "/api/v1/artifacts/skill:canvas-design/files/SKILL.md";
    assert_eq!(
        bytes(design),
        (StatusCode::OK, CANVAS_DESIGN.as_bytes().to_vec())
    );
    let hash = sha256(format!("SKILL.md\0{}\n", sha256(CANVAS_DESIGN.as_bytes())).as_bytes());
    let pinned = format!("{design}?version={hash}");
    assert_eq!(
        bytes(&pinned),
        (StatusCode::OK, CANVAS_DESIGN.as_bytes().to_vec())
    );
    let command = "/api/v1/artifacts/command:canvas/files/";
    assert_eq!(
        bytes(command),
        (StatusCode::OK, CANVAS_COMMAND.as_bytes().to_vec())
    );
    let policy =
        std::fs::read(fixture("guardrails/guardrails_lib/policy.py")).expect("the fixture");
    let deep = "/api/v1/artifacts/composite:guardrails/files/guardrails_lib/policy.py";
    assert_eq!(bytes(deep), (StatusCode::OK, policy));
    let zeros = format!("{design}?version={}", "0".repeat(64));
    assert_eq!(error_of(server.json(&zeros)), (404, "not_found".into()));
    let not_a_hash = format!("{design}?version=xyz");
    assert_eq!(
        error_of(server.json(&not_a_hash)),
        (400, "bad_input".into())
    );
    let missing = "/api/v1/artifacts/skill:canvas-design/files/nope.md";
    assert_eq!(error_of(server.json(missing)), (404, "not_found".into()));

    // The bundle: the same bytes as `skillmeat export`.
    let r = server
        .get("/api/v1/artifacts/composite:guardrails/bundle")
        .send()
        .expect("answers");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"guardrails-0.3.0.zip\""
    );
    let served = r.bytes().expect("the zip").to_vec();
    let exported = src.path().join("guardrails.zip");
    home.cmd()
        .args(["export", "guardrails", "-o"])
        .arg(&exported)
        .assert()
        .success();
    assert_eq!(served, std::fs::read(&exported).expect("the exported zip"));
    assert!(served.starts_with(b"PK\x03\x04"));
    let unknown = server.json("/api/v1/artifacts/composite:nope/bundle");
    assert_eq!(error_of(unknown), (404, "not_found".into()));
}

#[test]
fn deploy_status_conflict_and_undeploy() {
    let (home, _src) = home_with_plugins();
    let server = Server::start(&home, &[]);
    let project = tempfile::tempdir().expect("a project");
    let root = project.path().to_str().expect("UTF-8").to_owned();
    let agent = project.path().join(".claude/agents/guard-reviewer.md");
    let deploy = "/api/v1/artifacts/composite:guardrails/deploy";

    let (status, plan) = server.send(server.post(
        deploy,
        &json!({"project": root, "dry_run": true, "mode": "unpacked"}),
    ));
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["dry_run"], true);
    assert!(!project.path().join(".claude").exists(), "a dry run wrote");

    let (status, done) =
        server.send(server.post(deploy, &json!({"project": root, "mode": "unpacked"})));
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (&done["name"], &done["dry_run"]),
        (&json!("guardrails"), &json!(false))
    );
    assert_eq!(
        std::fs::read(&agent).expect("the agent deployed"),
        std::fs::read(fixture("guardrails/agents/guard-reviewer.md")).expect("the fixture")
    );
    let status_path = format!("/api/v1/projects/status?project={root}");
    let (status, state) = server.json(&status_path);
    assert_eq!(status, StatusCode::OK, "{state}");
    let items = state["items"].as_array().expect("items");
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|i| i["status"] == "ok"), "{state}");

    // Another project with its own file where the agent goes: 409, and the
    // file is untouched; a dry run shows the conflict.
    let other = tempfile::tempdir().expect("another project");
    write(other.path(), ".claude/agents/guard-reviewer.md", "mine\n");
    let other_root = other.path().to_str().expect("UTF-8");
    let refused =
        server.send(server.post(deploy, &json!({"project": other_root, "mode": "unpacked"})));
    assert_eq!(error_of(refused), (409, "conflict".into()));
    let mine = std::fs::read_to_string(other.path().join(".claude/agents/guard-reviewer.md"));
    assert_eq!(mine.expect("still there"), "mine\n");
    let (status, plan) = server.send(server.post(
        deploy,
        &json!({"project": other_root, "dry_run": true, "mode": "unpacked"}),
    ));
    assert_eq!(status, StatusCode::OK);
    assert!(
        plan["operations"]
            .as_array()
            .expect("operations")
            .iter()
            .any(|o| o["action"] == "conflict"),
        "{plan}"
    );

    // Bad input: a relative project (400), a body of the wrong shape (422),
    // not JSON (400), not declared JSON (415), an unknown artifact (404).
    let relative = server.send(server.post(deploy, &json!({"project": "app"})));
    assert_eq!(error_of(relative), (400, "bad_input".into()));
    let shapeless = server.send(server.post(deploy, &json!({"projects": root})));
    assert_eq!(error_of(shapeless), (422, "bad_input".into()));
    let raw = |body: &str, content_type: &str| {
        server.send(
            server
                .client
                .post(server.url(deploy))
                .bearer_auth(&server.token)
                .header("Content-Type", content_type)
                .body(body.to_owned()),
        )
    };
    assert_eq!(
        error_of(raw("{\"project\":", "application/json")),
        (400, "bad_input".into())
    );
    let form = raw(&format!("{{\"project\": \"{root}\"}}"), "text/plain");
    assert_eq!(error_of(form), (415, "bad_input".into()));
    let nothing = server.send(server.post(
        "/api/v1/artifacts/composite:nope/deploy",
        &json!({"project": root}),
    ));
    assert_eq!(error_of(nothing), (404, "not_found".into()));
    let wrong_method = server.json(deploy);
    assert_eq!(error_of(wrong_method), (405, "bad_input".into()));

    // Undeploy by the plugin's id: the files go, the status is empty.
    let (_, canvas) = server.json("/api/v1/artifacts/composite:guardrails");
    let id = canvas["id"].as_str().expect("id");
    let undeploy = format!("/api/v1/artifacts/{id}/undeploy");
    let (status, out) = server.send(server.post(&undeploy, &json!({"project": root})));
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(
        out["removed"].as_array().is_some_and(|r| !r.is_empty()),
        "{out}"
    );
    assert!(!agent.exists());
    let (_, state) = server.json(&status_path);
    assert_eq!(state["items"], json!([]));
    // Not deployed (any more): 404 over HTTP; the CLI exits 1 with the
    // same message.
    let again = server.send(server.post(&undeploy, &json!({"project": root})));
    let message = again.1["message"].as_str().unwrap_or_default().to_owned();
    assert_eq!(error_of(again), (404, "not_found".into()));
    let cli = home
        .cmd()
        .args(["undeploy", "composite:guardrails", "--project", &root])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&cli.get_output().stderr).into_owned();
    assert_eq!(stderr, format!("skillmeat: error: {message}\n"));
    assert!(
        message.starts_with("\"composite:guardrails\" is not deployed in ")
            && message.ends_with("(deployed: nothing)"),
        "{message}"
    );
}

#[test]
fn a_public_server_refuses_project_routes() {
    let (home, _src) = home_with_plugins();
    let server = Server::start(&home, &["--public"]);
    assert!(server.printed("warning: --public"), "{}", server.stderr());
    let project = tempfile::tempdir().expect("a project");
    let root = project.path().to_str().expect("UTF-8");
    let body = json!({"project": root});
    let deploy = server.send(server.post("/api/v1/artifacts/composite:guardrails/deploy", &body));
    assert_eq!(error_of(deploy), (403, "forbidden".into()));
    let undeploy = server.send(server.post("/api/v1/artifacts/guardrails/undeploy", &body));
    assert_eq!(error_of(undeploy), (403, "forbidden".into()));
    let status = server.json(&format!("/api/v1/projects/status?project={root}"));
    assert_eq!(error_of(status), (403, "forbidden".into()));
    assert!(!project.path().join(".claude").exists());
    // Reading the collection is allowed; the page is told: no Deploy.
    assert_eq!(server.json("/api/v1/artifacts").0, StatusCode::OK);
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        server.json("/api/v1/server"),
        (
            StatusCode::OK,
            json!({"version": version, "collection": "default", "loopback": false})
        )
    );
    let local = Server::start(&home, &["--collection", "work"]);
    assert_eq!(
        local.json("/api/v1/server"),
        (
            StatusCode::OK,
            json!({"version": version, "collection": "work", "loopback": true})
        )
    );
}

#[test]
fn an_over_limit_body_is_413_verify_and_the_descriptions() {
    let (home, _src) = home_with_plugins();
    let server = Server::start(&home, &[]);
    let deploy = "/api/v1/artifacts/composite:guardrails/deploy";
    let big = 2 * 1024 * 1024;
    assert_eq!(
        error_of(server.declared(deploy, big)),
        (413, "too_large".into())
    );
    // Without the token, the same body is a 401: the token is checked first.
    assert_eq!(
        error_of(server.declared_by(deploy, big, None)),
        (401, "unauthorized".into())
    );

    let (status, report) = server.send(
        server
            .client
            .post(server.url("/api/v1/verify"))
            .bearer_auth(&server.token),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["artifacts"], 10);
    assert_eq!(report["problems"], json!([]));

    // The description served is the one committed.
    let (status, served) = server.json("/api/v1/openapi.json");
    assert_eq!(status, StatusCode::OK);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(committed).expect("docs/openapi.json"))
            .expect("JSON");
    assert_eq!(served, committed);
    let r = server
        .client
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .expect("answers");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The API page needs no token and loads nothing from elsewhere.
    let r = server
        .client
        .get(server.url("/api/docs"))
        .send()
        .expect("answers");
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = r.text().expect("HTML");
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "/api/docs loads from elsewhere"
    );
}

/// The browser UI at `/` (ui/dist; a debug build reads it at run time), no
/// token needed: any app path is `index.html` with the CSP the wasm core
/// needs, a hashed asset is cached for a year, a missing file is a 404.
/// Without ui/dist, `/` says how to build it.
#[test]
fn the_browser_ui_is_served_at_the_root_without_a_token() {
    let home = Home::new();
    let server = Server::start(&home, &[]);
    let get = |path: &str| server.client.get(server.url(path)).send().expect("answers");
    let header = |r: &Response, name: &str| {
        r.headers()
            .get(name)
            .unwrap_or_else(|| panic!("no {name}: {:?}", r.headers()))
            .to_str()
            .expect("ASCII")
            .to_owned()
    };
    for missing in ["/assets/no-such-file-0000.js", "/no-such-file.png"] {
        assert_eq!(error_of(parse(get(missing))), (404, "not_found".into()));
    }
    // An unknown /api/ path is never the page.
    assert_eq!(
        error_of(parse(get("/api/v1/nope"))),
        (401, "unauthorized".into())
    );

    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist");
    let Ok(index) = std::fs::read(dist.join("index.html")) else {
        let (status, body) = parse(get("/"));
        assert_eq!(status, StatusCode::NOT_FOUND);
        let message = body["message"].as_str().expect("a message");
        assert!(message.contains("make ui-build"), "{message}");
        return;
    };
    for path in ["/", "/some/route", "/artifact/01JZ8Y4W5N3K9Q2R7T6V0XABCD"] {
        let r = get(path);
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&r, "cache-control"), "no-cache");
        let csp = header(&r, "content-security-policy");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("connect-src 'self'")
                && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(r.bytes().expect("the page").as_ref(), index.as_slice());
    }
    let assets: Vec<_> = std::fs::read_dir(dist.join("assets"))
        .expect("ui/dist/assets")
        .map(|e| e.expect("an entry").path())
        .collect();
    for (ext, content_type) in [
        ("wasm", "application/wasm"),
        ("js", "text/javascript; charset=utf-8"),
        ("css", "text/css; charset=utf-8"),
    ] {
        let file = assets
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap_or_else(|| panic!("no .{ext} in ui/dist/assets"));
        let name = file.file_name().and_then(|n| n.to_str()).expect("UTF-8");
        let r = get(&format!("/assets/{name}"));
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert_eq!(header(&r, "content-type"), content_type, "{name}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        let bytes = std::fs::read(file).expect("the asset");
        assert_eq!(r.bytes().expect("the asset").as_ref(), bytes.as_slice());
    }
}

/// Without `--listen` the server is on 127.0.0.1:7676 (or, when that port
/// is taken, says so naming it, exit 1); started from any folder, it serves
/// the UI (`/`) and the API.
#[test]
fn the_default_address_is_loopback_port_7676_and_any_folder_serves_the_ui() {
    const DEFAULT: &str = "127.0.0.1:7676";
    let home = Home::new();
    let elsewhere = tempfile::tempdir().expect("a working folder");
    let mut command = home.cmd_std();
    command
        .arg("serve")
        .current_dir(elsewhere.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("skillmeat serve");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a startup line or an exit within 30 s");
    if line.is_empty() {
        // The port is taken (another program on this machine): refused, naming it.
        let status = wait(&mut child, Duration::from_secs(30));
        let mut stderr = String::new();
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr);
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(DEFAULT), "{stderr}");
        return;
    }
    let base = format!("http://{DEFAULT}");
    assert!(line.contains(&format!("{base}/#token=")), "{line}");
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    let page = client.get(format!("{base}/")).send().expect("GET /");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().expect("the page").contains("<div id=\"root\">"));
    let _ = child.kill();
    let _ = child.wait();
}

/// SIGTERM or SIGINT (Ctrl-C): new connections are refused, a request in
/// flight still gets its answer, the server exits 0.
#[test]
fn sigterm_and_sigint_let_the_request_in_flight_finish() {
    for name in ["TERM", "INT"] {
        the_request_in_flight_finishes_after(name);
    }
}

fn the_request_in_flight_finishes_after(name: &str) {
    let (home, _src) = home_with_plugins();
    let mut server = Server::start(&home, &[]);
    let project = tempfile::tempdir().expect("a project");
    let body = format!(
        "{{\"project\": \"{}\", \"dry_run\": true}}",
        project.path().display()
    );
    let (head, tail) = body.split_at(10);
    let mut stream = TcpStream::connect(&server.addr).expect("connecting");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    write!(
        stream,
        "POST /api/v1/artifacts/composite:guardrails/deploy HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        server.addr,
        server.token,
        body.len()
    )
    .expect("sending the head");
    stream.flush().expect("flushing");
    std::thread::sleep(Duration::from_millis(300));
    signal(&server.child, name);
    let start = Instant::now();
    while !server.stderr().contains("stopping") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no shutdown began"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The listener closes as the shutdown begins.
    while TcpStream::connect(&server.addr).is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "new connections are still accepted while stopping"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        matches!(server.child.try_wait(), Ok(None)),
        "exited with a request in flight"
    );
    stream.write_all(tail.as_bytes()).expect("sending the rest");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("\"dry_run\":true"), "{answer}");
    assert!(wait(&mut server.child, Duration::from_secs(10)).success());
}

/// A request that never ends holds the shutdown up for the grace period
/// only (10 s).
#[test]
fn the_shutdown_waits_a_bounded_time() {
    let home = Home::new();
    let mut server = Server::start(&home, &[]);
    let mut stream = TcpStream::connect(&server.addr).expect("connecting");
    write!(
        stream,
        "POST /api/v1/artifacts/x/deploy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        server.token
    )
    .expect("sending the head");
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let status = server.stop(Duration::from_secs(30));
    let took = start.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(20),
        "stopped after {took:?}"
    );
    assert!(server.printed("still in flight"), "{}", server.stderr());
}

/// The server and the CLI use one collection at once: the CLI adds plugins
/// while a client lists through the server, which sees each as it lands.
#[test]
fn the_cli_adds_while_the_server_serves_lists() {
    let home = Home::new();
    let server = Server::start(&home, &[]);
    let plugins = [
        "accessibility-compliance",
        "agent-orchestration",
        "api-scaffolding",
        "api-testing-observability",
        "application-performance",
    ];
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let client = server.client.clone();
        let url = server.url("/api/v1/artifacts?artifact_type=composite");
        let token = server.token.clone();
        std::thread::spawn(move || {
            let mut totals = Vec::new();
            let start = Instant::now();
            while !done.load(std::sync::atomic::Ordering::SeqCst)
                && start.elapsed() < Duration::from_secs(120)
            {
                let (status, body) = parse(
                    client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .expect("answers"),
                );
                assert_eq!(status, StatusCode::OK, "{body}");
                totals.push(body["total"].as_u64().expect("total"));
            }
            totals
        })
    };
    for name in plugins {
        let path = fixture(&format!("wshobson-agents/plugins/{name}"));
        home.cmd().arg("add").arg(path).assert().success();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let totals = reader.join().expect("the reader");
    assert!(totals.len() >= 2, "only {} lists", totals.len());
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
    let (_, last) = server.json("/api/v1/artifacts?artifact_type=composite");
    assert_eq!(last["total"], 5);
    let cli = home.json(&["list", "--json", "--type", "composite"], &[] as &[&str]);
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().expect("name").to_owned())
            .collect()
    };
    assert_eq!(names(&last), names(&cli));
    let mut sorted = plugins.map(str::to_owned).to_vec();
    sorted.sort();
    assert_eq!(names(&last), sorted);
}

/// A 500 says nothing of the server's insides: a stored file gone from the
/// collection is an internal error, logged with its path, answered with the
/// fixed text.
#[test]
fn an_internal_error_is_logged_and_answered_without_paths_or_sql() {
    let (home, _src) = home_with_plugins();
    let server = Server::start(&home, &[]);
    let hash = sha256(CANVAS_DESIGN.as_bytes());
    let blob = home
        .path()
        .join("collections/default/objects")
        .join(&hash[..2])
        .join(&hash[2..]);
    std::fs::remove_file(&blob).expect("removing SKILL.md's blob");
    let answer = server.json("/api/v1/artifacts/skill:canvas-design/files/SKILL.md");
    assert_eq!(
        answer,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": "internal", "message": "internal error; the details are in the log (SKILLMEAT_LOG=error)"})
        )
    );
    let start = Instant::now();
    while !server.stderr().contains(&hash[2..]) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not logged: {}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// When every pooled connection stays in use (here the pool's one
/// connection, taken by a `remove` that waits for the write lock another
/// process holds), a request waits the pool's acquire timeout, then gets
/// 503 `busy` with `Retry-After`, never a hang or a 500; the waiting
/// request is answered once the lock goes.
#[test]
fn a_request_that_finds_every_connection_busy_gets_503_with_retry_after() {
    let (home, _src) = home_with_plugins();
    let env = [
        ("SKILLMEAT_POOL_SIZE", "1"),
        ("SKILLMEAT_POOL_TIMEOUT_MS", "300"),
    ];
    let mut server = Server::spawn(home.cmd_std(), &[], &env);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut writer = runtime.block_on(async {
        use sqlx::Connection;
        let options =
            sqlx::sqlite::SqliteConnectOptions::new().filename(home.path().join("skillmeat.db"));
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("opening the database");
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .expect("taking the write lock");
        conn
    });
    // The pool's one connection, taken by a write that waits for the lock.
    let waiting = {
        let request = server.delete("/api/v1/artifacts/composite:canvas");
        std::thread::spawn(move || parse(request.send().expect("the waiting request")))
    };
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let response = server
        .get("/api/v1/artifacts?limit=1")
        .send()
        .expect("the busy request");
    let waited = started.elapsed();
    let retry_after = response.headers().get("retry-after").cloned();
    let (status, body) = parse(response);
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (503, Some("busy")),
        "{body}"
    );
    assert_eq!(retry_after.as_ref().map(|v| v.as_bytes()), Some(&b"1"[..]));
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("busy")),
        "{body}"
    );
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");

    runtime.block_on(async {
        use sqlx::Connection;
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut writer)
            .await
            .expect("releasing the lock");
        writer.close().await.expect("closing");
    });
    let (status, body) = waiting.join().expect("the waiting request's thread");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.json("/api/v1/artifacts?limit=1");
    assert_eq!(
        (status.as_u16(), &body["total"]),
        (200, &json!(6)),
        "{body}"
    );
    server.stop(Duration::from_secs(30));
}

//! Metrics and traces through the real binary: `GET /metrics` of a real
//! `skillmeat serve`, and the spans the CLI and the server export over
//! OTLP/HTTP to a real receiver running inside the test (an axum server on
//! loopback that decodes the protobuf with `opentelemetry-proto`).

mod util;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message;
use reqwest::StatusCode;
use serde_json::Value;
use util::server::Server;
use util::{Home, write};

/// One exported span, flattened.
#[derive(Debug, Clone)]
struct Span {
    name: String,
    kind: i32,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    attributes: BTreeMap<String, String>,
    service: String,
}

/// An OTLP/HTTP receiver on an ephemeral loopback port: every span of every
/// `POST /v1/traces`.
struct Receiver {
    endpoint: String,
    spans: Arc<Mutex<Vec<Span>>>,
    requests: Arc<Mutex<usize>>,
}

impl Receiver {
    fn start() -> Receiver {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(Mutex::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        let (sink, count) = (spans.clone(), requests.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the receiver's runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("binding the receiver");
                let addr = listener.local_addr().expect("the receiver's address");
                tx.send(addr).expect("telling the test the address");
                let app = axum::Router::new().route(
                    "/v1/traces",
                    axum::routing::post(move |body: axum::body::Bytes| async move {
                        let request = ExportTraceServiceRequest::decode(body)
                            .expect("an OTLP protobuf ExportTraceServiceRequest");
                        *count.lock().expect("the count") += 1;
                        sink.lock().expect("the spans").extend(flatten(request));
                        ""
                    }),
                );
                axum::serve(listener, app)
                    .await
                    .expect("the receiver serves");
            });
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the receiver's address");
        Receiver {
            endpoint: format!("http://{addr}"),
            spans,
            requests,
        }
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().expect("the spans").clone()
    }

    fn requests(&self) -> usize {
        *self.requests.lock().expect("the count")
    }

    /// The spans, once one named `name` has arrived (within 20 s).
    fn wait_for(&self, name: &str) -> Vec<Span> {
        let start = Instant::now();
        loop {
            let spans = self.spans();
            if spans.iter().any(|s| s.name == name) {
                return spans;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no span {name} arrived; got {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(value: Option<&Any>) -> String {
    match value {
        Some(Any::StringValue(s)) => s.clone(),
        Some(Any::IntValue(i)) => i.to_string(),
        Some(Any::BoolValue(b)) => b.to_string(),
        Some(Any::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn flatten(request: ExportTraceServiceRequest) -> Vec<Span> {
    let mut out = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .map(|a| text(a.value.as_ref().and_then(|v| v.value.as_ref())))
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for s in scope.spans {
                out.push(Span {
                    name: s.name,
                    kind: s.kind,
                    trace_id: hex(&s.trace_id),
                    span_id: hex(&s.span_id),
                    parent_span_id: hex(&s.parent_span_id),
                    attributes: s
                        .attributes
                        .iter()
                        .map(|a| {
                            let v = a.value.as_ref().and_then(|v| v.value.as_ref());
                            (a.key.clone(), text(v))
                        })
                        .collect(),
                    service: service.clone(),
                });
            }
        }
    }
    out
}

fn attr<'a>(span: &'a Span, key: &str) -> &'a str {
    span.attributes
        .get(key)
        .unwrap_or_else(|| panic!("{} has no attribute {key}: {span:?}", span.name))
}

/// The seeds' P3-08 plugin: `canvas` with 3 children (2 skills, a command).
fn canvas(root: &Path) {
    write(
        root,
        ".claude-plugin/plugin.json",
        r#"{"name": "canvas", "version": "1.2.0", "description": "Canvas tools"}"#,
    );
    let skill = |name: &str| format!("---\nname: {name}\ndescription: {name}.\n---\nDo it.\n");
    write(
        root,
        "skills/canvas-design/SKILL.md",
        &skill("canvas-design"),
    );
    write(
        root,
        "skills/canvas-review/SKILL.md",
        &skill("canvas-review"),
    );
    write(
        root,
        "commands/canvas.md",
        "---\ndescription: Open the canvas.\n---\nOpen it.\n",
    );
}

#[test]
fn add_exports_the_import_spans_nested_with_their_attributes() {
    let receiver = Receiver::start();
    let home = Home::new();
    let src = tempfile::tempdir().expect("a temp source");
    let plugin = src.path().join("canvas");
    canvas(&plugin);
    // The children's hashes as `inspect` reports them.
    let inspected: Value = serde_json::from_slice(
        &home
            .cmd()
            .args(["inspect", "--json"])
            .arg(&plugin)
            .output()
            .expect("inspect")
            .stdout,
    )
    .expect("inspect --json");
    let hashes: BTreeMap<String, String> = inspected["plugins"][0]["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("a name").to_owned();
            let hash = c["content_hash"].as_str().expect("a hash").to_owned();
            (name, hash)
        })
        .collect();
    assert_eq!(hashes.len(), 3);

    home.cmd()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint)
        .arg("add")
        .arg(&plugin)
        .assert()
        .success();
    // The CLI flushes before it exits: everything is there already.
    let spans = receiver.spans();
    let named = |name: &str| -> Vec<&Span> { spans.iter().filter(|s| s.name == name).collect() };

    let imports = named("plugin.import_transactional");
    assert_eq!(imports.len(), 1, "{spans:#?}");
    let import = imports[0];
    assert_eq!(import.service, "skillmeat");
    assert_eq!(attr(import, "plugin_name"), "canvas");
    assert_eq!(attr(import, "child_count"), "3");
    assert_eq!(attr(import, "transaction_id").len(), 26, "a ULID");

    let dedups = named("artifact.dedup_resolve");
    assert_eq!(dedups.len(), 3);
    for dedup in &dedups {
        assert_eq!(dedup.parent_span_id, import.span_id, "{dedup:?}");
        assert_eq!(dedup.trace_id, import.trace_id);
        let name = attr(dedup, "artifact_name");
        assert_eq!(
            Some(attr(dedup, "content_hash")),
            hashes.get(name).map(String::as_str)
        );
        assert_eq!(attr(dedup, "decision"), "CREATE_NEW_ARTIFACT");
        let hashed: Vec<_> = named("artifact.hash_compute")
            .into_iter()
            .filter(|h| h.parent_span_id == dedup.span_id)
            .collect();
        assert_eq!(
            hashed.len(),
            1,
            "one hash_compute under {name}'s dedup_resolve"
        );
        assert_eq!(attr(hashed[0], "artifact_name"), name);
        assert_eq!(attr(hashed[0], "content_hash"), attr(dedup, "content_hash"));
    }

    let writes = named("association.write");
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].parent_span_id, import.span_id);
    assert_eq!(attr(writes[0], "plugin_name"), "canvas");
    assert_eq!(attr(writes[0], "child_count"), "3");

    let detects = named("composite.detect");
    assert!(
        detects
            .iter()
            .any(|d| attr(d, "plugin_name") == "canvas" && attr(d, "strategy") == "manifest"),
        "{detects:?}"
    );
}

#[test]
fn nothing_is_exported_when_the_sdk_is_disabled() {
    let receiver = Receiver::start();
    let home = Home::new();
    let src = tempfile::tempdir().expect("a temp source");
    canvas(&src.path().join("canvas"));
    home.cmd()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint)
        .env("OTEL_SDK_DISABLED", "true")
        .arg("add")
        .arg(src.path().join("canvas"))
        .assert()
        .success();
    assert_eq!(receiver.requests(), 0);
}

/// The value of one sample line `name{labels} value` in Prometheus text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().expect("a number"))
}

#[test]
fn metrics_count_requests_by_route_method_and_status_behind_the_token() {
    let home = Home::new();
    let src = tempfile::tempdir().expect("a temp source");
    canvas(&src.path().join("canvas"));
    home.cmd()
        .arg("add")
        .arg(src.path().join("canvas"))
        .assert()
        .success();
    let server = Server::start(&home, &[]);

    let get = |path: &str| {
        server
            .get(path)
            .send()
            .expect("the server answers")
            .status()
    };
    for _ in 0..3 {
        assert_eq!(get("/api/v1/artifacts"), StatusCode::OK);
    }
    assert_eq!(
        get("/api/v1/artifacts/composite:canvas/associations"),
        StatusCode::OK
    );
    assert_eq!(get("/api/v1/artifacts/skill:nope"), StatusCode::NOT_FOUND);
    assert_eq!(get("/api/v1/artifacts/skill:canvas-design"), StatusCode::OK);
    // No route (outside /api/ a path is the browser UI's, answered by its page).
    assert_eq!(get("/api/v1/nowhere"), StatusCode::NOT_FOUND);

    let unauthorized = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .expect("the server answers");
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    let wrong = server
        .client
        .get(format!("{}/metrics", server.base))
        .bearer_auth("not-the-token")
        .send()
        .expect("the server answers");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let response = server.get("/metrics").send().expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "{:?}",
        response.headers()
    );
    let text = response.text().expect("the metrics");
    let count = |labels: &str| sample(&text, &format!("http_server_requests_total{{{labels}}}"));
    assert_eq!(
        count(r#"method="GET",route="/api/v1/artifacts",status="200""#),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        count(r#"method="GET",route="/api/v1/artifacts/{id}/associations",status="200""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"method="GET",route="/api/v1/artifacts/{id}",status="404""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"method="GET",route="/api/v1/artifacts/{id}",status="200""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"method="GET",route="unmatched",status="404""#),
        Some(1.0)
    );
    assert_eq!(
        count(r#"method="GET",route="/metrics",status="401""#),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"http_server_request_duration_seconds_count{method="GET",route="/api/v1/artifacts",status="200"}"#
        ),
        Some(3.0)
    );
    assert!(
        text.contains(r#"http_server_request_duration_seconds_bucket{method="GET",route="/api/v1/artifacts",status="200",le="0.01"}"#),
        "a histogram with buckets: {text}"
    );
    // The seed's counters are there from the start (0 until the server imports).
    for series in [
        r#"plugin_import_total{status="success"}"#,
        r#"plugin_import_total{status="failure"}"#,
        "dedup_hit_total",
        "dedup_miss_total",
        "composite_conflict_total",
    ] {
        assert_eq!(sample(&text, series), Some(0.0), "{series} in {text}");
    }
}

#[test]
fn a_request_with_a_traceparent_continues_its_trace() {
    let receiver = Receiver::start();
    let home = Home::new();
    let src = tempfile::tempdir().expect("a temp source");
    canvas(&src.path().join("canvas"));
    home.cmd()
        .arg("add")
        .arg(src.path().join("canvas"))
        .assert()
        .success();
    let mut server = Server::spawn(
        home.cmd_std(),
        &[],
        &[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                &format!("{}/v1/traces", receiver.endpoint),
            ),
            ("OTEL_SERVICE_NAME", "skillmeat-test"),
        ],
    );
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = "00f067aa0ba902b7";
    let response = server
        .get("/api/v1/artifacts/composite:canvas/associations")
        .header("traceparent", format!("00-{trace_id}-{parent}-01"))
        .send()
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK);
    let without = server
        .get("/api/v1/artifacts")
        .send()
        .expect("the server answers");
    assert_eq!(without.status(), StatusCode::OK);
    // SIGTERM and wait for the exit (the spans are flushed on the way out).
    let exit = server.stop(Duration::from_secs(60));
    assert!(exit.success(), "{exit:?}");

    let spans = receiver.wait_for("GET /api/v1/artifacts/{id}/associations");
    let request = spans
        .iter()
        .find(|s| s.name == "GET /api/v1/artifacts/{id}/associations")
        .expect("the request's span");
    assert_eq!(request.trace_id, trace_id);
    assert_eq!(request.parent_span_id, parent);
    assert_eq!(request.kind, 2, "SPAN_KIND_SERVER");
    assert_eq!(request.service, "skillmeat-test");
    assert_eq!(
        attr(request, "http.route"),
        "/api/v1/artifacts/{id}/associations"
    );
    assert_eq!(attr(request, "http.request.method"), "GET");
    assert_eq!(attr(request, "http.response.status_code"), "200");

    let other = spans
        .iter()
        .find(|s| s.name == "GET /api/v1/artifacts")
        .expect("the second request's span");
    assert_ne!(
        other.trace_id, trace_id,
        "a request without traceparent starts a trace"
    );
    assert_eq!(other.parent_span_id, "", "a root span");
}

/// A hash-first import started through the server (202) runs after the
/// request has been answered; its spans still belong to the request's
/// trace: `composite.import_job` under the request's span, each plugin's
/// `plugin.import_transactional` under it, the dedup decisions below that.
#[test]
fn a_server_import_exports_its_spans_in_the_trace_of_the_request_that_started_it() {
    let receiver = Receiver::start();
    let home = Home::new();
    let src = tempfile::tempdir().expect("a temp source");
    let plugin = src.path().join("canvas");
    canvas(&plugin);
    let mut server = Server::spawn(
        home.cmd_std(),
        &[],
        &[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            &format!("{}/v1/traces", receiver.endpoint),
        )],
    );
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let parent = "b7ad6b7169203331";
    let response = server
        .post(
            "/api/v1/artifacts/import/composite",
            &serde_json::json!({ "source": plugin }),
        )
        .header("traceparent", format!("00-{trace_id}-{parent}-01"))
        .send()
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let started: Value = response.json().expect("JSON");
    let id = started["transaction_id"].as_str().expect("an id");
    assert_eq!(server.poll(id)["status"], "succeeded");
    let exit = server.stop(Duration::from_secs(60));
    assert!(exit.success(), "{exit:?}");

    let spans = receiver.wait_for("plugin.import_transactional");
    let one = |name: &str| -> &Span {
        let found: Vec<&Span> = spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(found.len(), 1, "{name}: {spans:#?}");
        found[0]
    };
    let request = one("POST /api/v1/artifacts/import/composite");
    assert_eq!(request.parent_span_id, parent);
    let job = one("composite.import_job");
    assert_eq!(job.parent_span_id, request.span_id);
    assert_eq!(attr(job, "transaction_id"), id);
    let import = one("plugin.import_transactional");
    assert_eq!(import.parent_span_id, job.span_id);
    assert_eq!(attr(import, "plugin_name"), "canvas");
    assert_eq!(attr(import, "child_count"), "3");
    // The 202's plan decides each child once (under the request), the
    // import once more (under its plugin's transaction).
    let dedups: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == "artifact.dedup_resolve" && s.parent_span_id == import.span_id)
        .collect();
    assert_eq!(dedups.len(), 3, "{spans:#?}");
    for span in [request, job, import].into_iter().chain(dedups) {
        assert_eq!(span.trace_id, trace_id, "{span:?}");
    }
}

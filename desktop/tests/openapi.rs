//! `docs/openapi.json` is the server's OpenAPI description as generated
//! from the code; this fails when the committed file is stale
//! (`SKILLMEAT_WRITE_OPENAPI=1 cargo test -p skillmeat --test openapi`
//! rewrites it).

use std::path::Path;

use serde_json::Value;

fn committed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

#[test]
fn the_committed_description_is_fresh() {
    let generated = skillmeat::serve::openapi_json();
    let path = committed();
    if std::env::var_os("SKILLMEAT_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("writing docs/openapi.json");
    }
    let on_disk = std::fs::read_to_string(&path).expect("docs/openapi.json is committed");
    assert!(
        on_disk == generated,
        "docs/openapi.json is stale: run `SKILLMEAT_WRITE_OPENAPI=1 cargo test -p skillmeat --test openapi` and commit it"
    );
}

/// Every operation the issue lists, with the statuses a client must expect.
#[test]
fn every_route_is_described_with_its_statuses_and_examples() {
    let doc: Value = serde_json::from_str(&skillmeat::serve::openapi_json()).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let expected: &[(&str, &str, &[&str])] = &[
        ("/api/v1/artifacts", "get", &["200", "400", "401", "500"]),
        (
            "/api/v1/artifacts/{id}",
            "get",
            &["200", "400", "401", "404", "500"],
        ),
        (
            "/api/v1/artifacts/{id}",
            "delete",
            &["200", "400", "401", "404", "409", "500"],
        ),
        (
            "/api/v1/artifacts/{id}/use",
            "post",
            &["200", "400", "401", "404", "413", "422", "500"],
        ),
        (
            "/api/v1/artifacts/{id}/associations",
            "get",
            &["200", "400", "401", "404", "500"],
        ),
        (
            "/api/v1/artifacts/{id}/files/{path}",
            "get",
            &["200", "400", "401", "404", "500"],
        ),
        (
            "/api/v1/artifacts/{id}/files/",
            "get",
            &["200", "400", "401", "404", "500"],
        ),
        (
            "/api/v1/artifacts/{id}/bundle",
            "get",
            &["200", "400", "401", "404", "500"],
        ),
        (
            "/api/v1/artifacts/{id}/deploy",
            "post",
            &[
                "200", "400", "401", "403", "404", "409", "413", "422", "500",
            ],
        ),
        (
            "/api/v1/artifacts/{id}/undeploy",
            "post",
            &[
                "200", "400", "401", "403", "404", "409", "413", "422", "500",
            ],
        ),
        (
            "/api/v1/projects/status",
            "get",
            &["200", "400", "401", "403", "404", "500"],
        ),
        ("/api/v1/verify", "post", &["200", "401", "500"]),
        (
            "/api/v1/plan",
            "post",
            &["200", "400", "401", "413", "422", "500"],
        ),
        (
            "/api/v1/plan/bundle",
            "post",
            &["200", "400", "401", "409", "413", "422", "500"],
        ),
        (
            "/api/v1/blobs/missing",
            "post",
            &["200", "400", "401", "413", "422", "500"],
        ),
        (
            "/api/v1/blobs/{sha256}",
            "put",
            &["200", "400", "401", "413", "422", "500"],
        ),
        (
            "/api/v1/blobs",
            "post",
            &["200", "400", "401", "413", "422", "500"],
        ),
        (
            "/api/v1/artifacts/import/composite",
            "post",
            &["202", "400", "401", "403", "409", "413", "422", "500"],
        ),
        (
            "/api/v1/imports/{transaction_id}",
            "get",
            &["200", "401", "404", "500"],
        ),
        (
            "/api/v1/outdated",
            "get",
            &["200", "400", "401", "404", "500"],
        ),
        (
            "/api/v1/update",
            "post",
            &["202", "400", "401", "413", "422", "500"],
        ),
        (
            "/api/v1/updates/{transaction_id}",
            "get",
            &["200", "401", "404", "500"],
        ),
        ("/api/v1/openapi.json", "get", &["200", "401", "500"]),
        ("/api/v1/server", "get", &["200", "401", "500"]),
        ("/healthz", "get", &["200", "500"]),
        ("/api/docs", "get", &["200", "500"]),
        ("/metrics", "get", &["200", "401", "500"]),
    ];
    let paths = doc["paths"].as_object().expect("paths");
    let described: std::collections::BTreeSet<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(
        paths.len(),
        described.len(),
        "{:?}",
        paths.keys().collect::<Vec<_>>()
    );
    for (path, method, statuses) in expected {
        let op = &doc["paths"][path][method];
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path}"));
        for status in *statuses {
            assert!(
                responses.contains_key(*status),
                "{method} {path} without {status}"
            );
        }
        let ok = &responses
            .get("200")
            .or_else(|| responses.get("202"))
            .unwrap_or_else(|| panic!("{method} {path} without 200 or 202"))["content"];
        let json = &ok["application/json"];
        if !json.is_null() && *path != "/api/v1/openapi.json" && *path != "/healthz" {
            assert!(
                json["example"].is_object(),
                "{method} {path}: 200 without an example"
            );
        }
        let public = op["security"] == serde_json::json!([]);
        assert_eq!(
            public,
            !path.starts_with("/api/v1") && *path != "/metrics",
            "{method} {path}: security"
        );
    }
    for name in [
        "BadInput",
        "Unauthorized",
        "NotFound",
        "Conflict",
        "TooLarge",
        "Internal",
    ] {
        let r = &doc["components"]["responses"][name]["content"]["application/json"];
        assert!(
            r["example"]["code"].is_string(),
            "{name} without an example"
        );
        assert_eq!(r["schema"]["$ref"], "#/components/schemas/PublicError");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer_token"]["scheme"],
        "bearer"
    );
}

/// Every `$ref` names something the document defines.
#[test]
fn every_reference_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc: Value = serde_json::from_str(&skillmeat::serve::openapi_json()).expect("JSON");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20, "only {} references", found.len());
    for r in found {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} is not defined");
    }
}

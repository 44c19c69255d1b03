//! Spans, events and metrics of an import. Alone in its own test binary: it
//! installs the process's global subscriber (see `support::capture_tracing`).

mod support;

use std::collections::BTreeMap;

use skillmeat::import;
use skillmeat::inspect::Source;
use skillmeat_core::plan::ConflictPolicy;
use support::Plugin;

#[tokio::test]
async fn spans_events_and_metrics() {
    let (spans, events) = support::capture_tracing();
    let env = support::Env::new();
    let plugin = Plugin::three_children(&env, "obs");
    let coll = env.collection().await;
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let source = Source::open(&plugin.dir).expect("opening the plugin folder");
    let id = skillmeat::store::rows::new_id();
    let result = import::import_plugin(
        &coll,
        &source,
        &source.discovery.plugins[0],
        ConflictPolicy::NewVersion,
        &id,
    )
    .await;
    assert!(result.is_ok());

    let spans = spans.lock().expect("the recorded spans").clone();
    let find = |name: &str| {
        spans
            .iter()
            .find(|s| s.0 == name)
            .map(|s| s.1.clone())
            .unwrap_or_else(|| panic!("no span {name}"))
    };
    let import = find("plugin.import_transactional");
    assert_eq!(import.get("plugin_name").map(String::as_str), Some("obs"));
    assert_eq!(import.get("child_count").map(String::as_str), Some("3"));
    assert_eq!(import.get("transaction_id").map(String::len), Some(26));
    assert!(find("association.write").contains_key("plugin_name"));
    let dedup = find("artifact.dedup_resolve");
    for key in ["artifact_name", "content_hash", "decision"] {
        assert!(
            dedup.contains_key(key),
            "artifact.dedup_resolve without {key}: {dedup:?}"
        );
    }
    assert_eq!(
        find("composite.detect").get("strategy").map(String::as_str),
        Some("manifest")
    );

    let events = events.lock().expect("the recorded events").clone();
    let imported = events
        .iter()
        .find(|e| e.get("message").map(String::as_str) == Some("plugin_imported"))
        .cloned()
        .expect("a plugin_imported event");
    for key in [
        "plugin_name",
        "child_count",
        "new_count",
        "existing_count",
        "conflict_count",
        "transaction_id",
        "duration_ms",
    ] {
        assert!(
            imported.contains_key(key),
            "plugin_imported without {key}: {imported:?}"
        );
    }
    assert_eq!(imported.get("new_count").map(String::as_str), Some("3"));
    let decisions = events
        .iter()
        .filter(|e| e.get("message").map(String::as_str) == Some("dedup_decision"))
        .count();
    assert_eq!(decisions, 3);

    let metrics: BTreeMap<String, String> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| (key.key().name().to_owned(), format!("{value:?}")))
        .collect();
    for name in [
        "plugin_import_total",
        "dedup_hit_total",
        "dedup_miss_total",
        "composite_conflict_total",
        "plugin_import_duration_seconds",
    ] {
        assert!(
            metrics.contains_key(name),
            "metric {name} missing: {metrics:?}"
        );
    }
    assert_eq!(
        metrics.get("dedup_miss_total").map(String::as_str),
        Some("Counter(3)")
    );
}

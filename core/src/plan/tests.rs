//! Decisions: an index and a child in, the decision out.

use super::*;
use crate::hash::hash_bytes;

fn h(s: &str) -> ContentHash {
    hash_bytes(s.as_bytes())
}

fn child(kind: ArtifactKind, name: &str, content: &str) -> Incoming {
    Incoming {
        kind,
        name: name.into(),
        content_hash: h(content),
        relationship: Relationship::Member,
    }
}

fn index() -> MemoryIndex {
    let mut i = MemoryIndex::default();
    i.insert(ArtifactKind::Command, "review", "A1", &[h("v1"), h("v2")]);
    i.insert(ArtifactKind::Skill, "tdd", "A2", &[h("tdd")]);
    i.insert(ArtifactKind::Command, "review--plug", "A3", &[h("forked")]);
    i
}

/// (decision, bucket, target, artifact id, pinned = incoming?)
fn check(
    c: Incoming,
    policy: ConflictPolicy,
    expected: (Decision, Bucket, &str, Option<&str>, bool),
) {
    let p = decide(&index(), "plug", &c, policy);
    let got = (
        p.decision,
        p.bucket,
        p.target_name.as_str(),
        p.artifact_id.as_deref(),
        p.pinned_hash == c.content_hash,
    );
    assert_eq!(got, expected, "{c:?} under {policy:?}");
}

#[test]
fn the_three_scenarios() {
    use ArtifactKind::*;
    use ConflictPolicy::*;
    // same kind, name, hash (an older version counts): link
    check(
        child(Command, "review", "v1"),
        NewVersion,
        (
            Decision::LinkExisting,
            Bucket::Existing,
            "review",
            Some("A1"),
            true,
        ),
    );
    check(
        child(Command, "Review.md", "v2"),
        NewVersion,
        (
            Decision::LinkExisting,
            Bucket::Existing,
            "review",
            Some("A1"),
            true,
        ),
    );
    // same kind and name, other hash: a conflict, a new version by default
    check(
        child(Command, "review", "v3"),
        NewVersion,
        (
            Decision::CreateNewVersion,
            Bucket::Conflict,
            "review",
            Some("A1"),
            true,
        ),
    );
    // nothing by that name: new
    check(
        child(Command, "lint", "v1"),
        NewVersion,
        (Decision::CreateNewArtifact, Bucket::New, "lint", None, true),
    );
}

#[test]
fn equal_bytes_under_another_name_or_kind_never_link() {
    use ArtifactKind::*;
    check(
        child(Agent, "review", "v1"),
        ConflictPolicy::NewVersion,
        (
            Decision::CreateNewArtifact,
            Bucket::New,
            "review",
            None,
            true,
        ),
    );
    check(
        child(Command, "tdd", "tdd"),
        ConflictPolicy::NewVersion,
        (Decision::CreateNewArtifact, Bucket::New, "tdd", None, true),
    );
}

#[test]
fn conflict_policies() {
    use ArtifactKind::*;
    // keep: link the current version and pin it
    let p = decide(
        &index(),
        "plug",
        &child(Command, "review", "v3"),
        ConflictPolicy::Keep,
    );
    assert_eq!(
        (p.decision, p.bucket, p.pinned_hash, p.current_hash),
        (
            Decision::LinkExisting,
            Bucket::Conflict,
            h("v2"),
            Some(h("v2"))
        )
    );
    // fork: a new artifact <name>--<plugin>, or a version of an existing fork
    check(
        child(Command, "review", "v3"),
        ConflictPolicy::Fork,
        (
            Decision::CreateNewVersion,
            Bucket::Conflict,
            "review--plug",
            Some("A3"),
            true,
        ),
    );
    // content equal to the existing fork's: a conflict with `review` that links the fork
    check(
        child(Command, "review", "forked"),
        ConflictPolicy::Fork,
        (
            Decision::LinkExisting,
            Bucket::Conflict,
            "review--plug",
            Some("A3"),
            true,
        ),
    );
    check(
        child(Skill, "tdd", "tdd2"),
        ConflictPolicy::Fork,
        (
            Decision::CreateNewArtifact,
            Bucket::Conflict,
            "tdd--plug",
            None,
            true,
        ),
    );
}

#[test]
fn plan_and_preview_buckets() {
    use ArtifactKind::*;
    let children = [
        child(Skill, "tdd", "tdd"),
        child(Command, "review", "v9"),
        child(Agent, "new-agent", "x"),
    ];
    let plan = plan_import(&index(), "plug", &children, ConflictPolicy::default());
    assert_eq!(
        (
            plan.count(Bucket::New),
            plan.count(Bucket::Existing),
            plan.count(Bucket::Conflict)
        ),
        (1, 1, 1)
    );
    let preview = Preview::from(&plan);
    let json = serde_json::to_value(&preview).expect("a preview serialises");
    assert_eq!(json["name"], "plug");
    assert_eq!(json["buckets"]["conflict"][0]["name"], "review");
    assert_eq!(
        json["buckets"]["conflict"][0]["current_hash"],
        h("v2").to_hex()
    );
    assert_eq!(
        json["buckets"]["conflict"][0]["content_hash"],
        h("v9").to_hex()
    );
    assert_eq!(
        json["buckets"]["new"][0]["current_hash"],
        serde_json::Value::Null
    );
    assert_eq!(json["buckets"]["existing"][0]["kind"], "skill");
}

#[test]
fn snapshot_index_matches_memory_index() {
    let snap = IndexSnapshot {
        artifacts: vec![SnapshotArtifact {
            id: "A1".into(),
            kind: ArtifactKind::Command,
            name: "Review".into(),
            current_hash: h("v2"),
            hashes: vec![h("v1"), h("v2")],
        }],
    };
    let index = snap.index();
    let c = child(ArtifactKind::Command, "review", "v1");
    assert_eq!(
        decide(&index, "p", &c, ConflictPolicy::NewVersion).decision,
        Decision::LinkExisting
    );
    let c = child(ArtifactKind::Command, "review", "v3");
    assert_eq!(
        decide(&index, "p", &c, ConflictPolicy::NewVersion).decision,
        Decision::CreateNewVersion
    );
    assert_eq!("keep".parse::<ConflictPolicy>(), Ok(ConflictPolicy::Keep));
    assert!("merge".parse::<ConflictPolicy>().is_err());
}

/// The index finds what a walk through the snapshot in order finds:
/// the first artifact with the kind and the key (names that differ only in
/// case, `_`, spaces or `.md` share a key; kinds do not).
#[test]
fn snapshot_index_finds_the_first_artifact_of_a_kind_and_key() {
    use ArtifactKind::*;
    // Out of key order, and each key under several names.
    let names = [
        "zz",
        "review.md",
        "Lint",
        "Review",
        "a b",
        "lint",
        "a_b",
        "é",
    ];
    let kinds = [Command, Skill, Agent];
    let mut artifacts = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for (j, &kind) in kinds.iter().enumerate() {
            // Some kinds missing for some names.
            if (i + j) % 5 != 0 {
                artifacts.push(SnapshotArtifact {
                    id: format!("A{i}{j}"),
                    kind,
                    name: (*name).into(),
                    current_hash: h(name),
                    hashes: vec![h(name)],
                });
            }
        }
    }
    // Many artifacts of one kind and key: the first in the snapshot wins.
    for i in 0..60 {
        artifacts.push(SnapshotArtifact {
            id: format!("M{i}"),
            kind: if i % 3 == 0 { Skill } else { Agent },
            name: ["Many", "many.md", "MANY"][i % 3].into(),
            current_hash: h("m"),
            hashes: vec![],
        });
    }
    artifacts.rotate_left(7);
    let snap = IndexSnapshot { artifacts };
    let index = snap.index();
    for key in ["review", "lint", "a-b", "zz", "é", "many", "missing", ""] {
        for kind in kinds {
            let walked = snap
                .artifacts
                .iter()
                .find(|a| a.kind == kind && name_key(&a.name) == key)
                .map(|a| a.id.clone());
            let found = index.find(kind, key, &h("x")).map(|a| a.id);
            assert_eq!(found, walked, "{kind} {key:?}");
        }
    }
}

#[test]
fn per_child_choices_override_the_default() {
    use ArtifactKind::*;
    // Three conflicts in one plugin: review (fork), tdd (keep), and lint,
    // which follows the default (new-version). Another plugin's child of
    // the same name keeps the default.
    let mut index = index();
    index.insert(Command, "lint", "A4", &[h("lint1")]);
    let mut choices = ConflictChoices::new(ConflictPolicy::NewVersion);
    choices.set("plug", Command, "Review.md", ConflictPolicy::Fork);
    choices.set("plug", Skill, "tdd", ConflictPolicy::Keep);
    assert_eq!(
        choices.policy("plug", Command, "review"),
        ConflictPolicy::Fork
    );
    assert_eq!(
        choices.policy("other", Command, "review"),
        ConflictPolicy::NewVersion
    );
    assert_eq!(
        choices.policy("plug", Agent, "review"),
        ConflictPolicy::NewVersion,
        "the kind is part of the key"
    );

    let children = [
        child(Command, "review", "v3"),
        child(Skill, "tdd", "tdd2"),
        child(Command, "lint", "lint2"),
    ];
    let plan = plan_import_with(&index, "plug", &children, &choices);
    let got: Vec<_> = plan
        .children
        .iter()
        .map(|p| (p.decision, p.target_name.as_str(), p.pinned_hash))
        .collect();
    assert_eq!(
        got,
        [
            (Decision::CreateNewVersion, "review--plug", h("v3")),
            (Decision::LinkExisting, "tdd", h("tdd")),
            (Decision::CreateNewVersion, "lint", h("lint2")),
        ]
    );
    assert!(plan.children.iter().all(|p| p.bucket == Bucket::Conflict));
    assert_eq!(plan.policy, ConflictPolicy::NewVersion);

    // One policy for all is the same as choices without overrides.
    let uniform = plan_import(&index, "plug", &children, ConflictPolicy::Keep);
    let same = plan_import_with(&index, "plug", &children, &ConflictPolicy::Keep.into());
    assert_eq!(uniform, same);
}

#[test]
fn planning_within_runs_first_for_each_child_and_stops_at_an_error() {
    use ArtifactKind::*;
    let mut choices = ConflictChoices::new(ConflictPolicy::NewVersion);
    choices.set("plug", Skill, "tdd", ConflictPolicy::Keep);
    let children = [
        child(Command, "review", "v3"),
        child(Skill, "tdd", "tdd2"),
        child(Agent, "new", "n"),
    ];
    let mut seen = Vec::new();
    let plan = plan_import_within(&index(), "plug", &children, &choices, |i| {
        seen.push(i);
        Ok::<(), &str>(())
    });
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(
        plan,
        Ok(plan_import_with(&index(), "plug", &children, &choices))
    );
    let mut seen = Vec::new();
    let stopped = plan_import_within(&index(), "plug", &children, &choices, |i| {
        seen.push(i);
        if i == 1 { Err("child 1") } else { Ok(()) }
    });
    assert_eq!(stopped, Err("child 1"));
    assert_eq!(seen, [0, 1], "nothing runs after the error");
}

#[test]
fn lookups_ask_for_forks_only_where_the_policy_is_fork() {
    use ArtifactKind::*;
    let children = [child(Command, "Review", "v3"), child(Skill, "tdd", "x")];
    let mut choices = ConflictChoices::new(ConflictPolicy::Keep);
    choices.set("plug", Command, "review", ConflictPolicy::Fork);
    assert_eq!(
        lookups("plug", &children, &choices),
        [
            (Command, "review".to_owned(), h("v3")),
            (Command, "review--plug".to_owned(), h("v3")),
            (Skill, "tdd".to_owned(), h("x")),
        ]
    );
    assert_eq!(
        lookups("plug", &children, &ConflictPolicy::NewVersion.into()).len(),
        2
    );
}

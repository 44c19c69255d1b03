//! What the benchmarks share: a generated plugin, a collection of many
//! artifacts made quickly, a generated marketplace, the real server.
#![allow(dead_code)]

pub mod marketplace;
pub mod server;

use std::path::{Path, PathBuf};

use skillmeat::collection::Collection;
use skillmeat::store::rows::{NewArtifact, NewVersion, VersionFile};

/// 20 skills of 3 files, 20 commands, 10 agents.
pub fn generate_plugin(tmp: &Path, children: usize) -> PathBuf {
    let dir = tmp.join("bench-plugin");
    let write = |rel: &str, body: String| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(&dir)).expect("creating a plugin folder");
        std::fs::write(p, body).expect("writing a plugin file");
    };
    write(
        ".claude-plugin/plugin.json",
        r#"{"name": "bench-plugin", "version": "1.0.0"}"#.into(),
    );
    write("README.md", "# bench\n".into());
    for i in 0..children {
        let body = format!(
            "---\nname: c{i}\ndescription: child {i}\n---\n{}\n",
            "lorem ipsum ".repeat(100 + i)
        );
        match i % 5 {
            0 | 1 => {
                write(&format!("skills/skill-{i}/SKILL.md"), body.clone());
                write(&format!("skills/skill-{i}/reference.md"), body.repeat(2));
                write(
                    &format!("skills/skill-{i}/scripts/run.sh"),
                    "#!/bin/sh\necho hi\n".into(),
                );
            }
            2 | 3 => write(&format!("commands/command-{i}.md"), body),
            _ => write(&format!("agents/agent-{i}.md"), body),
        }
    }
    dir
}

/// Bulk rows: `n` commands with one version each (the database side of a
/// large collection; their files are not needed for the lookups measured).
pub async fn preload_artifacts(coll: &Collection, n: usize) {
    let mut tx = coll.pool.begin().await.expect("a transaction");
    let names: Vec<String> = (0..n).map(|i| format!("preloaded-{i}")).collect();
    let versions: Vec<NewVersion> = (names.iter())
        .map(|name| {
            let hash = skillmeat_core::hash::hash_bytes(name.as_bytes());
            NewVersion {
                artifact: skillmeat::store::rows::new_id(),
                new: Some(NewArtifact {
                    kind: skillmeat_core::ArtifactKind::Command,
                    name,
                    source: None,
                }),
                hash,
                files: vec![VersionFile {
                    path: String::new(),
                    blob_hash: hash.to_hex(),
                    size: 10,
                    executable: false,
                }],
                description: None,
            }
        })
        .collect();
    skillmeat::store::rows::insert_versions(&mut tx, &coll.id, &versions)
        .await
        .expect("inserting the artifacts");
    // A real collection has its lock file and manifest.
    let lock = skillmeat::collection::lock_file(&mut tx, &coll.id)
        .await
        .expect("the lock file");
    let manifest = skillmeat::collection::manifest_file(&mut tx, &coll.id, &coll.name)
        .await
        .expect("the manifest file");
    tx.commit().await.expect("committing the rows");
    skillmeat::fsx::write_atomic(
        &coll.path(skillmeat::collection::layout::LOCK),
        lock.as_bytes(),
    )
    .expect("writing the lock file");
    skillmeat::fsx::write_atomic(
        &coll.path(skillmeat::collection::layout::MANIFEST),
        manifest.as_bytes(),
    )
    .expect("writing the manifest");
}

/// User + system CPU seconds from a `stat` file: fields `at` and `at + 1`
/// (0-based after the command name): 11/12 a process's own, 13/14 its
/// waited-for children's. In clock ticks of 1/100 s (Linux's USER_HZ).
pub fn cpu_seconds(stat: &str, at: usize) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    let fields: Vec<&str> = text
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (tick(at) + tick(at + 1)) as f64 / 100.0
}

/// A process's own user + system CPU seconds.
pub fn process_cpu(pid: u32) -> f64 {
    cpu_seconds(&format!("/proc/{pid}/stat"), 11)
}

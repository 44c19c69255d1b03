//! `skillmeat verify`: re-hash every stored version and every current file,
//! and check rows, files, the lock file and the manifest against each other.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::hash::{ContentHash, tree_hash};
use walkdir::WalkDir;

use crate::collection::layout::{self, CURRENT_ROOTS, LOCK, MANIFEST, SINGLE_FILE, Shape, TXN_DIR};
use crate::collection::{Collection, lock_file, manifest_file};
use crate::error::Result;
use crate::store::{KindColumn, rows};
use crate::tree::hash_file;

/// `{"ok": bool, "problems": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    pub artifacts: usize,
    pub versions: usize,
    pub blobs: usize,
    pub problems: Vec<String>,
}

/// One stored version, with its artifact's kind and name.
#[derive(Debug, sqlx::FromRow)]
struct VersionRow {
    id: String,
    content_hash: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    name: String,
}

pub async fn verify(collection: &Collection) -> Result<Report> {
    let mut conn = collection.pool.acquire().await?;
    let mut problems = Vec::new();
    let dir = collection.dir();

    let integrity: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut *conn)
        .await?;
    if integrity != "ok" {
        problems.push(format!("database: {integrity}"));
    }
    let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *conn)
        .await?;
    for (table,) in fk {
        problems.push(format!(
            "database: a row of {table} points to a missing row"
        ));
    }

    // Every version of every artifact of this collection.
    let versions: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.id, v.content_hash, a.kind, a.name FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id
         WHERE a.collection_id = ?",
    )
    .bind(&collection.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut blob_ok: HashMap<String, bool> = HashMap::new();
    let mut files_of: HashMap<String, Vec<rows::VersionFile>> = HashMap::new();
    for VersionRow {
        id: vid,
        content_hash: hash,
        kind,
        name,
    } in &versions
    {
        let files = rows::version_files(&mut conn, vid).await?;
        for f in &files {
            let ok = *blob_ok
                .entry(f.blob_hash.clone())
                .or_insert_with(|| check_blob(dir, &f.blob_hash));
            if !ok {
                problems.push(format!(
                    "{kind} {name}: stored file {:?} (blob {}) is missing or corrupt",
                    f.path, f.blob_hash
                ));
            }
        }
        if *kind != ArtifactKind::Composite {
            if let Some(recomputed) = version_hash(&files) {
                if recomputed.to_hex() != *hash {
                    problems.push(format!(
                        "{kind} {name}: version {hash} does not hash to itself (got {recomputed})"
                    ));
                }
            } else {
                problems.push(format!(
                    "{kind} {name}: version {hash} has unreadable file records"
                ));
            }
        }
        files_of.insert(vid.clone(), files);
    }

    // Current versions on disk.
    let current = rows::current_artifacts(&mut conn, &collection.id).await?;
    let mut expected_files: HashSet<String> = HashSet::new();
    let mut expected_dirs: Vec<String> = Vec::new();
    for a in &current {
        let files = files_of.get(&a.version_id).cloned().unwrap_or_default();
        let shape = if files.len() == 1 && files[0].path == SINGLE_FILE {
            Shape::File
        } else {
            Shape::Folder
        };
        let Ok(target) = layout::current_path(a.kind, &a.name, shape) else {
            problems.push(format!("{} {}: name cannot be stored", a.kind, a.name));
            continue;
        };
        let live = dir.join(target.as_str());
        match shape {
            Shape::File => {
                expected_files.insert(target.as_str().to_owned());
                check_file(&live, target.as_str(), &files[0], &mut problems);
            }
            Shape::Folder => {
                expected_dirs.push(format!("{}/", target.as_str()));
                for f in &files {
                    let rel = format!("{}/{}", target.as_str(), f.path);
                    check_file(&dir.join(&rel), &rel, f, &mut problems);
                    expected_files.insert(rel);
                }
            }
        }
    }

    // Orphans: files under the current-version folders that no artifact owns.
    for root in CURRENT_ROOTS {
        for entry in WalkDir::new(dir.join(root))
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir())
        {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !expected_files.contains(&rel) {
                problems.push(format!("{rel}: file belongs to no artifact (orphan)"));
            }
        }
    }
    // Orphan blobs: stored but referenced by no version.
    let referenced: HashSet<&str> = files_of
        .values()
        .flatten()
        .map(|f| f.blob_hash.as_str())
        .collect();
    let mut blobs = 0;
    for entry in WalkDir::new(dir.join("objects"))
        .min_depth(2)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        blobs += 1;
        let p = entry.path();
        let hex = format!(
            "{}{}",
            p.parent()
                .and_then(Path::file_name)
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
            p.file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default()
        );
        if !referenced.contains(hex.as_str()) {
            problems.push(format!(
                "objects/{}/{}: blob referenced by no version (orphan)",
                &hex[..2.min(hex.len())],
                hex.get(2..).unwrap_or("")
            ));
        }
    }
    if std::fs::read_dir(dir.join(TXN_DIR)).is_ok_and(|mut d| d.next().is_some()) {
        problems.push(format!(
            "{TXN_DIR}/: an import transaction is still in progress or was not recovered"
        ));
    }

    // Memberships pin versions that exist.
    let bad_pins: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT p.name, c.name, m.pinned_version_hash FROM composite_memberships m
         JOIN artifacts p ON p.id = m.composite_id JOIN artifacts c ON c.id = m.child_id
         WHERE p.collection_id = ? AND NOT EXISTS
           (SELECT 1 FROM artifact_versions v WHERE v.artifact_id = m.child_id AND v.content_hash = m.pinned_version_hash)",
    )
    .bind(&collection.id)
    .fetch_all(&mut *conn)
    .await?;
    for (plugin, child, pin) in bad_pins {
        problems.push(format!(
            "plugin {plugin}: member {child} pins {}, which is not a stored version",
            pin.unwrap_or_default()
        ));
    }

    // The lock file and the manifest say what the database says.
    if !current.is_empty() {
        for (name, expected) in [
            (LOCK, lock_file(&mut conn, &collection.id).await?),
            (
                MANIFEST,
                manifest_file(&mut conn, &collection.id, &collection.name).await?,
            ),
        ] {
            match std::fs::read_to_string(dir.join(name)) {
                Ok(actual) if actual == expected => {}
                Ok(_) => problems.push(format!("{name}: does not match the database")),
                Err(e) => problems.push(format!("{name}: {e}")),
            }
        }
    }

    Ok(Report {
        ok: problems.is_empty(),
        artifacts: current.len(),
        versions: versions.len(),
        blobs,
        problems,
    })
}

fn check_blob(dir: &Path, hex: &str) -> bool {
    let Ok(hash) = hex.parse::<ContentHash>() else {
        return false;
    };
    hash_file(&layout::blob_path(dir, &hash)).is_ok_and(|h| h == hash)
}

/// The content hash a version's files add up to.
fn version_hash(files: &[rows::VersionFile]) -> Option<ContentHash> {
    if files.len() == 1 && files[0].path == SINGLE_FILE {
        return files[0].blob_hash.parse().ok();
    }
    let parsed: Vec<(&str, ContentHash)> = files
        .iter()
        .map(|f| f.blob_hash.parse().ok().map(|h| (f.path.as_str(), h)))
        .collect::<Option<_>>()?;
    tree_hash(parsed).ok().map(|d| d.content_hash)
}

fn check_file(live: &Path, rel: &str, f: &rows::VersionFile, problems: &mut Vec<String>) {
    match hash_file(live) {
        Ok(h) if h.to_hex() == f.blob_hash => {
            if crate::fsx::is_executable(live) != f.executable {
                problems.push(format!(
                    "{rel}: executable bit differs from the stored version"
                ));
            }
        }
        Ok(_) => problems.push(format!("{rel}: content differs from the stored version")),
        Err(_) => problems.push(format!("{rel}: missing")),
    }
}

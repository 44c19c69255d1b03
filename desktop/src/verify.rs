//! `skillmeat verify`: re-hash every stored version and every current file,
//! and check rows, files, the lock file and the manifest against each other.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use skillmeat_core::ArtifactKind;
use skillmeat_core::hash::{ContentHash, hash_bytes, tree_hash};
use sqlx::AnyConnection;
use walkdir::WalkDir;

use crate::collection::layout::{self, LOCK, MANIFEST, SINGLE_FILE, Shape, TXN_DIR};
use crate::collection::records::{self, Listed};
use crate::collection::{Collection, lock_file, manifest_file};
use crate::error::Result;
use crate::store::{KindColumn, contents, rows};
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

/// At most this many artifacts are named per records file and direction
/// (a lock file beside an empty database would otherwise name them all).
const NAMED: usize = 20;

/// One stored version, with its artifact's kind and name.
#[derive(Debug, sqlx::FromRow)]
struct VersionRow {
    id: String,
    content_hash: String,
    #[sqlx(try_from = "KindColumn")]
    kind: ArtifactKind,
    name: String,
}

/// What the database says about one collection.
#[derive(Debug, Default)]
struct Stored {
    versions: Vec<VersionRow>,
    files_of: HashMap<String, Vec<rows::VersionFile>>,
    current: Vec<rows::CurrentArtifact>,
    /// `skillmeat.lock` and `manifest.toml` regenerated from the rows.
    lock: String,
    manifest: String,
}

pub async fn verify(collection: &Collection) -> Result<Report> {
    let mut conn = collection.pool.acquire().await?;
    let mut problems = database_problems(&mut conn).await?;
    problems.extend(pin_problems(&mut conn, &collection.id).await?);
    let stored = Stored::read(&mut conn, collection).await?;
    if collection.in_database() {
        return check_database(&mut conn, &stored, problems).await;
    }
    Ok(check_folder(collection.dir(), &stored, problems))
}

/// A collection on a database server: every content its versions use is
/// in the `contents` table and hashes to its name, every version adds up
/// to its hash, and no content is left that no version (of any collection
/// in the database) uses. It has no folder and no records files.
async fn check_database(
    conn: &mut AnyConnection,
    stored: &Stored,
    mut problems: Vec<String>,
) -> Result<Report> {
    let mut intact: HashMap<String, bool> = HashMap::new();
    for f in stored.files_of.values().flatten() {
        if intact.contains_key(&f.blob_hash) {
            continue;
        }
        let ok = match f.blob_hash.parse::<ContentHash>() {
            Ok(hash) => contents::read(conn, &hash)
                .await?
                .is_some_and(|bytes| hash_bytes(&bytes) == hash),
            Err(_) => false,
        };
        intact.insert(f.blob_hash.clone(), ok);
    }
    let check = |hex: &str| intact.get(hex).copied().unwrap_or(false);
    version_problems(stored, &mut problems, check, |hex| {
        format!("database content sha256:{hex}")
    });
    let orphans: Vec<String> = sqlx::query_scalar(
        "SELECT c.hash FROM contents c WHERE NOT EXISTS
           (SELECT 1 FROM version_files f WHERE f.blob_hash = c.hash) ORDER BY c.hash",
    )
    .fetch_all(&mut *conn)
    .await?;
    for hex in orphans {
        problems.push(format!(
            "database content sha256:{hex}: used by no version (orphan)"
        ));
    }
    Ok(Report {
        ok: problems.is_empty(),
        artifacts: stored.current.len(),
        versions: stored.versions.len(),
        blobs: intact.len(),
        problems,
    })
}

/// A collection folder the database knows nothing about (its row, or the
/// whole database, is missing): whatever the folder holds is a problem.
pub fn verify_folder(dir: &Path, collection: &str) -> Report {
    let stored = Stored {
        lock: records::render_lock(Vec::new()),
        manifest: records::render_manifest(collection, Vec::new(), Vec::new()),
        ..Stored::default()
    };
    check_folder(dir, &stored, Vec::new())
}

impl Stored {
    async fn read(conn: &mut AnyConnection, collection: &Collection) -> Result<Stored> {
        let versions: Vec<VersionRow> = sqlx::query_as(
            "SELECT v.id, v.content_hash, a.kind, a.name FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id
             WHERE a.collection_id = $1",
        )
        .bind(&collection.id)
        .fetch_all(&mut *conn)
        .await?;
        let mut files_of = HashMap::new();
        for v in &versions {
            files_of.insert(v.id.clone(), rows::version_files(conn, &v.id).await?);
        }
        Ok(Stored {
            versions,
            files_of,
            current: rows::current_artifacts(conn, &collection.id).await?,
            lock: lock_file(conn, &collection.id).await?,
            manifest: manifest_file(conn, &collection.id, &collection.name).await?,
        })
    }
}

/// SQLite's own checks: page structure and foreign keys (a server
/// database enforces its foreign keys itself, and checks its pages).
async fn database_problems(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    if !crate::store::is_sqlite(conn) {
        return Ok(problems);
    }
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
    Ok(problems)
}

/// Memberships pin versions that exist.
async fn pin_problems(conn: &mut AnyConnection, collection: &str) -> Result<Vec<String>> {
    let bad_pins: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT p.name, c.name, m.pinned_version_hash FROM composite_memberships m
         JOIN artifacts p ON p.id = m.composite_id JOIN artifacts c ON c.id = m.child_id
         WHERE p.collection_id = $1 AND NOT EXISTS
           (SELECT 1 FROM artifact_versions v WHERE v.artifact_id = m.child_id AND v.content_hash = m.pinned_version_hash)",
    )
    .bind(collection)
    .fetch_all(&mut *conn)
    .await?;
    Ok(bad_pins
        .into_iter()
        .map(|(plugin, child, pin)| {
            format!(
                "plugin {plugin}: member {child} pins {}, which is not a stored version",
                pin.unwrap_or_default()
            )
        })
        .collect())
}

/// Everything on disk against what the database says.
fn check_folder(dir: &Path, stored: &Stored, mut problems: Vec<String>) -> Report {
    let check = |hex: &str| check_blob(dir, hex);
    version_problems(stored, &mut problems, check, blob_rel_path);
    let expected_files = current_problems(dir, stored, &mut problems);
    orphan_files(dir, &expected_files, &mut problems);
    let blobs = orphan_blobs(dir, stored, &mut problems);
    if std::fs::read_dir(dir.join(TXN_DIR)).is_ok_and(|mut d| d.next().is_some()) {
        problems.push(format!(
            "{TXN_DIR}/: an import transaction is still in progress or was not recovered"
        ));
    }
    records_problems(dir, stored, &mut problems);
    Report {
        ok: problems.is_empty(),
        artifacts: stored.current.len(),
        versions: stored.versions.len(),
        blobs,
        problems,
    }
}

/// Every stored version: its blobs are there and intact, and its files add
/// up to its content hash.
/// `intact` says whether a blob (by hex) is there and intact, `located`
/// where it is.
fn version_problems(
    stored: &Stored,
    problems: &mut Vec<String>,
    intact: impl Fn(&str) -> bool,
    located: impl Fn(&str) -> String,
) {
    let mut blob_ok: HashMap<&str, bool> = HashMap::new();
    for VersionRow {
        id: vid,
        content_hash: hash,
        kind,
        name,
    } in &stored.versions
    {
        let files = stored.files_of.get(vid).map(Vec::as_slice).unwrap_or(&[]);
        for f in files {
            let ok = *blob_ok
                .entry(&f.blob_hash)
                .or_insert_with(|| intact(&f.blob_hash));
            if !ok {
                problems.push(format!(
                    "{kind} {name}: stored file {} ({}) of version {} is missing or corrupt",
                    stored_file_name(*kind, name, f),
                    located(&f.blob_hash),
                    hash.get(..12).unwrap_or(hash)
                ));
            }
        }
        if *kind == ArtifactKind::Composite {
            continue;
        }
        match version_hash(files) {
            Some(recomputed) if recomputed.to_hex() == *hash => {}
            Some(recomputed) => problems.push(format!(
                "{kind} {name}: version {hash} does not hash to itself (got {recomputed})"
            )),
            None => problems.push(format!(
                "{kind} {name}: version {hash} has unreadable file records"
            )),
        }
    }
}

/// The current version of every artifact, on disk; returns the paths
/// (relative to the collection) that belong to one.
fn current_problems(dir: &Path, stored: &Stored, problems: &mut Vec<String>) -> HashSet<String> {
    let mut expected_files = HashSet::new();
    for a in &stored.current {
        let files = stored
            .files_of
            .get(&a.version_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let shape = if files.len() == 1 && files[0].path == SINGLE_FILE {
            Shape::File
        } else {
            Shape::Folder
        };
        let Ok(target) = layout::current_path(a.kind, &a.name, shape) else {
            problems.push(format!("{} {}: name cannot be stored", a.kind, a.name));
            continue;
        };
        match shape {
            Shape::File => {
                check_file(
                    &dir.join(target.as_str()),
                    target.as_str(),
                    &files[0],
                    problems,
                );
                expected_files.insert(target.as_str().to_owned());
            }
            Shape::Folder => {
                for f in files {
                    let rel = format!("{}/{}", target.as_str(), f.path);
                    check_file(&dir.join(&rel), &rel, f, problems);
                    expected_files.insert(rel);
                }
            }
        }
    }
    expected_files
}

/// Files under the current-version folders that no artifact owns.
fn orphan_files(dir: &Path, expected: &HashSet<String>, problems: &mut Vec<String>) {
    for root in layout::current_roots() {
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
            if !expected.contains(&rel) {
                problems.push(format!("{rel}: file belongs to no artifact (orphan)"));
            }
        }
    }
}

/// Blobs stored but referenced by no version; returns how many blobs there are.
fn orphan_blobs(dir: &Path, stored: &Stored, problems: &mut Vec<String>) -> usize {
    let referenced: HashSet<&str> = stored
        .files_of
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
    blobs
}

/// The lock file and the manifest list what the database holds (each
/// artifact one is missing is named), and say it byte for byte.
fn records_problems(dir: &Path, stored: &Stored, problems: &mut Vec<String>) {
    let in_lock = stored.current.iter().map(|a| Listed {
        kind: a.kind.as_str().to_owned(),
        name: a.name.clone(),
        hash: Some(a.content_hash.clone()),
    });
    let in_manifest = stored.current.iter().map(|a| Listed {
        kind: a.kind.as_str().to_owned(),
        name: a.name.clone(),
        hash: None,
    });
    let files = [
        (
            LOCK,
            &stored.lock,
            in_lock.collect::<Vec<_>>(),
            records::parse_lock as Parse,
        ),
        (
            MANIFEST,
            &stored.manifest,
            in_manifest.collect(),
            records::parse_manifest,
        ),
    ];
    for (name, expected, database, parse) in files {
        let text = match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && database.is_empty() => continue,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let before = problems.len();
        match parse(&text) {
            Ok(listed) => compare_listed(name, listed, database, problems),
            Err(e) => problems.push(format!(
                "{name}: not a skillmeat records file: {}",
                e.message()
            )),
        }
        if problems.len() == before && text != *expected {
            problems.push(format!("{name}: does not match the database"));
        }
    }
}

type Parse = fn(&str) -> Result<Vec<Listed>, toml::de::Error>;

/// What a records file lists against what the database holds.
fn compare_listed(
    file: &str,
    listed: Vec<Listed>,
    database: Vec<Listed>,
    problems: &mut Vec<String>,
) {
    let by_key = |v: Vec<Listed>| -> BTreeMap<(String, String), Option<String>> {
        v.into_iter().map(|l| ((l.kind, l.name), l.hash)).collect()
    };
    let (listed, database) = (by_key(listed), by_key(database));
    let lacking: Vec<String> = listed
        .keys()
        .filter(|k| !database.contains_key(*k))
        .map(|(kind, name)| format!("{file} lists {kind} {name}, which the database lacks"))
        .collect();
    let missing: Vec<String> = database
        .keys()
        .filter(|k| !listed.contains_key(*k))
        .map(|(kind, name)| format!("{file} lacks {kind} {name}, which the database has"))
        .collect();
    let differing: Vec<String> = listed
        .iter()
        .filter_map(|(key, hash)| match (hash, database.get(key)?) {
            (Some(there), Some(db)) if there != db => Some(format!(
                "{file}: {} {} is sha256:{there} there and sha256:{db} in the database",
                key.0, key.1
            )),
            _ => None,
        })
        .collect();
    for list in [lacking, missing, differing] {
        let more = list.len().saturating_sub(NAMED);
        problems.extend(list.into_iter().take(NAMED));
        if more > 0 {
            problems.push(format!("{file}: and {more} more like the above"));
        }
    }
}

/// A file of a stored version as a problem names it: its path in the
/// version, or for a single-file version (whose one file has no path of its
/// own) the name it has when current, e.g. `code-reviewer.md`.
fn stored_file_name(kind: ArtifactKind, name: &str, f: &rows::VersionFile) -> String {
    if f.path != SINGLE_FILE {
        return f.path.clone();
    }
    layout::current_path(kind, name, Shape::File)
        .ok()
        .and_then(|p| p.as_str().rsplit('/').next().map(str::to_owned))
        .unwrap_or_else(|| name.to_owned())
}

/// `objects/ab/cdef…`, where the blob of `hex` is stored.
fn blob_rel_path(hex: &str) -> String {
    match (hex.get(..2), hex.get(2..)) {
        (Some(dir), Some(rest)) => format!("objects/{dir}/{rest}"),
        _ => format!("blob {hex:?}"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(name: &str, hash: &str) -> Listed {
        Listed {
            kind: "skill".into(),
            name: name.into(),
            hash: Some(hash.into()),
        }
    }

    #[test]
    fn listed_artifacts_are_compared_by_kind_name_and_hash() {
        let mut problems = Vec::new();
        compare_listed(
            LOCK,
            vec![
                listed("a", "11"),
                listed("b", "22"),
                listed("only-file", "33"),
            ],
            vec![
                listed("a", "11"),
                listed("b", "99"),
                listed("only-db", "44"),
            ],
            &mut problems,
        );
        assert_eq!(
            problems,
            [
                "skillmeat.lock lists skill only-file, which the database lacks",
                "skillmeat.lock lacks skill only-db, which the database has",
                "skillmeat.lock: skill b is sha256:22 there and sha256:99 in the database",
            ]
        );
    }

    #[test]
    fn at_most_twenty_artifacts_are_named_per_direction() {
        let many: Vec<Listed> = (0..25).map(|i| listed(&format!("s{i:02}"), "1")).collect();
        let mut problems = Vec::new();
        compare_listed(MANIFEST, many, Vec::new(), &mut problems);
        assert_eq!(problems.len(), 21);
        assert_eq!(
            problems[19],
            "manifest.toml lists skill s19, which the database lacks"
        );
        assert_eq!(problems[20], "manifest.toml: and 5 more like the above");
    }
}

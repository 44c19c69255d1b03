//! What the desktop app's import wizard reads from disk: the listing of a
//! chosen folder (so the page hashes it with the wasm core), one file's
//! bytes, and the side-by-side diff of a conflicting child. A bundle zip is
//! read from its extracted copy ([`Staging`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skillmeat_core::SafeRelPath;
use skillmeat_core::discovery::{Child, ChildContent, Plugin};

use super::scope::Scope;
use super::staging::Staging;
use super::transfer::{
    DiffArgs, DiffChange, DiffFile, FileDiff, Kind, ReadFileArgs, SourceArgs, SourceFile,
    SourceListing,
};
use super::{blocking, path_arg};
use crate::collection::Collection;
use crate::collection::layout::SINGLE_FILE;
use crate::error::{Error, Result};
use crate::inspect::Source;
use crate::store::rows;
use crate::tree::{Tree, TreeKind};

/// Largest file shown as text in a diff.
const MAX_DIFF_TEXT: usize = 1024 * 1024;

/// The files of a folder; a bundle zip is verified, extracted and staged
/// (replacing the one staged before) so its files are read like a folder's.
pub async fn list_source(
    scope: &Scope,
    staging: &Staging,
    args: SourceArgs,
) -> Result<SourceListing> {
    let path = path_arg(&args.path)?.to_owned();
    let staging = staging.clone();
    let scratch = scope.home().root().to_owned();
    blocking(move || staging.list(&path, &scratch)).await
}

/// The bytes of a file of a listed folder or staged bundle.
pub async fn read_source_file(staging: &Staging, args: ReadFileArgs) -> Result<Vec<u8>> {
    let root = staging.root(path_arg(&args.root)?)?;
    blocking(move || read(&root.path, &args.path)).await
}

/// The files of a conflicting child that differ between the collection's
/// current version and the folder or staged bundle being imported.
pub async fn file_diff(scope: &Scope, staging: &Staging, args: DiffArgs) -> Result<FileDiff> {
    let root = staging.root(path_arg(&args.path)?)?;
    let c = scope.read().await?;
    diff(
        c.as_deref(),
        &root.path,
        &args.plugin,
        args.kind,
        &args.name,
    )
    .await
}

/// Every file of a folder under the engine's strict rules (a bundle zip
/// is listed by [`Staging`]).
pub(super) fn list(path: &Path) -> Result<SourceListing> {
    let tree = Tree::scan(path)?;
    if tree.kind == TreeKind::File {
        return Err(Error::BadInput {
            path: path.to_owned(),
            reason: "is a file; expected a plugin or marketplace folder, or a bundle zip".into(),
        });
    }
    let mut files = Vec::with_capacity(tree.files.len());
    for f in &tree.files {
        let size = std::fs::metadata(&f.path)
            .map_err(|source| Error::Unreadable {
                path: f.path.clone(),
                source,
            })?
            .len();
        files.push(SourceFile {
            path: f.rel.clone(),
            size,
        });
    }
    Ok(SourceListing {
        path: tree.root.display().to_string(),
        root_name: root_name(&tree.root),
        bundle: false,
        files,
    })
}

/// The bytes of `rel` below `root`; `rel` must be a safe relative path and
/// the file must stay inside `root` (after following symlinks).
fn read(root: &Path, rel: &str) -> Result<Vec<u8>> {
    let safe = SafeRelPath::new(rel).map_err(|e| Error::BadInput {
        path: PathBuf::from(rel),
        reason: e.to_string(),
    })?;
    let root = absolute(root)?;
    let file = root.join(safe.as_str());
    let real = std::fs::canonicalize(&file).map_err(|_| Error::NotFound(file.clone()))?;
    if !real.starts_with(&root) || !real.is_file() {
        return Err(Error::BadInput {
            path: file,
            reason: format!("is not a file inside {}", root.display()),
        });
    }
    std::fs::read(&real).map_err(|source| Error::Unreadable { path: real, source })
}

/// The files of child `kind`/`name` of `plugin` in `path` that differ from
/// the collection's current version of that artifact (all of them when the
/// collection has none).
async fn diff(
    collection: Option<&Collection>,
    path: &Path,
    plugin: &str,
    kind: Kind,
    name: &str,
) -> Result<FileDiff> {
    let incoming = {
        let path = path.to_owned();
        let plugin = plugin.to_owned();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || incoming_files(&path, &plugin, kind, &name))
            .await
            .map_err(|e| Error::Internal(format!("diff task: {e}")))??
    };
    let current = current_files(collection, kind, name).await?;
    let mut files = Vec::new();
    let paths: std::collections::BTreeSet<&String> =
        current.keys().chain(incoming.keys()).collect();
    for p in paths {
        let (cur, inc) = (current.get(p), incoming.get(p));
        let change = match (cur, inc) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) => DiffChange::Changed,
            (None, _) => DiffChange::Added,
            (_, None) => DiffChange::Removed,
        };
        files.push(DiffFile {
            path: p.clone(),
            current: cur.and_then(|b| text(b)),
            incoming: inc.and_then(|b| text(b)),
            change,
        });
    }
    Ok(FileDiff {
        kind,
        name: name.to_owned(),
        files,
    })
}

fn text(bytes: &[u8]) -> Option<String> {
    (bytes.len() <= MAX_DIFF_TEXT)
        .then(|| String::from_utf8(bytes.to_vec()).ok())
        .flatten()
}

/// The incoming child's files, keyed like the stored version's files.
fn incoming_files(
    path: &Path,
    plugin: &str,
    kind: Kind,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let source = Source::open(path)?;
    let found: Option<(&Plugin, &Child)> = source
        .discovery
        .plugins
        .iter()
        .filter(|p| p.name == plugin)
        .find_map(|p| {
            p.children
                .iter()
                .find(|c| c.kind == kind.engine() && c.name == name)
                .map(|c| (p, c))
        });
    let (plugin, child) = found.ok_or_else(|| Error::UnknownArtifact {
        name: name.to_owned(),
        within: format!("plugin {plugin:?} of {}", path.display()),
    })?;
    let read = |rel: &SafeRelPath| -> Result<Vec<u8>> {
        let full = plugin.root.join(rel);
        let abs = source
            .abs(full.as_str())
            .ok_or_else(|| Error::NotFound(path.join(full.as_str())))?;
        std::fs::read(abs).map_err(|e| Error::Unreadable {
            path: abs.to_owned(),
            source: e,
        })
    };
    let mut out = BTreeMap::new();
    match &child.content {
        ChildContent::File => {
            out.insert(SINGLE_FILE.to_owned(), read(&child.path)?);
        }
        ChildContent::Inline { json } => {
            out.insert(SINGLE_FILE.to_owned(), json.clone());
        }
        ChildContent::Tree { base, files } => {
            for f in files {
                let key = base.relative(f.as_str()).unwrap_or(f.as_str()).to_owned();
                out.insert(key, read(f)?);
            }
        }
    }
    Ok(out)
}

/// The collection's current version of `kind`/`name`, from the object store.
async fn current_files(
    collection: Option<&Collection>,
    kind: Kind,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let Some(collection) = collection else {
        return Ok(BTreeMap::new());
    };
    let mut conn = collection.pool.acquire().await?;
    let key = skillmeat_core::artifact::name_key(name);
    let version: Option<(String,)> = sqlx::query_as(
        "SELECT current_version_id FROM artifacts WHERE collection_id = $1 AND kind = $2 AND name_key = $3",
    )
    .bind(&collection.id)
    .bind(kind.engine().as_str())
    .bind(&key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((version,)) = version else {
        return Ok(BTreeMap::new());
    };
    let files = rows::version_files(&mut conn, &version).await?;
    drop(conn);
    let hashes = files
        .iter()
        .map(|f| rows::parse_hash(&f.blob_hash))
        .collect::<Result<Vec<_>>>()?;
    collection.fetch(hashes.iter().copied()).await?;
    let mut out = BTreeMap::new();
    for (f, hash) in files.into_iter().zip(hashes) {
        let blob = collection.blob_path(&hash);
        let bytes = std::fs::read(&blob).map_err(|e| Error::io(&blob, e))?;
        out.insert(f.path, bytes);
    }
    Ok(out)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path).map_err(|_| Error::NotFound(path.to_owned()))
}

pub(super) fn root_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("plugin")
        .to_owned()
}

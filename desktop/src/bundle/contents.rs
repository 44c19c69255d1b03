//! What a bundle holds, read from the collection: the plugin's meta files,
//! each child at its pinned version in the place it had in the plugin, MCP
//! and LSP servers written back into the file they were declared in (in the
//! shape of the kind table: `{"mcpServers": {...}}`, a bare `.lsp.json` map), and a generated `.claude-plugin/plugin.json` when the plugin
//! had none of its own. A single artifact becomes a one-child plugin named
//! after it.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use serde_json::{Map, Value};
use skillmeat_core::hash::{ContentHash, hash_bytes};
use skillmeat_core::kind::KINDS;
use skillmeat_core::{ArtifactKind, Relationship, SafeRelPath};
use sqlx::AnyConnection;

use crate::collection::Collection;
use crate::collection::layout::SINGLE_FILE;
use crate::error::{Error, Result};
use crate::query::{self, Detail};
use crate::store::rows::{self, VersionFile};

const PLUGIN_JSON: &str = ".claude-plugin/plugin.json";

/// Server entries collected for the files they go to: by (file, kind).
type Servers = BTreeMap<(String, ArtifactKind), Map<String, Value>>;

/// Everything a bundle will hold, before it is checked and written.
#[derive(Debug)]
pub(super) struct Contents {
    /// The plugin's name inside the bundle.
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    /// Every file, by plugin-relative path (sorted by UTF-8 bytes).
    pub files: BTreeMap<String, Entry>,
    pub members: Vec<Member>,
    /// Children exported at a pinned version other than their current one.
    pub drifted: Vec<String>,
    /// Where a plugin was imported from.
    pub origin: Option<crate::origin::Provenance>,
}

#[derive(Debug, Clone)]
pub(super) struct Member {
    pub kind: ArtifactKind,
    /// The artifact's name in the collection.
    pub name: String,
    /// Where it sits in the plugin (`""` for the root).
    pub path: String,
    pub relationship: Relationship,
    pub pinned: ContentHash,
}

#[derive(Debug)]
pub(super) struct Entry {
    pub size: u64,
    pub sha256: ContentHash,
    pub executable: bool,
    pub data: Data,
    /// What put it there, for error messages.
    owner: String,
    /// The child it belongs to (`None`: the plugin's own, or generated).
    pub member: Option<(ArtifactKind, String)>,
}

impl Entry {
    /// A file made by the export itself.
    pub fn generated(bytes: Vec<u8>) -> Entry {
        Entry {
            size: bytes.len() as u64,
            sha256: hash_bytes(&bytes),
            executable: false,
            data: Data::Bytes(bytes),
            owner: "skillmeat".into(),
            member: None,
        }
    }
}

/// Where an entry's bytes are.
#[derive(Debug)]
pub(super) enum Data {
    /// A blob of the collection's store.
    Blob(PathBuf),
    /// Generated here (`.mcp.json`, `plugin.json`).
    Bytes(Vec<u8>),
}

impl Data {
    pub fn read(&self) -> io::Result<Vec<u8>> {
        match self {
            Data::Blob(path) => std::fs::read(path),
            Data::Bytes(bytes) => Ok(bytes.clone()),
        }
    }
}

/// Reads what exporting `name_or_id` puts in the bundle.
pub(super) async fn gather(collection: &Collection, name_or_id: &str) -> Result<Contents> {
    let detail = query::show(collection, name_or_id, None).await?;
    collection.fetch_artifact(&detail.id).await?;
    let kind = detail.kind;
    let mut conn = collection.pool.acquire().await?;
    if kind == ArtifactKind::Composite {
        plugin(&mut conn, collection, &detail).await
    } else {
        single(&mut conn, collection, &detail, kind).await
    }
}

/// The files of one version of `artifact`.
async fn current_files(
    conn: &mut AnyConnection,
    collection: &Collection,
    artifact: &str,
) -> Result<Vec<VersionFile>> {
    let current = rows::current_artifacts_by_id(conn, &collection.id, &[artifact.to_owned()])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(format!("artifact {artifact} has no current version")))?;
    rows::version_files(conn, &current.version_id).await
}

async fn plugin(
    conn: &mut AnyConnection,
    collection: &Collection,
    detail: &Detail,
) -> Result<Contents> {
    let (version, manifest): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT version, manifest FROM composites WHERE artifact_id = $1")
            .bind(&detail.id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default();
    let manifest: Option<Value> = manifest.and_then(|m| serde_json::from_str(&m).ok());
    let mut b = Builder::new(collection, &detail.name);
    for f in current_files(conn, collection, &detail.id).await? {
        b.blob(safe(&f.path)?, &f, "the plugin's meta files", None)?;
    }
    let mut members = Vec::with_capacity(detail.children.len());
    let mut drifted = Vec::new();
    let mut servers: Servers = BTreeMap::new();
    for child in &detail.children {
        let kind = child.artifact_type;
        let pinned_hex = child
            .pinned_version_hash
            .as_deref()
            .unwrap_or(&child.current_hash);
        let pinned = rows::parse_hash(pinned_hex)?;
        if pinned_hex != child.current_hash {
            drifted.push(format!(
                "{kind} {}: exporting its pinned version {} (its current version is {})",
                child.artifact_name,
                pinned.short(),
                child.current_hash.get(..12).unwrap_or(&child.current_hash)
            ));
        }
        let version = rows::version_id(conn, &child.artifact_id, &pinned)
            .await?
            .ok_or_else(|| {
                Error::Internal(format!(
                    "the pinned version {} of {kind} {} is not in the store",
                    pinned.short(),
                    child.artifact_name
                ))
            })?;
        let files = rows::version_files(conn, &version).await?;
        let at = match child.path.as_deref() {
            // The plugin root itself (a plugin that is one skill).
            Some(".") => String::new(),
            Some(p) => p.to_owned(),
            None => kind.info().standard_path(&child.artifact_name),
        };
        let key = unforked(&child.artifact_name, &detail.name);
        b.child(kind, &child.artifact_name, &at, &files, key, &mut servers)?;
        members.push(Member {
            kind,
            name: child.artifact_name.clone(),
            path: at,
            relationship: child.relationship_type.parse().map_err(Error::Internal)?,
            pinned,
        });
    }
    let inline: Vec<(ArtifactKind, Map<String, Value>)> =
        [ArtifactKind::McpServer, ArtifactKind::LspServer]
            .into_iter()
            .filter_map(|k| Some((k, servers.remove(&(PLUGIN_JSON.to_owned(), k))?)))
            .collect();
    b.server_files(servers)?;
    if !b.files.contains_key(PLUGIN_JSON) {
        let generated = generated_manifest(
            manifest.as_ref(),
            &claude_name(&detail.name),
            version.as_deref(),
            detail.description.as_deref(),
            inline,
        );
        b.bytes(
            PLUGIN_JSON,
            json_bytes(&generated),
            "the generated plugin.json",
        )?;
    }
    // A generated plugin.json names the plugin as Claude Code allows.
    let name = if b.generated_manifest {
        claude_name(&detail.name)
    } else {
        detail.name.clone()
    };
    Ok(Contents {
        name,
        version,
        description: detail.description.clone(),
        files: b.files,
        members,
        drifted,
        origin: detail.origin.clone(),
    })
}

async fn single(
    conn: &mut AnyConnection,
    collection: &Collection,
    detail: &Detail,
    kind: ArtifactKind,
) -> Result<Contents> {
    let name = claude_name(&detail.name);
    let files = current_files(conn, collection, &detail.id).await?;
    let mut b = Builder::new(collection, &name);
    let at = kind.info().standard_path(&detail.name);
    let mut servers = BTreeMap::new();
    b.child(kind, &detail.name, &at, &files, &detail.name, &mut servers)?;
    b.server_files(servers)?;
    let mut manifest = Map::new();
    manifest.insert("name".into(), Value::String(name.clone()));
    if let Some(d) = &detail.description {
        manifest.insert("description".into(), Value::String(d.clone()));
    }
    b.bytes(
        PLUGIN_JSON,
        json_bytes(&Value::Object(manifest)),
        "the generated plugin.json",
    )?;
    Ok(Contents {
        name,
        version: None,
        description: detail.description.clone(),
        files: b.files,
        members: vec![Member {
            kind,
            name: detail.name.clone(),
            path: at,
            relationship: Relationship::Member,
            pinned: rows::parse_hash(&detail.content_hash)?,
        }],
        drifted: Vec::new(),
        origin: None,
    })
}

/// A fork is stored as `<name>--<plugin>`; inside the plugin it has its
/// original name.
fn unforked<'a>(name: &'a str, plugin: &str) -> &'a str {
    name.strip_suffix(&format!("--{plugin}"))
        .filter(|n| !n.is_empty())
        .unwrap_or(name)
}

/// A name Claude Code accepts for a plugin: no spaces, `@`, `:`, path
/// separators or control characters, not starting with a dot.
pub(super) fn claude_name(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || matches!(c, '@' | ':' | '/' | '\\') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "plugin".into()
    } else {
        cleaned.to_owned()
    }
}

fn safe(path: &str) -> Result<SafeRelPath> {
    SafeRelPath::new(path).map_err(|e| Error::Internal(format!("unsafe path in the database: {e}")))
}

fn json_bytes(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Keys of a marketplace entry or of the earlier system's manifest that a
/// Claude Code `plugin.json` does not have.
const NOT_PLUGIN_JSON: [&str; 9] = [
    "source",
    "strict",
    "category",
    "tags",
    "relevance",
    "headers",
    "headersHelper",
    "members",
    "type",
];

/// `.claude-plugin/plugin.json` for a plugin that had none: its effective
/// manifest (a marketplace entry, the earlier system's manifest) less the
/// keys plugin.json does not have, component paths written with `./`, and
/// the inline MCP and LSP servers at their pinned versions.
fn generated_manifest(
    manifest: Option<&Value>,
    name: &str,
    version: Option<&str>,
    description: Option<&str>,
    inline: Vec<(ArtifactKind, Map<String, Value>)>,
) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(name.to_owned()));
    if let Some(v) = version {
        out.insert("version".into(), Value::String(v.to_owned()));
    }
    if let Some(d) = description {
        out.insert("description".into(), Value::String(d.to_owned()));
    }
    if let Some(Value::Object(m)) = manifest {
        for (key, value) in m {
            if out.contains_key(key) || NOT_PLUGIN_JSON.contains(&key.as_str()) {
                continue;
            }
            let mut value = value.clone();
            let component = KINDS.iter().any(|k| k.manifest_key == Some(key.as_str()));
            if component || key == "outputStyles" {
                dot_slash(&mut value);
            }
            out.insert(key.clone(), value);
        }
    }
    for (kind, servers) in inline {
        let Some(key) = kind.info().manifest_key else {
            continue;
        };
        let merged = match out.get(key) {
            Some(Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .filter(|i| !i.is_object())
                    .cloned()
                    .chain([Value::Object(servers)])
                    .collect(),
            ),
            _ => Value::Object(servers),
        };
        out.insert(key.into(), merged);
    }
    Value::Object(out)
}

/// Component paths as Claude Code wants them: starting with `./`.
fn dot_slash(value: &mut Value) {
    let fix = |s: &mut String| {
        if !(s.starts_with("./") || s == "." || s.contains("://")) {
            *s = format!("./{s}");
        }
    };
    match value {
        Value::String(s) => fix(s),
        Value::Array(items) => {
            for item in items {
                if let Value::String(s) = item {
                    fix(s);
                }
            }
        }
        Value::Object(map) => {
            // The object form of `commands`: {name: {source}}.
            for spec in map.values_mut() {
                if let Some(Value::String(s)) = spec.get_mut("source") {
                    fix(s);
                }
            }
        }
        _ => {}
    }
}

/// Collects the bundle's files, refusing two different contents at one path.
struct Builder<'a> {
    collection: &'a Collection,
    plugin: String,
    files: BTreeMap<String, Entry>,
    generated_manifest: bool,
}

impl<'a> Builder<'a> {
    fn new(collection: &'a Collection, plugin: &str) -> Builder<'a> {
        Builder {
            collection,
            plugin: plugin.to_owned(),
            files: BTreeMap::new(),
            generated_manifest: false,
        }
    }

    /// Places one child's files (MCP and LSP servers are collected in
    /// `servers`, by the file they go to, under the name `key`).
    fn child(
        &mut self,
        kind: ArtifactKind,
        name: &str,
        at: &str,
        files: &[VersionFile],
        key: &str,
        servers: &mut Servers,
    ) -> Result<()> {
        let owner = format!("the {kind} {name}");
        let member = Some((kind, name));
        let single = files.len() == 1 && files[0].path == SINGLE_FILE;
        match kind {
            _ if kind.is_server() => {
                let noun = kind.noun();
                let file = files.first().filter(|_| single).ok_or_else(|| {
                    Error::Internal(format!("{noun} {name} is not one JSON entry"))
                })?;
                let blob = self.blob_path(&file.blob_hash)?;
                let bytes = std::fs::read(&blob).map_err(|e| Error::io(&blob, e))?;
                let entry: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    Error::Internal(format!("stored {noun} {name} is not JSON: {e}"))
                })?;
                servers
                    .entry((at.to_owned(), kind))
                    .or_default()
                    .insert(key.to_owned(), entry);
            }
            // Hook files are recorded relative to the plugin root.
            ArtifactKind::Hook => {
                for f in files {
                    self.blob(safe(&f.path)?, f, &owner, member)?;
                }
            }
            _ if single => self.blob(safe(at)?, &files[0], &owner, member)?,
            _ => {
                let base = if at.is_empty() {
                    SafeRelPath::root()
                } else {
                    safe(at)?
                };
                for f in files {
                    self.blob(base.join(&safe(&f.path)?), f, &owner, member)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the collected servers, one file per file they were declared
    /// in, in their kind's shape: `{"mcpServers": {...}}`, a bare map.
    fn server_files(&mut self, servers: Servers) -> Result<()> {
        for ((at, kind), map) in servers {
            let doc = match kind.info().server_file().and_then(|f| f.wrapper) {
                Some(wrapper) => {
                    Value::Object(Map::from_iter([(wrapper.to_owned(), Value::Object(map))]))
                }
                None => Value::Object(map),
            };
            let what = format!("the {}s", kind.noun());
            self.bytes(&at, json_bytes(&doc), &what)?;
        }
        Ok(())
    }

    fn blob_path(&self, hex: &str) -> Result<PathBuf> {
        Ok(self.collection.blob_path(&rows::parse_hash(hex)?))
    }

    fn blob(
        &mut self,
        at: SafeRelPath,
        f: &VersionFile,
        owner: &str,
        member: Option<(ArtifactKind, &str)>,
    ) -> Result<()> {
        let sha256 = rows::parse_hash(&f.blob_hash)?;
        let entry = Entry {
            size: u64::try_from(f.size).unwrap_or(0),
            sha256,
            executable: f.executable,
            data: Data::Blob(self.collection.blob_path(&sha256)),
            owner: owner.to_owned(),
            member: member.map(|(k, n)| (k, n.to_owned())),
        };
        self.put(at, entry)
    }

    fn bytes(&mut self, at: &str, bytes: Vec<u8>, owner: &str) -> Result<()> {
        if at == PLUGIN_JSON {
            self.generated_manifest = true;
        }
        let entry = Entry {
            owner: owner.to_owned(),
            ..Entry::generated(bytes)
        };
        self.put(safe(at)?, entry)
    }

    fn put(&mut self, at: SafeRelPath, entry: Entry) -> Result<()> {
        if at.is_root() {
            return Err(Error::Internal(format!(
                "{} has a file with an empty path",
                entry.owner
            )));
        }
        match self.files.get(at.as_str()) {
            Some(old) if old.sha256 == entry.sha256 => Ok(()),
            Some(old) => Err(Error::Export {
                name: self.plugin.clone(),
                reason: format!(
                    "{at} would hold both a file of {} and a different one of {}",
                    old.owner, entry.owner
                ),
            }),
            None => {
                self.files.insert(at.as_str().to_owned(), entry);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names() {
        for (name, expected) in [
            ("superpowers", "superpowers"),
            ("git/commit", "git-commit"),
            ("google calendar", "google-calendar"),
            ("a@b:c", "a-b-c"),
            (".hidden", "hidden"),
            ("...", "plugin"),
        ] {
            assert_eq!(claude_name(name), expected);
        }
        assert_eq!(unforked("tdd--superpowers", "superpowers"), "tdd");
        assert_eq!(unforked("tdd", "superpowers"), "tdd");
        assert_eq!(unforked("--superpowers", "superpowers"), "--superpowers");
    }

    #[test]
    fn generated_plugin_json() {
        let entry = json!({
            "name": "x", "source": "./plugins/x", "category": "dev", "strict": true,
            "version": "1.0.0", "author": {"name": "A"}, "license": "MIT",
            "commands": ["commands/a.md", "./commands/b.md"], "skills": "extra",
            "mcpServers": ["./more.json", {"old": {"command": "old"}}]
        });
        let mut servers = Map::new();
        servers.insert("db".into(), json!({"command": "db"}));
        let mut lsp = Map::new();
        lsp.insert("ra".into(), json!({"command": "rust-analyzer"}));
        let inline = vec![
            (ArtifactKind::McpServer, servers),
            (ArtifactKind::LspServer, lsp),
        ];
        let got = generated_manifest(Some(&entry), "x", Some("1.0.0"), Some("d"), inline);
        assert_eq!(
            got,
            json!({
                "name": "x", "version": "1.0.0", "description": "d",
                "author": {"name": "A"}, "license": "MIT",
                "commands": ["./commands/a.md", "./commands/b.md"], "skills": "./extra",
                "mcpServers": ["./more.json", {"db": {"command": "db"}}],
                "lspServers": {"ra": {"command": "rust-analyzer"}}
            })
        );
        // The order of keys is fixed: name, version, description, the rest.
        let text = String::from_utf8(json_bytes(&got)).unwrap_or_default();
        assert!(text.starts_with("{\n  \"name\": \"x\",\n  \"version\""));
        assert_eq!(
            generated_manifest(None, "h", None, None, Vec::new()),
            json!({"name": "h"})
        );
    }
}

//! `skillmeat-bundle.json`: what a bundle holds — the plugin, its members
//! with their pinned hashes, and every other file of the zip with its size,
//! SHA-256 and executable bit.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use skillmeat_core::discovery::Plugin;
use skillmeat_core::exclude::is_excluded_path;
use skillmeat_core::hash::ContentHash;
use skillmeat_core::{ArtifactKind, Relationship, SafeRelPath};

use super::{FORMAT_VERSION, MANIFEST_NAME};
use crate::origin::Provenance;

/// The bundle manifest, as written at the root of the zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleManifest {
    pub format_version: u32,
    pub plugin: BundlePlugin,
    pub members: Vec<BundleMember>,
    /// Every entry of the zip except `skillmeat-bundle.json`, sorted by path.
    pub files: Vec<BundleFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundlePlugin {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The canonical tree hash of `files`: the hash the plugin gets when
    /// the bundle is imported.
    pub content_hash: ContentHash,
    /// Where the plugin was imported from before it was exported (absent
    /// when the collection did not record it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Provenance>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleMember {
    pub kind: ArtifactKind,
    /// The name discovery gives the child inside the bundle.
    pub name: String,
    /// Where the child sits in the plugin (`""` for the plugin root).
    pub path: String,
    pub relationship: Relationship,
    pub pinned_hash: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFile {
    pub path: String,
    pub size: u64,
    pub sha256: ContentHash,
    pub executable: bool,
}

impl BundleManifest {
    /// Pretty JSON with a final newline; the same manifest always gives the
    /// same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Parses and checks a manifest read from a zip. The error says what is
    /// wrong, without the file name (the caller adds it).
    pub fn parse(bytes: &[u8]) -> Result<BundleManifest, String> {
        let m: BundleManifest = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a valid bundle manifest: {e}"))?;
        if m.format_version != FORMAT_VERSION {
            return Err(format!(
                "format_version {} is not supported (this skillmeat reads version {FORMAT_VERSION})",
                m.format_version
            ));
        }
        // The name becomes a folder's: the one rule for plugin names.
        skillmeat_core::artifact::check_name(ArtifactKind::Composite, &m.plugin.name)
            .map_err(|e| format!("plugin.name {:?}: {e}", m.plugin.name))?;
        let mut seen = HashSet::new();
        for f in &m.files {
            check_entry_path(&f.path).map_err(|e| format!("files: {:?}: {e}", f.path))?;
            if f.path == MANIFEST_NAME {
                return Err(format!("files: {MANIFEST_NAME} cannot list itself"));
            }
            if !seen.insert(f.path.as_str()) {
                return Err(format!("files: {:?} is listed twice", f.path));
            }
        }
        for member in &m.members {
            if !member.path.is_empty() {
                SafeRelPath::new(&member.path)
                    .map_err(|e| format!("members: {} {:?}: {e}", member.kind, member.name))?;
            }
        }
        Ok(m)
    }
}

/// The most bytes one file or folder name can have on Linux and macOS.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// A path a bundle may hold: safe, each part a name the file system can
/// hold, and not excluded from content hashes (so that it is imported like
/// every other file).
pub fn check_entry_path(path: &str) -> Result<SafeRelPath, String> {
    let safe = SafeRelPath::new(path).map_err(|e| match e {
        skillmeat_core::Error::InvalidPath { reason, .. } => reason.to_string(),
        other => other.to_string(),
    })?;
    if let Some(long) = path.split('/').find(|c| c.len() > MAX_FILE_NAME_BYTES) {
        return Err(format!(
            "has a name of {} bytes; a file or folder name may have at most {MAX_FILE_NAME_BYTES}",
            long.len()
        ));
    }
    if is_excluded_path(path) {
        return Err(
            "is a name skillmeat never stores (.git, node_modules, editor files …); bundles hold only hashed files"
                .into(),
        );
    }
    Ok(safe)
}

/// One child a bundle says it has (or an export means to write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    pub kind: ArtifactKind,
    pub name: &'a str,
    pub path: &'a str,
    pub hash: ContentHash,
}

/// Pairs each discovered child of `plugin` with the expected member it is:
/// same kind, path and hash (and the same name when several would do).
/// Returns, for each expected member, the index of its child; an error names
/// the first child or member left without a partner.
pub fn match_members(
    plugin: &Plugin,
    digest: &dyn Fn(&SafeRelPath) -> Option<ContentHash>,
    expected: &[Expected<'_>],
) -> Result<Vec<usize>, String> {
    let mut partner: Vec<Option<usize>> = vec![None; expected.len()];
    let mut hashes = Vec::with_capacity(plugin.children.len());
    for child in &plugin.children {
        let hash = child
            .digest(digest)
            .map_err(|e| format!("{} {}: {e}", child.kind, child.name))?
            .content_hash;
        hashes.push(hash);
    }
    for strict in [true, false] {
        for (ci, child) in plugin.children.iter().enumerate() {
            if partner.contains(&Some(ci)) {
                continue;
            }
            let found = expected.iter().enumerate().position(|(ei, e)| {
                partner[ei].is_none()
                    && e.kind == child.kind
                    && e.path == child.path.as_str()
                    && e.hash == hashes[ci]
                    && (!strict || e.name == child.name)
            });
            if let Some(ei) = found {
                partner[ei] = Some(ci);
            }
        }
    }
    if let Some((ci, child)) = plugin
        .children
        .iter()
        .enumerate()
        .find(|(ci, _)| !partner.contains(&Some(*ci)))
    {
        return Err(format!(
            "the {} {:?} at {} (content {}) is not a listed member",
            child.kind,
            child.name,
            child.path,
            hashes[ci].short()
        ));
    }
    partner
        .iter()
        .zip(expected)
        .map(|(p, e)| {
            p.ok_or_else(|| {
                format!(
                    "member {} {:?} at {} (pinned {}) is not in the bundle, or its content differs",
                    e.kind,
                    e.name,
                    if e.path.is_empty() { "." } else { e.path },
                    e.hash.short()
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    fn manifest(files: &str) -> String {
        format!(
            r#"{{"format_version": 1,
                "plugin": {{"name": "p", "content_hash": "{h}"}},
                "members": [{{"kind": "skill", "name": "s", "path": "skills/s", "relationship": "MEMBER", "pinned_hash": "{h}"}}],
                "files": [{files}]}}"#,
            h = hash('a')
        )
    }

    fn file(path: &str) -> String {
        format!(
            r#"{{"path": {path:?}, "size": 1, "sha256": "{}", "executable": false}}"#,
            hash('b')
        )
    }

    #[test]
    fn parse_checks() {
        let ok = manifest(&[file("skills/s/SKILL.md"), file("README.md")].join(","));
        assert!(BundleManifest::parse(ok.as_bytes()).is_ok());
        for (text, expected) in [
            (manifest(&file("../x")), "`..` could escape"),
            (manifest(&file("/etc/passwd")), "absolute"),
            (manifest(&file("a\\b")), "backslash"),
            (manifest(&file("C:/x")), "absolute"),
            (manifest(&file(".git/config")), "never stores"),
            (
                manifest(&file("skillmeat-bundle.json")),
                "cannot list itself",
            ),
            (
                manifest(&[file("a.md"), file("a.md")].join(",")),
                "listed twice",
            ),
            (
                manifest("").replace("\"format_version\": 1", "\"format_version\": 2"),
                "format_version 2 is not supported",
            ),
            (
                manifest("").replace("\"name\": \"p\"", "\"name\": \" \""),
                "plugin.name \" \": a name cannot be empty",
            ),
            (
                manifest("").replace(
                    "\"name\": \"p\"",
                    &format!("\"name\": \"{}\"", "é".repeat(128)),
                ),
                "plugin.name \"éé",
            ),
            (
                manifest("").replace("\"name\": \"p\"", "\"name\": \"a/b\""),
                "plugin.name \"a/b\"",
            ),
            (
                manifest("").replace("skills/s", "../s"),
                "members: skill \"s\"",
            ),
            ("{}".into(), "not a valid bundle manifest"),
            ("[".into(), "not a valid bundle manifest"),
        ] {
            let got = BundleManifest::parse(text.as_bytes());
            match got {
                Err(e) => assert!(e.contains(expected), "{e:?} lacks {expected:?}"),
                Ok(_) => panic!("accepted; expected {expected:?}: {text}"),
            }
        }
    }

    #[test]
    fn members_pair_by_kind_path_hash_then_name() {
        use skillmeat_core::discovery::{Child, ChildContent, Detection};
        use skillmeat_core::hash::hash_bytes;
        let server = |name: &str, json: &[u8]| Child {
            kind: ArtifactKind::McpServer,
            name: name.into(),
            path: SafeRelPath::new(".mcp.json").expect("a valid path"),
            relationship: Relationship::Member,
            description: None,
            content: ChildContent::Inline {
                json: json.to_vec(),
            },
            events: Vec::new(),
        };
        // Two servers with the same config: only their names tell them apart.
        let plugin = Plugin {
            name: "p".into(),
            root: SafeRelPath::root(),
            detection: Detection::Manifest,
            confidence: 1.0,
            version: None,
            description: None,
            manifest: None,
            children: vec![server("a", b"{}"), server("b", b"{}"), server("c", b"[]")],
            files: Vec::new(),
            warnings: Vec::new(),
            validation: Default::default(),
        };
        let same = hash_bytes(b"{}");
        let other = hash_bytes(b"[]");
        let want = |name, hash| Expected {
            kind: ArtifactKind::McpServer,
            name,
            path: ".mcp.json",
            hash,
        };
        let no_digest = |_: &SafeRelPath| None;
        let got = match_members(
            &plugin,
            &no_digest,
            &[want("c", other), want("b", same), want("a", same)],
        );
        assert_eq!(got, Ok(vec![2, 1, 0]));
        // A fork keeps its stored name; it pairs on kind, path and hash.
        let got = match_members(
            &plugin,
            &no_digest,
            &[want("a", same), want("b--p", same), want("c", other)],
        );
        assert_eq!(got, Ok(vec![0, 1, 2]));
        let missing = match_members(&plugin, &no_digest, &[want("a", same), want("b", same)]);
        assert!(
            missing.is_err_and(
                |e| e.contains("\"c\" at .mcp.json") && e.contains("not a listed member")
            )
        );
        let wrong = match_members(
            &plugin,
            &no_digest,
            &[want("a", same), want("b", same), want("c", same)],
        );
        assert!(wrong.is_err());
        let extra = match_members(
            &plugin,
            &no_digest,
            &[
                want("a", same),
                want("b", same),
                want("c", other),
                want("d", other),
            ],
        );
        assert!(extra.is_err_and(|e| e.contains("member mcp_server \"d\"")));
    }

    #[test]
    fn round_trip_bytes_are_stable() {
        let text = manifest(&file("README.md"));
        let m = BundleManifest::parse(text.as_bytes()).expect("a valid manifest parses");
        let bytes = m.to_bytes();
        assert_eq!(bytes, m.to_bytes());
        let again = BundleManifest::parse(&bytes).expect("to_bytes() parses again");
        assert_eq!(again, m);
        assert!(!String::from_utf8_lossy(&bytes).contains("version\": null"));
    }
}

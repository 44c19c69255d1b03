//! MCP and LSP servers: the shapes of `.mcp.json` and `.lsp.json`, and
//! canonical JSON.
//!
//! An MCP server artifact is one entry of a `.mcp.json`, an LSP server one
//! entry of a `.lsp.json` (or of a manifest's `mcpServers` / `lspServers`);
//! its content hash is SHA-256 of the entry's canonical JSON: object keys sorted by code point
//! (UTF-8 byte order), no insignificant whitespace, strings with serde_json's
//! minimal escaping (non-ASCII kept as UTF-8).

use crate::prelude::*;
use serde_json::{Map, Value};

use crate::artifact::ArtifactKind;
use crate::error::{Error, Result};
use crate::order::sort_by_str;

/// Canonical JSON bytes of a value.
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let keys = sorted_keys(map);
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string_or_number(key.as_str(), out);
                out.push(b':');
                write_canonical(&map[key.as_str()], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        // Scalars as serde_json writes them, through its string and number
        // writers (serialising the whole `Value` would bring its object and
        // array code into the browser package a second time).
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_string_or_number(n, out),
        Value::String(s) => write_string_or_number(s, out),
    }
}

/// The keys of an object in UTF-8 byte order.
pub(crate) fn sorted_keys(map: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    sort_by_str(&mut keys, |k| k.as_str());
    keys
}

fn write_string_or_number(value: &(impl serde::Serialize + ?Sized), out: &mut Vec<u8>) {
    // Writing a string or a number cannot fail.
    if let Ok(bytes) = serde_json::to_vec(value) {
        out.extend_from_slice(&bytes);
    }
}

/// The servers of a `.mcp.json` (or of a manifest's inline `mcpServers`),
/// accepting both the wrapped `{"mcpServers": {...}}` and the bare map,
/// ordered by name.
/// `file` names the source in errors.
pub fn servers<'v>(file: &str, value: &'v Value) -> Result<Vec<(&'v String, &'v Value)>> {
    servers_of(ArtifactKind::McpServer, file, value)
}

/// The servers of a file or inline map of a server `kind` (the table's
/// [`ServerFile`](crate::kind::ServerFile)): MCP accepts both the wrapped
/// `{"mcpServers": {...}}` and the bare map; an `.lsp.json` is the bare
/// map. Ordered by name; `file` names the source in errors.
pub fn servers_of<'v>(
    kind: ArtifactKind,
    file: &str,
    value: &'v Value,
) -> Result<Vec<(&'v String, &'v Value)>> {
    let info = kind.info();
    let key = info.manifest_key.unwrap_or(info.name);
    let noun = info.noun;
    let map = match value {
        Value::Object(m) => m,
        _ => {
            return Err(Error::Manifest {
                file: file.to_owned(),
                field: key.into(),
                reason: format!("expected an object of {noun}s"),
            });
        }
    };
    let wrapper = info.server_file().and_then(|f| f.wrapper);
    let inner: &Map<String, Value> = match wrapper.and_then(|w| map.get(w)) {
        Some(Value::Object(inner)) => inner,
        Some(_) => {
            return Err(Error::Manifest {
                file: file.to_owned(),
                field: key.into(),
                reason: "expected an object mapping server names to their configuration".into(),
            });
        }
        None => map,
    };
    // By name, not as written: the order must not depend on whether
    // serde_json keeps key order (the engine's build does, the browser
    // package's does not).
    let mut out = Vec::with_capacity(inner.len());
    for name in sorted_keys(inner) {
        let entry = &inner[name.as_str()];
        if !entry.is_object() {
            return Err(Error::Manifest {
                file: file.to_owned(),
                field: format!("{key}.{name}"),
                reason: "a server entry must be an object".into(),
            });
        }
        out.push((name, entry));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_form() {
        for (input, expected) in [
            (
                json!({"b": 1, "a": [true, null, "x"]}),
                r#"{"a":[true,null,"x"],"b":1}"#,
            ),
            (
                json!({"Z": {"y": 1, "x": 2}, "a": "é"}),
                r#"{"Z":{"x":2,"y":1},"a":"é"}"#,
            ),
            (json!({"cmd": "a\"b\n"}), r#"{"cmd":"a\"b\n"}"#),
            (json!([]), "[]"),
        ] {
            assert_eq!(
                String::from_utf8(canonical_json(&input)).ok().as_deref(),
                Some(expected)
            );
        }
    }

    /// Scalars are written exactly as serde_json writes them.
    #[test]
    fn scalars_as_serde_json_writes_them() {
        let scalars = json!([
            0,
            -1,
            1.5,
            -0.0,
            1e300,
            5e-324,
            0.1,
            18446744073709551615u64,
            -9223372036854775808i64,
            true,
            false,
            null,
            "",
            "é\u{1}\u{7f}\"\\/\t"
        ]);
        let expected = serde_json::to_string(&scalars).expect("serde_json writes the scalars");
        assert_eq!(
            String::from_utf8(canonical_json(&scalars)).ok(),
            Some(expected)
        );
        let key = json!({"k\"\u{2028}é": 1});
        assert_eq!(
            String::from_utf8(canonical_json(&key)).ok(),
            serde_json::to_string(&key).ok()
        );
    }

    #[test]
    fn both_shapes() {
        let wrapped =
            json!({"mcpServers": {"github": {"command": "gh"}, "google calendar": {"url": "u"}}});
        let bare = json!({"github": {"command": "gh"}, "google calendar": {"url": "u"}});
        let a = servers(".mcp.json", &wrapped).ok();
        let b = servers(".mcp.json", &bare).ok();
        assert_eq!(a, b);
        assert_eq!(a.map(|v| v.len()), Some(2));
        assert!(servers(".mcp.json", &json!({"x": 1})).is_err());
        assert!(servers(".mcp.json", &json!([1])).is_err());
    }

    /// An `.lsp.json` is the bare map: Claude Code reads a top-level
    /// `lspServers` key as a server of that name (probed with `plugin
    /// details`: `LSP servers (1) lspServers`).
    #[test]
    fn lsp_files_are_bare_maps() {
        let lsp = ArtifactKind::LspServer;
        let bare =
            json!({"rust-analyzer": {"command": "rust-analyzer"}, "gopls": {"command": "gopls"}});
        let names: Option<Vec<&str>> = servers_of(lsp, ".lsp.json", &bare)
            .ok()
            .map(|v| v.into_iter().map(|(n, _)| n.as_str()).collect());
        assert_eq!(names, Some(vec!["gopls", "rust-analyzer"]));
        let wrapped = json!({"lspServers": {"pyright": {"command": "pyright-langserver"}}});
        let names: Option<Vec<&str>> = servers_of(lsp, ".lsp.json", &wrapped)
            .ok()
            .map(|v| v.into_iter().map(|(n, _)| n.as_str()).collect());
        assert_eq!(names, Some(vec!["lspServers"]));
        let not_objects = json!({"x": 1});
        let bad = servers_of(lsp, ".lsp.json", &not_objects);
        assert!(
            matches!(&bad, Err(Error::Manifest { field, .. }) if field == "lspServers.x"),
            "{bad:?}"
        );
    }
}

//! A JSON file we merge into (`.claude/settings.json`, `.mcp.json`) without
//! disturbing the rest: key order kept, indentation kept, and when our
//! entries are taken out again the original bytes come back.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::fsx;

/// A parsed JSON object file and how it was written.
#[derive(Debug, Clone)]
pub struct JsonFile {
    pub path: PathBuf,
    /// The bytes on disk (`None`: the file does not exist).
    pub text: Option<String>,
    pub value: Map<String, Value>,
    indent: String,
}

impl JsonFile {
    pub fn load(path: &Path) -> Result<JsonFile> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Error::Unreadable {
                    path: path.to_owned(),
                    source: e,
                });
            }
        };
        let value = match text.as_deref() {
            None => Map::new(),
            Some(t) if t.trim().is_empty() => Map::new(),
            Some(t) => match serde_json::from_str::<Value>(t) {
                Ok(Value::Object(m)) => m,
                Ok(_) => {
                    return Err(Error::BadInput {
                        path: path.to_owned(),
                        reason: "must contain a JSON object; left untouched".into(),
                    });
                }
                Err(e) => {
                    return Err(Error::BadInput {
                        path: path.to_owned(),
                        reason: format!("is not valid JSON ({e}); left untouched"),
                    });
                }
            },
        };
        let indent = text
            .as_deref()
            .map(detect_indent)
            .unwrap_or_else(|| "  ".to_owned());
        Ok(JsonFile {
            path: path.to_owned(),
            text,
            value,
            indent,
        })
    }

    /// The object at `key`, created (at the end) if missing.
    pub fn object_mut(&mut self, key: &str) -> Result<&mut Map<String, Value>> {
        let entry = self
            .value
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        entry.as_object_mut().ok_or_else(|| Error::BadInput {
            path: self.path.clone(),
            reason: format!("`{key}` must be an object; left untouched"),
        })
    }

    /// The file as it would be written now.
    pub fn render(&self) -> Result<String> {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(self.indent.as_bytes());
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        Value::Object(self.value.clone())
            .serialize(&mut ser)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let mut text = String::from_utf8(out).map_err(|e| Error::Internal(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// Writes the file atomically; with `original` given (the bytes before
    /// any deployment) and a value equal to it, writes those exact bytes,
    /// or removes the file if it did not exist.
    pub fn save(&self, original: Option<&Option<String>>) -> Result<()> {
        if let Some(original) = original {
            let original_value = original
                .as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .unwrap_or(Value::Object(Map::new()));
            if original_value == Value::Object(self.value.clone()) {
                return match original {
                    Some(text) => fsx::write_atomic(&self.path, text.as_bytes()),
                    None => fsx::remove_any(&self.path),
                };
            }
        }
        fsx::write_atomic(&self.path, self.render()?.as_bytes())
    }
}

/// The indentation of the first indented line (two spaces by default).
fn detect_indent(text: &str) -> String {
    text.lines()
        .skip(1)
        .find_map(|l| {
            let ws: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            (!ws.is_empty()).then_some(ws)
        })
        .unwrap_or_else(|| "  ".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_indent_and_gives_back_original_bytes() {
        let dir = tempfile::TempDir::new().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("settings.json");
        let original = "{\n    \"z\": 1,\n    \"a\": {\"x\": [1, 2]}\n}";
        std::fs::write(&path, original).unwrap_or_default();
        let mut f = JsonFile::load(&path).unwrap_or_else(|e| panic!("{e}"));
        f.object_mut("hooks")
            .unwrap_or_else(|e| panic!("{e}"))
            .insert("Stop".into(), Value::Array(vec![]));
        assert_eq!(
            f.render().unwrap_or_default(),
            "{\n    \"z\": 1,\n    \"a\": {\n        \"x\": [\n            1,\n            2\n        ]\n    },\n    \"hooks\": {\n        \"Stop\": []\n    }\n}\n"
        );
        f.value.remove("hooks");
        f.save(Some(&Some(original.to_owned())))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some(original)
        );
        // A file that did not exist is removed again.
        let new = dir.path().join(".mcp.json");
        let f = JsonFile::load(&new).unwrap_or_else(|e| panic!("{e}"));
        f.save(Some(&None)).unwrap_or_else(|e| panic!("{e}"));
        assert!(!new.exists());
        std::fs::write(&new, "[1]").unwrap_or_default();
        assert!(JsonFile::load(&new).is_err());
    }
}

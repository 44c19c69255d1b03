//! A JSON file we merge into (`.claude/settings.json`, `.mcp.json`) without
//! disturbing the rest: key order kept, indentation kept, and when our
//! entries are taken out again the original bytes come back.

use serde::Serialize;
use serde_json::{Map, Value};

use super::project::Project;
use super::record::Place;
use crate::error::{Error, Result};

/// Settings files are small; a larger one is not something to rewrite.
const MAX_SIZE: u64 = 16 << 20;

/// A parsed JSON object file and how it was written.
#[derive(Debug, Clone)]
pub struct JsonFile {
    pub place: Place,
    /// The bytes on disk (`None`: the file does not exist).
    pub text: Option<String>,
    /// Its permission bits (`None`: the file does not exist).
    pub mode: Option<u32>,
    /// It exists and we may not write it, or its owner may not.
    pub read_only: bool,
    pub value: Map<String, Value>,
    /// The value as read.
    pub loaded: Map<String, Value>,
    indent: String,
}

impl JsonFile {
    pub fn load(project: &Project, place: &Place) -> Result<JsonFile> {
        let path = project.path(place.rel());
        let (text, mode) = match project.read(place.rel(), MAX_SIZE)? {
            None => (None, None),
            Some((bytes, mode)) => {
                let text = String::from_utf8(bytes).map_err(|_| Error::BadInput {
                    path: path.clone(),
                    reason: "is not UTF-8 text; left untouched".into(),
                })?;
                (Some(text), Some(mode))
            }
        };
        let value = match text.as_deref() {
            None => Map::new(),
            Some(t) if t.trim().is_empty() => Map::new(),
            Some(t) => parse(t).map_err(|reason| Error::BadInput { path, reason })?,
        };
        let indent = text
            .as_deref()
            .map(detect_indent)
            .unwrap_or_else(|| "  ".to_owned());
        Ok(JsonFile {
            place: place.clone(),
            text,
            read_only: mode.is_some_and(|m| m & 0o200 == 0)
                || (mode.is_some() && !project.writable(place.rel())),
            mode,
            loaded: value.clone(),
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
            path: self.place.as_str().into(),
            reason: format!("`{key}` must be an object; left untouched"),
        })
    }

    /// Drops `key` if we emptied it (an empty object that was not empty,
    /// or not there, when the file was read).
    pub fn prune_emptied(&mut self, key: &str) {
        let empty = |v: Option<&Value>| matches!(v, Some(Value::Object(m)) if m.is_empty());
        if empty(self.value.get(key)) && !empty(self.loaded.get(key)) {
            self.value.shift_remove(key);
        }
    }

    /// Whether the value differs from the file as read.
    pub fn changed(&self) -> bool {
        self.value != self.loaded
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

    /// What the file should hold now: `None` to remove it. With `original`
    /// (its text before any deployment, `None` if it did not exist) and a
    /// value equal to it, those exact bytes (or no file) come back.
    pub fn desired(&self, original: Option<&Option<String>>) -> Result<Option<String>> {
        if let Some(original) = original {
            let original_value = match original.as_deref() {
                Some(t) if !t.trim().is_empty() => parse(t).ok(),
                _ => Some(Map::new()),
            };
            if original_value.map(normalized) == Some(normalized(self.value.clone())) {
                return Ok(original.clone());
            }
        }
        self.render().map(Some)
    }
}

/// A settings value without the empty containers merging leaves or takes
/// away (`"mcpServers": {}`, `"hooks": {"Stop": []}`), so that a file whose
/// entries all came and went compares equal to how it was.
fn normalized(mut value: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(hooks)) = value.get_mut("hooks") {
        hooks.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
    }
    for key in ["hooks", "mcpServers"] {
        if matches!(value.get(key), Some(Value::Object(m)) if m.is_empty()) {
            value.shift_remove(key);
        }
    }
    value
}

fn parse(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("must contain a JSON object; left untouched".into()),
        Err(e) => Err(format!("is not valid JSON ({e}); left untouched")),
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
        let dir = tempfile::TempDir::new().expect("temp dir");
        let project = Project::open(dir.path()).expect("project");
        let place = Place::new(".claude/settings.json").expect("a place");
        let original = "{\n    \"z\": 1,\n    \"a\": {\"x\": [1, 2]}\n}";
        std::fs::create_dir(dir.path().join(".claude")).expect("mkdir");
        std::fs::write(project.path(place.rel()), original).expect("write");
        let mut f = JsonFile::load(&project, &place).expect("loads");
        f.object_mut("hooks")
            .expect("an object")
            .insert("Stop".into(), Value::Array(vec![Value::from(3)]));
        let expected = "{\n    \"z\": 1,\n    \"a\": {\n        \"x\": [\n            1,\n            2\n        ]\n    },\n    \"hooks\": {\n        \"Stop\": [\n            3\n        ]\n    }\n}\n";
        let original = Some(original.to_owned());
        assert_eq!(
            f.desired(Some(&original)).ok().flatten().as_deref(),
            Some(expected)
        );
        // Taken out again (even leaving an empty container): the original bytes.
        f.object_mut("hooks").expect("an object").clear();
        assert_eq!(f.desired(Some(&original)).ok(), Some(original.clone()));
        f.value.shift_remove("hooks");
        assert_eq!(f.desired(Some(&original)).ok(), Some(original.clone()));
        // A file that did not exist comes back as no file.
        let mcp = Place::new(".mcp.json").expect("a place");
        let f = JsonFile::load(&project, &mcp).expect("loads");
        assert_eq!(f.mode, None);
        assert_eq!(f.desired(Some(&None)).ok(), Some(None));
        std::fs::write(project.path(mcp.rel()), "[1]").expect("write");
        assert!(JsonFile::load(&project, &mcp).is_err());
    }
}

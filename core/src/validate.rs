//! Claude Code's own checks of a plugin, at its two levels (measured
//! against Claude Code 2.1.332, `tests/tests/claude_code_validate.rs`):
//!
//! - [`Level::Load`]: Claude Code refuses to load the plugin (its manifest
//!   schema: `version` not a string, a component key of the wrong type or a
//!   path without `./`, `agents` naming something other than `.md` files; a
//!   hooks config whose `hooks` is not an object keyed by event — the older
//!   `"hooks": [{"event": …}]` shape — or that declares `PreToolUse`,
//!   `PermissionRequest` or `PreSkillShellCommand` at its top level).
//! - [`Level::Validate`]: `claude plugin validate` calls it an error, but
//!   the plugin still loads (`description`, `author`, `repository`,
//!   `homepage`, `license`, `keywords` of the wrong type; a component path
//!   that is missing, holds `..`, or names a skill's file rather than its
//!   folder; a hooks config that is not JSON, not an object, or has neither
//!   `hooks` nor `modules`).
//!
//! A name Claude Code refuses (missing, not a string, empty, with spaces,
//! `@`, `:`, path separators or control characters) is already an error of
//! discovery, which cannot name such a plugin. Core does no I/O: the checks
//! see the parsed manifest and ask [`PluginFiles`] about the plugin's files.

use crate::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::path::SafeRelPath;

/// How Claude Code treats a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Claude Code does not load the plugin.
    Load,
    /// `claude plugin validate` fails, but the plugin loads.
    Validate,
}

/// One problem, for one field of one file of the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub level: Level,
    /// The file, relative to the plugin root.
    pub file: String,
    /// The field: `agents`, `skills[1]`, `author.name`, `hooks` …
    pub field: String,
    pub message: String,
    /// What discovery leaves out of the manifest to read the rest.
    pub(crate) drop: Option<Drop>,
}

impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.field, self.message)
    }
}

/// A part of the manifest discovery does not read, because Claude Code
/// would not use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Drop {
    /// The whole key.
    Key(&'static str),
    /// One item of an array key.
    Item(&'static str, usize),
}

/// Every problem Claude Code would find in one plugin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    pub problems: Vec<Problem>,
}

impl Validation {
    /// Whether Claude Code loads the plugin.
    pub fn loads(&self) -> bool {
        !self.problems.iter().any(|p| p.level == Level::Load)
    }

    /// The problems of one level, as `file: field: message`.
    pub fn messages(&self, level: Level) -> Vec<String> {
        self.problems
            .iter()
            .filter(|p| p.level == level)
            .map(|p| p.to_string())
            .collect()
    }
}

/// The files of one plugin, as validation needs to see them.
pub trait PluginFiles {
    /// Whether `rel` (plugin-relative) is a file of the plugin.
    fn is_file(&self, rel: &SafeRelPath) -> bool;
    /// Whether `rel` is a folder holding files of the plugin.
    fn is_dir(&self, rel: &SafeRelPath) -> bool;
}

pub(crate) const MANIFEST: &str = ".claude-plugin/plugin.json";

/// Component keys whose values are paths (or inline objects).
const COMPONENTS: [&str; 6] = [
    "commands",
    "agents",
    "skills",
    "hooks",
    "mcpServers",
    "lspServers",
];

/// The problems of a `.claude-plugin/plugin.json` (already parsed; its
/// name already checked by discovery).
pub fn manifest(manifest: &Value, files: &dyn PluginFiles) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(v) = manifest.get("version")
        && !v.is_string()
    {
        out.push(load(
            "version",
            expected("a string", v),
            Drop::Key("version"),
        ));
    }
    metadata(manifest, &mut out);
    for key in COMPONENTS {
        if let Some(v) = manifest.get(key) {
            component(key, v, files, &mut out);
        }
    }
    out
}

fn problem(level: Level, field: String, message: String, drop: Option<Drop>) -> Problem {
    Problem {
        level,
        file: MANIFEST.into(),
        field,
        message,
        drop,
    }
}

fn load(field: &str, message: String, drop: Drop) -> Problem {
    problem(Level::Load, field.into(), message, Some(drop))
}

fn invalid(field: String, message: String) -> Problem {
    problem(Level::Validate, field, message, None)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(what: &str, got: &Value) -> String {
    format!("expected {what}, found {}", type_name(got))
}

/// The metadata fields `claude plugin validate` checks and loading ignores.
fn metadata(manifest: &Value, out: &mut Vec<Problem>) {
    for key in ["description", "repository", "license"] {
        if let Some(v) = manifest.get(key).filter(|v| !v.is_string()) {
            out.push(invalid(key.into(), expected("a string", v)));
        }
    }
    match manifest.get("homepage") {
        Some(Value::String(url)) if !is_url(url) => {
            out.push(invalid("homepage".into(), format!("{url:?} is not a URL")));
        }
        Some(v) if !v.is_string() => out.push(invalid("homepage".into(), expected("a URL", v))),
        _ => {}
    }
    match manifest.get("author") {
        Some(Value::Object(author)) => {
            match author.get("name") {
                Some(Value::String(_)) => {}
                Some(v) => out.push(invalid("author.name".into(), expected("a string", v))),
                None => out.push(invalid("author.name".into(), "is required".into())),
            }
            for key in ["email", "url"] {
                if let Some(v) = author.get(key).filter(|v| !v.is_string()) {
                    out.push(invalid(format!("author.{key}"), expected("a string", v)));
                }
            }
        }
        Some(v) => out.push(invalid(
            "author".into(),
            expected("an object with a `name`", v),
        )),
        None => {}
    }
    match manifest.get("keywords") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() {
                    out.push(invalid(
                        format!("keywords[{i}]"),
                        expected("a string", item),
                    ));
                }
            }
        }
        Some(v) => out.push(invalid(
            "keywords".into(),
            expected("an array of strings", v),
        )),
        None => {}
    }
}

/// A URL as the WHATWG parser takes one: a scheme (a letter, then letters,
/// digits, `+`, `-`, `.`), a colon, and no whitespace.
fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// One component key: its shape (a load problem), then each path.
fn component(key: &'static str, v: &Value, files: &dyn PluginFiles, out: &mut Vec<Problem>) {
    if let Some(message) = shape_problem(key, v) {
        out.push(load(key, message, Drop::Key(key)));
        return;
    }
    let paths: Vec<(String, &str, Drop)> = match v {
        Value::String(s) => vec![(key.into(), s.as_str(), Drop::Key(key))],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                Some((format!("{key}[{i}]"), item.as_str()?, Drop::Item(key, i)))
            })
            .collect(),
        _ => Vec::new(),
    };
    for (field, raw, drop) in paths {
        if let Some(message) = path_problem(key, raw, files) {
            out.push(problem(Level::Validate, field, message, Some(drop)));
        }
    }
}

/// Why Claude Code's manifest schema refuses a component key's value.
fn shape_problem(key: &str, v: &Value) -> Option<String> {
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        let problem = match (key, item) {
            (_, Value::String(s)) if !s.starts_with("./") => {
                Some(format!("{s:?} must start with \"./\""))
            }
            ("agents", Value::String(s)) if !s.ends_with(".md") => Some(format!(
                "{s:?} must be a .md file (Claude Code does not take a folder here)"
            )),
            (_, Value::String(_)) => None,
            ("hooks", Value::Object(map)) if map.get("hooks").is_some_and(Value::is_array) => {
                Some("inline hooks must be an object keyed by event, not a `hooks` array".into())
            }
            ("hooks", Value::Object(_)) => None,
            ("commands" | "mcpServers" | "lspServers", Value::Object(map)) => map
                .values()
                .find(|e| !e.is_object())
                .map(|e| format!("each entry must be an object, found {}", type_name(e))),
            (_, other) => Some(expected("a path starting with \"./\"", other)),
        };
        if problem.is_some() {
            return problem;
        }
    }
    None
}

/// Why `claude plugin validate` refuses one component path (Claude Code
/// skips it and loads the rest).
fn path_problem(key: &str, raw: &str, files: &dyn PluginFiles) -> Option<String> {
    if raw.split('/').any(|c| c == "..") {
        return Some(format!(
            "{raw:?} contains `..`, which could leave the plugin"
        ));
    }
    let Ok(rel) = SafeRelPath::from_manifest(raw) else {
        return Some(format!("{raw:?} is not a path inside the plugin"));
    };
    if key == "skills" && files.is_file(&rel) {
        return Some(format!(
            "{raw:?} is a file; a skills entry names a folder holding SKILL.md"
        ));
    }
    if rel.is_root() || files.is_file(&rel) || files.is_dir(&rel) {
        return None;
    }
    Some(format!("{raw:?} not found in the plugin"))
}

/// The manifest without the parts Claude Code would not use (what the
/// problems' `drop` names): discovery reads the rest.
pub fn usable(manifest: &Value, problems: &[Problem]) -> Value {
    let mut out = manifest.clone();
    let Some(map) = out.as_object_mut() else {
        return out;
    };
    let mut items: Vec<(&str, usize)> = Vec::new();
    for p in problems {
        match p.drop {
            Some(Drop::Key(key)) => {
                map.remove(key);
            }
            Some(Drop::Item(key, i)) => items.push((key, i)),
            None => {}
        }
    }
    // Highest index first, so each removal leaves the others in place.
    items.sort_by_key(|item| core::cmp::Reverse(item.1));
    for (key, i) in items {
        if let Some(Value::Array(list)) = map.get_mut(key)
            && i < list.len()
        {
            list.remove(i);
        }
    }
    out
}

/// Hook events Claude Code refuses to find outside the `hooks` object.
const GUARDING_EVENTS: [&str; 3] = ["PreToolUse", "PermissionRequest", "PreSkillShellCommand"];

/// The problems of one hooks config (`hooks/hooks.json` or a file the
/// manifest's `hooks` names): `parsed` is its JSON, or why it is not JSON.
pub fn hook_config(file: &str, parsed: Result<&Value, &str>) -> Vec<Problem> {
    let at = |level, field: &str, message: String| Problem {
        level,
        file: file.into(),
        field: field.into(),
        message,
        drop: None,
    };
    let config = match parsed {
        Ok(Value::Object(config)) => config,
        Ok(other) => return vec![at(Level::Validate, "-", expected("an object", other))],
        Err(reason) => return vec![at(Level::Validate, "-", format!("not JSON: {reason}"))],
    };
    match config.get("hooks") {
        Some(Value::Object(_)) => Vec::new(),
        Some(other) => vec![at(
            Level::Load,
            "hooks",
            format!(
                "{} (an older shape?): Claude Code needs an object keyed by event, e.g. {{\"PreToolUse\": [{{\"matcher\": …, \"hooks\": [{{\"type\": \"command\", \"command\": …}}]}}]}}",
                expected("an object keyed by event", other)
            ),
        )],
        None => match GUARDING_EVENTS.iter().find(|e| config.contains_key(**e)) {
            Some(event) => vec![at(
                Level::Load,
                event,
                format!("{event} is declared at the top level, outside the `hooks` object"),
            )],
            None if config.contains_key("modules") => Vec::new(),
            None => vec![at(
                Level::Validate,
                "-",
                "has neither `hooks` (the hook matchers) nor `modules`".into(),
            )],
        },
    }
}

#[cfg(test)]
mod tests;

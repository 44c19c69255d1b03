//! `planImport`'s arguments, read from JSON values.
//!
//! The page's objects go through `JSON.stringify`, are parsed into a
//! `serde_json::Value` by the same parser discovery uses for manifests, and
//! are read field by field here, with the rules of the `Deserialize` derives
//! of `skillmeat-core` (every field required except a child's
//! `relationship`; kinds and relationships spelled exactly as serialized;
//! unknown fields ignored). Deserializing them through serde_json's typed
//! deserializer instead would add about 40 KB to the wasm package: a
//! monomorphised parser per type, and float formatting for its messages.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};
use skillmeat_core::artifact::{ArtifactKind, Relationship};
use skillmeat_core::hash::ContentHash;
use skillmeat_core::plan::{Incoming, IndexSnapshot, SnapshotArtifact};

/// What `planImport` reads of a plugin (one element of `discover().plugins`).
#[derive(Debug)]
pub struct PlanPlugin {
    pub name: String,
    pub children: Vec<Incoming>,
}

/// A problem with an argument: where (a field path, empty for the top level)
/// and what.
#[derive(Debug, PartialEq, Eq)]
pub struct ArgError {
    pub at: String,
    pub what: String,
}

impl core::fmt::Display for ArgError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.what)
        } else {
            write!(f, "{}: {}", self.at, self.what)
        }
    }
}

type Result<T> = core::result::Result<T, ArgError>;

fn fail<T>(at: &str, what: String) -> Result<T> {
    Err(ArgError {
        at: at.to_owned(),
        what,
    })
}

/// The plugin argument of `planImport`.
pub fn plan_plugin(v: &Value) -> Result<PlanPlugin> {
    let o = object(v, "")?;
    let mut children = Vec::new();
    for (i, c) in array(o, "", "children")?.iter().enumerate() {
        children.push(incoming(c, &format!("children[{i}]"))?);
    }
    Ok(PlanPlugin {
        name: string(o, "", "name")?,
        children,
    })
}

/// The index argument of `planImport`.
pub fn index_snapshot(v: &Value) -> Result<IndexSnapshot> {
    let o = object(v, "")?;
    let mut artifacts = Vec::new();
    for (i, a) in array(o, "", "artifacts")?.iter().enumerate() {
        artifacts.push(snapshot_artifact(a, &format!("artifacts[{i}]"))?);
    }
    Ok(IndexSnapshot { artifacts })
}

fn incoming(v: &Value, at: &str) -> Result<Incoming> {
    let o = object(v, at)?;
    let relationship = match o.get("relationship") {
        None => Relationship::default(),
        Some(r) => relationship(r, &field_path(at, "relationship"))?,
    };
    Ok(Incoming {
        kind: kind(field(o, at, "kind")?, &field_path(at, "kind"))?,
        name: string(o, at, "name")?,
        content_hash: hash(
            field(o, at, "content_hash")?,
            &field_path(at, "content_hash"),
        )?,
        relationship,
    })
}

fn snapshot_artifact(v: &Value, at: &str) -> Result<SnapshotArtifact> {
    let o = object(v, at)?;
    let hashes_at = field_path(at, "hashes");
    let mut hashes = Vec::new();
    for (i, h) in array(o, at, "hashes")?.iter().enumerate() {
        hashes.push(hash(h, &format!("{hashes_at}[{i}]"))?);
    }
    Ok(SnapshotArtifact {
        id: string(o, at, "id")?,
        kind: kind(field(o, at, "kind")?, &field_path(at, "kind"))?,
        name: string(o, at, "name")?,
        current_hash: hash(
            field(o, at, "current_hash")?,
            &field_path(at, "current_hash"),
        )?,
        hashes,
    })
}

fn field_path(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// What a JSON value is, for messages.
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

fn object<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>> {
    match v {
        Value::Object(o) => Ok(o),
        other => fail(
            at,
            format!("expected an object, found {}", type_name(other)),
        ),
    }
}

fn field<'v>(o: &'v Map<String, Value>, at: &str, key: &str) -> Result<&'v Value> {
    match o.get(key) {
        Some(v) => Ok(v),
        None => fail(at, format!("missing field `{key}`")),
    }
}

fn string(o: &Map<String, Value>, at: &str, key: &str) -> Result<String> {
    match field(o, at, key)? {
        Value::String(s) => Ok(s.clone()),
        other => fail(
            &field_path(at, key),
            format!("expected a string, found {}", type_name(other)),
        ),
    }
}

fn array<'v>(o: &'v Map<String, Value>, at: &str, key: &str) -> Result<&'v [Value]> {
    match field(o, at, key)? {
        Value::Array(a) => Ok(a),
        other => fail(
            &field_path(at, key),
            format!("expected an array, found {}", type_name(other)),
        ),
    }
}

fn str_value<'v>(v: &'v Value, at: &str) -> Result<&'v str> {
    match v {
        Value::String(s) => Ok(s),
        other => fail(at, format!("expected a string, found {}", type_name(other))),
    }
}

/// One of `names`, spelled exactly (as serde's derive reads it).
fn variant<T: Copy>(v: &Value, at: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Result<T> {
    let s = str_value(v, at)?;
    if let Some(found) = all.iter().copied().find(|&x| name(x) == s) {
        return Ok(found);
    }
    let mut message = format!("unknown variant `{s}`, expected one of ");
    for (i, &x) in all.iter().enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        message.push('`');
        message.push_str(name(x));
        message.push('`');
    }
    fail(at, message)
}

fn kind(v: &Value, at: &str) -> Result<ArtifactKind> {
    variant(v, at, &ArtifactKind::ALL, ArtifactKind::as_str)
}

fn relationship(v: &Value, at: &str) -> Result<Relationship> {
    let all = [
        Relationship::Member,
        Relationship::Required,
        Relationship::Optional,
    ];
    variant(v, at, &all, Relationship::as_str)
}

fn hash(v: &Value, at: &str) -> Result<ContentHash> {
    str_value(v, at)?
        .parse()
        .or_else(|e: skillmeat_core::hash::ParseHashError| fail(at, e.to_string()))
}

//! The artifact model: kinds, relationship types and the name key.

use crate::prelude::*;
use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    Skill,
    Command,
    Agent,
    Hook,
    McpServer,
    Composite,
}

impl ArtifactKind {
    /// The kinds a plugin can contain, in display order.
    pub const CHILDREN: [ArtifactKind; 5] = [
        ArtifactKind::Skill,
        ArtifactKind::Command,
        ArtifactKind::Agent,
        ArtifactKind::Hook,
        ArtifactKind::McpServer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Skill => "skill",
            ArtifactKind::Command => "command",
            ArtifactKind::Agent => "agent",
            ArtifactKind::Hook => "hook",
            ArtifactKind::McpServer => "mcp_server",
            ArtifactKind::Composite => "composite",
        }
    }

    /// Whether the artifact is one file (its hash is the file's SHA-256).
    pub fn is_single_file(self) -> bool {
        matches!(self, ArtifactKind::Command | ArtifactKind::Agent)
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ArtifactKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "skill" | "skills" => ArtifactKind::Skill,
            "command" | "commands" => ArtifactKind::Command,
            "agent" | "agents" | "subagent" => ArtifactKind::Agent,
            "hook" | "hooks" => ArtifactKind::Hook,
            "mcp_server" | "mcp" | "mcp-server" | "mcpserver" => ArtifactKind::McpServer,
            "composite" | "plugin" => ArtifactKind::Composite,
            other => return Err(format!("unknown artifact type {other:?}")),
        })
    }
}

/// How a child belongs to its plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Relationship {
    #[default]
    Member,
    Required,
    Optional,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Member => "MEMBER",
            Relationship::Required => "REQUIRED",
            Relationship::Optional => "OPTIONAL",
        }
    }
}

impl FromStr for Relationship {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "MEMBER" | "CONTAINS" => Relationship::Member,
            "REQUIRED" | "REQUIRES" => Relationship::Required,
            "OPTIONAL" => Relationship::Optional,
            other => {
                return Err(format!(
                    "unknown relationship {other:?} (expected MEMBER, REQUIRED or OPTIONAL)"
                ));
            }
        })
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one place names are normalised for identity (DESIGN.md §5): lower
/// case (each character's Unicode lower case, as [`char::to_lowercase`]),
/// trimmed, `_` and spaces to `-`, a trailing `.md` stripped.
pub fn name_key(name: &str) -> String {
    let mut lower = String::with_capacity(name.len());
    for c in name.trim().chars() {
        crate::lowercase::push_lower(&mut lower, c);
    }
    let stem = lower.strip_suffix(".md").unwrap_or(&lower);
    // A map, not `replace(['_', ' '], "-")`: std's multi-character replace
    // costs the browser package 1.9 KB.
    stem.trim()
        .chars()
        .map(|c| if c == '_' || c == ' ' { '-' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys() {
        for (name, key) in [
            ("code-review", "code-review"),
            ("Code_Review", "code-review"),
            ("  Code Review  ", "code-review"),
            ("commit.md", "commit"),
            ("Commit.MD", "commit"),
            ("git/commit.md", "git/commit"),
            ("Agent Development", "agent-development"),
            ("Über_Werkzeug.MD", "über-werkzeug"),
            // Each character on its own: no final-sigma rule.
            ("ΟΔΟΣ", "οδοσ"),
            ("İSTANBUL", "i\u{307}stanbul"),
        ] {
            assert_eq!(name_key(name), key, "{name}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in ArtifactKind::CHILDREN
            .into_iter()
            .chain([ArtifactKind::Composite])
        {
            assert_eq!(k.as_str().parse::<ArtifactKind>(), Ok(k));
            assert_eq!(
                serde_json::to_string(&k).ok(),
                Some(format!("\"{}\"", k.as_str()))
            );
        }
        assert_eq!(
            serde_json::to_string(&Relationship::Optional)
                .ok()
                .as_deref(),
            Some("\"OPTIONAL\"")
        );
    }
}

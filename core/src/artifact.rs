//! The artifact model: kinds, relationship types and the name key.

use crate::prelude::*;
use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::error::NameProblem;
use crate::kind::{KINDS, KindInfo, Shape};

/// What an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    Skill,
    Command,
    Agent,
    Hook,
    McpServer,
    LspServer,
    Composite,
}

impl ArtifactKind {
    /// The kinds a plugin can contain, in display order.
    pub const CHILDREN: [ArtifactKind; 6] = [
        ArtifactKind::Skill,
        ArtifactKind::Command,
        ArtifactKind::Agent,
        ArtifactKind::Hook,
        ArtifactKind::McpServer,
        ArtifactKind::LspServer,
    ];

    /// Every kind: the children, then the plugin.
    pub const ALL: [ArtifactKind; 7] = [
        ArtifactKind::Skill,
        ArtifactKind::Command,
        ArtifactKind::Agent,
        ArtifactKind::Hook,
        ArtifactKind::McpServer,
        ArtifactKind::LspServer,
        ArtifactKind::Composite,
    ];

    /// What is known about the kind ([`crate::kind::KINDS`]).
    pub fn info(self) -> &'static KindInfo {
        &KINDS[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// The kind in a sentence: `skill`, `MCP server`, `plugin` …
    pub fn noun(self) -> &'static str {
        self.info().noun
    }

    /// Whether the artifact is one file (its hash is the file's SHA-256).
    pub fn is_single_file(self) -> bool {
        self.info().shape == Shape::Markdown
    }

    /// Whether the artifact is one entry of a JSON map of servers (MCP,
    /// LSP), hashed as its canonical JSON.
    pub fn is_server(self) -> bool {
        self.info().server_file().is_some()
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
            "lsp_server" | "lsp" | "lsp-server" | "lspserver" => ArtifactKind::LspServer,
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

/// The longest name, in characters: Claude Desktop's limit for plugin
/// names. Claude Code allows skill names of at most 64 characters; the
/// longest name in the plugins skillmeat was tested on has 32.
pub const MAX_NAME_CHARS: usize = 128;

/// The longest name in UTF-8 bytes: a name becomes a file name with `.json`
/// or `.md` after it, and file systems hold at most 255 bytes in one.
pub const MAX_NAME_BYTES: usize = 250;

/// The one rule for names of plugins and their children (a name becomes a
/// folder or file name in the collection and in a project's `.claude/`).
///
/// A name must keep something once [`name_key`] drops spaces and a trailing
/// `.md`; it is not `.` or `..`; it has no control character or backslash,
/// at most [`MAX_NAME_CHARS`] characters and [`MAX_NAME_BYTES`] bytes.
/// Commands and agents found in subfolders are named by their path
/// (`git/commit`), so for them `/` separates parts, each of which follows
/// the same rules; any other name is one part, with no `/`.
pub fn check_name(kind: ArtifactKind, name: &str) -> Result<(), NameProblem> {
    if name_key(name).is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.chars().any(char::is_control) {
        return Err(NameProblem::ControlCharacter);
    }
    if name.contains('\\') {
        return Err(NameProblem::Backslash);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong { chars });
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(NameProblem::TooManyBytes { bytes: name.len() });
    }
    let nested = matches!(kind, ArtifactKind::Command | ArtifactKind::Agent);
    if !nested && name.contains('/') {
        return Err(NameProblem::Slash);
    }
    for part in name.split('/') {
        match part {
            "." | ".." => return Err(NameProblem::Dot),
            p if p.trim().is_empty() => return Err(NameProblem::EmptyPart),
            _ => {}
        }
    }
    Ok(())
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
    fn names_that_can_be_artifact_names() {
        use ArtifactKind::{Agent, Command, Composite, LspServer, McpServer, Skill};
        let long = "n".repeat(128);
        let nested = format!("{}/{}", "d".repeat(63), "c".repeat(64));
        for (kind, name) in [
            (Skill, "code-review"),
            (Skill, "Über Werkzeug"),
            (Skill, " padded "),
            (Skill, ".hidden"),
            (Command, "git/commit"),
            (Command, "notes.md"),
            (Agent, "a/b/c"),
            (McpServer, "server:1@x"),
            (LspServer, "rust-analyzer"),
            (Composite, long.as_str()),
            (Command, nested.as_str()),
        ] {
            assert_eq!(check_name(kind, name), Ok(()), "{kind} {name:?}");
        }
    }

    #[test]
    fn names_that_cannot() {
        use ArtifactKind::{Agent, Command, Composite, Hook, LspServer, McpServer, Skill};
        let too_long = "n".repeat(129);
        // 100 characters of 3 bytes each: short enough, but 300 bytes.
        let wide = "語".repeat(100);
        for (kind, name, problem) in [
            (Command, "", NameProblem::Empty),
            (Skill, "   ", NameProblem::Empty),
            (Agent, ".md", NameProblem::Empty),
            (McpServer, ".", NameProblem::Dot),
            (Skill, "..", NameProblem::Dot),
            (Command, "git/..", NameProblem::Dot),
            (Command, "git/", NameProblem::EmptyPart),
            (Agent, "a/ /b", NameProblem::EmptyPart),
            (Command, "/x", NameProblem::EmptyPart),
            (McpServer, "a/b", NameProblem::Slash),
            (LspServer, "a/b", NameProblem::Slash),
            (Skill, "a/b", NameProblem::Slash),
            (Hook, "a/b", NameProblem::Slash),
            (Composite, "a/b", NameProblem::Slash),
            (McpServer, "a\\b", NameProblem::Backslash),
            (Command, "a\tb", NameProblem::ControlCharacter),
            (McpServer, "a\u{0}", NameProblem::ControlCharacter),
            (
                Skill,
                too_long.as_str(),
                NameProblem::TooLong { chars: 129 },
            ),
            (
                McpServer,
                wide.as_str(),
                NameProblem::TooManyBytes { bytes: 300 },
            ),
        ] {
            assert_eq!(check_name(kind, name), Err(problem), "{kind} {name:?}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in ArtifactKind::ALL {
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

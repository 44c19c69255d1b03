//! What is known about each kind of artifact, in one table: its names, where
//! a plugin declares it and keeps it by default, the shape of its content
//! (which decides how it is hashed), where the collection stores it, and
//! where an unpacked deployment puts it. Discovery, the store, export and
//! deploy read this table rather than keep their own lists.

use crate::artifact::ArtifactKind;
use crate::prelude::*;

/// What a child's content is, which decides how it is hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A folder (a skill folder; the plugin itself): tree hash.
    Folder,
    /// One markdown file (command, agent): the file's SHA-256.
    Markdown,
    /// The plugin's hook configs and the files they run: tree hash over
    /// plugin-relative paths.
    HookConfig,
    /// One entry of a JSON map of servers: SHA-256 of its canonical JSON.
    Server(ServerFile),
}

/// How a file of servers is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerFile {
    /// The key a file may wrap its map of servers in (`.mcp.json`'s
    /// `{"mcpServers": {...}}`), and that an export writes; `None`: the
    /// file is the bare map (`.lsp.json`: Claude Code reads a top-level
    /// `lspServers` key as a server of that name).
    pub wrapper: Option<&'static str>,
}

/// Where an unpacked deployment puts an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpacked {
    /// Copied below `.claude/<folder>/`.
    Copied(&'static str),
    /// Merged into `.claude/settings.json`; its files go with the plugin's.
    Settings,
    /// Merged into the project's `.mcp.json`.
    McpJson,
    /// Claude Code reads it only from a plugin: an unpacked deployment
    /// leaves it out and says so.
    PluginOnly,
}

/// Everything skillmeat knows about one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub kind: ArtifactKind,
    /// The name on the wire, in the database and in `--type`.
    pub name: &'static str,
    /// The kind in a sentence: `skill`, `MCP server` …
    pub noun: &'static str,
    /// The plugin manifest's key for it (`None`: not declared there).
    pub manifest_key: Option<&'static str>,
    /// Where a plugin keeps it by default, and where an export puts a child
    /// with no recorded place: a folder (`skills`), a file (`.mcp.json`).
    pub default_location: &'static str,
    pub shape: Shape,
    /// The collection folder of current versions.
    pub store_dir: &'static str,
    pub unpacked: Unpacked,
}

const MCP_FILE: ServerFile = ServerFile {
    wrapper: Some("mcpServers"),
};
const LSP_FILE: ServerFile = ServerFile { wrapper: None };

/// The table, children in display order, then the plugin.
pub static KINDS: [KindInfo; 7] = [
    KindInfo {
        kind: ArtifactKind::Skill,
        name: "skill",
        noun: "skill",
        manifest_key: Some("skills"),
        default_location: "skills",
        shape: Shape::Folder,
        store_dir: "artifacts/skills",
        unpacked: Unpacked::Copied("skills"),
    },
    KindInfo {
        kind: ArtifactKind::Command,
        name: "command",
        noun: "command",
        manifest_key: Some("commands"),
        default_location: "commands",
        shape: Shape::Markdown,
        store_dir: "artifacts/commands",
        unpacked: Unpacked::Copied("commands"),
    },
    KindInfo {
        kind: ArtifactKind::Agent,
        name: "agent",
        noun: "agent",
        manifest_key: Some("agents"),
        default_location: "agents",
        shape: Shape::Markdown,
        store_dir: "artifacts/agents",
        unpacked: Unpacked::Copied("agents"),
    },
    KindInfo {
        kind: ArtifactKind::Hook,
        name: "hook",
        noun: "hook",
        manifest_key: Some("hooks"),
        default_location: "hooks/hooks.json",
        shape: Shape::HookConfig,
        store_dir: "artifacts/hooks",
        unpacked: Unpacked::Settings,
    },
    KindInfo {
        kind: ArtifactKind::McpServer,
        name: "mcp_server",
        noun: "MCP server",
        manifest_key: Some("mcpServers"),
        default_location: ".mcp.json",
        shape: Shape::Server(MCP_FILE),
        store_dir: "artifacts/mcp_servers",
        unpacked: Unpacked::McpJson,
    },
    KindInfo {
        kind: ArtifactKind::LspServer,
        name: "lsp_server",
        noun: "LSP server",
        manifest_key: Some("lspServers"),
        default_location: ".lsp.json",
        shape: Shape::Server(LSP_FILE),
        store_dir: "artifacts/lsp_servers",
        unpacked: Unpacked::PluginOnly,
    },
    KindInfo {
        kind: ArtifactKind::Composite,
        name: "composite",
        noun: "plugin",
        manifest_key: None,
        default_location: "",
        shape: Shape::Folder,
        store_dir: "plugins",
        unpacked: Unpacked::PluginOnly,
    },
];

impl KindInfo {
    /// Where a child of this kind named `name` goes in a plugin when it has
    /// no recorded place: `skills/<n>`, `commands/<n>.md`, `.mcp.json` …
    pub fn standard_path(&self, name: &str) -> String {
        match self.shape {
            Shape::Folder if self.kind == ArtifactKind::Composite => String::new(),
            Shape::Folder => format!("{}/{name}", self.default_location),
            Shape::Markdown => format!("{}/{name}.md", self.default_location),
            Shape::HookConfig | Shape::Server(_) => self.default_location.into(),
        }
    }

    /// For a server kind, how its files are written.
    pub fn server_file(&self) -> Option<ServerFile> {
        match self.shape {
            Shape::Server(file) => Some(file),
            _ => None,
        }
    }
}

/// The server kinds (one child per entry of a JSON map of servers).
pub fn server_kinds() -> impl Iterator<Item = &'static KindInfo> {
    KINDS.iter().filter(|k| k.server_file().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table has one row per kind, each at the kind's own index, so
    /// `ArtifactKind::info` finds it without a search.
    #[test]
    fn one_row_per_kind() {
        for (i, row) in KINDS.iter().enumerate() {
            assert_eq!(row.kind as usize, i, "{}", row.name);
            assert!(core::ptr::eq(row.kind.info(), row));
        }
    }

    #[test]
    fn standard_paths() {
        for (kind, path) in [
            (ArtifactKind::Skill, "skills/x"),
            (ArtifactKind::Command, "commands/x.md"),
            (ArtifactKind::Agent, "agents/x.md"),
            (ArtifactKind::Hook, "hooks/hooks.json"),
            (ArtifactKind::McpServer, ".mcp.json"),
            (ArtifactKind::LspServer, ".lsp.json"),
            (ArtifactKind::Composite, ""),
        ] {
            assert_eq!(kind.info().standard_path("x"), path, "{kind}");
        }
    }

    #[test]
    fn servers_are_mcp_and_lsp() {
        let names: Vec<&str> = server_kinds().map(|k| k.name).collect();
        assert_eq!(names, ["mcp_server", "lsp_server"]);
        assert_eq!(
            ArtifactKind::McpServer.info().server_file(),
            Some(ServerFile {
                wrapper: Some("mcpServers")
            })
        );
        assert_eq!(
            ArtifactKind::LspServer.info().server_file(),
            Some(ServerFile { wrapper: None })
        );
    }
}

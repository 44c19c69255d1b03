//! Transfer types: what the operations take and give, as a client sees
//! them — the desktop app's commands, the HTTP API (`serve`, with utoipa's
//! `ToSchema` for its OpenAPI description), and the CLI's
//! `--json` (through small printing adapters where its documented shape
//! differs). Separate from the engine's domain types, which may change
//! shape without breaking a client. They build without the `app` feature;
//! with feature `ts`, `ui/src/generated/types.ts` is generated from them
//! (`app::types`).
//!
//! By subject: [`collection`] (list, show, associations, files, export,
//! verify), [`import`] (sources, preview, import), [`deploy`] (deploy,
//! undeploy, status), [`lifecycle`] (remove, use), [`updates`] (outdated,
//! update), [`upload`] (the hash-first
//! import over HTTP), [`http`] (the HTTP API's own shapes of an artifact
//! and the server); all re-exported here.
//!
//! Requests are named `…Args` and deserialise from JSON (a command's
//! `args`, an HTTP body or query); an artifact is named by its id, its name
//! or `type:name` (`skill:brainstorming`), which the operations resolve.

use serde::{Deserialize, Serialize};
use skillmeat_core::ArtifactKind;
use skillmeat_core::artifact::Relationship;
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

mod collection;
mod deploy;
mod http;
mod import;
mod lifecycle;
mod updates;
mod upload;

pub use collection::*;
pub use deploy::*;
pub use http::*;
pub use import::*;
pub use lifecycle::*;
pub use updates::*;
pub use upload::*;

use crate::error::Error;
pub use crate::error::ErrorCode;

/// The one error every face sends a client: `{code, message}`. The client
/// switches on `code`; `message` is for people. An internal error's details
/// (SQL text, paths inside the collection) are logged, never sent: this is
/// the one place that decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[error("{code:?}: {message}")]
pub struct PublicError {
    pub code: ErrorCode,
    pub message: String,
}

/// What a client is told of an internal error.
pub const INTERNAL_MESSAGE: &str =
    "internal error; the details are in the log (SKILLMEAT_LOG=error)";

impl PublicError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> PublicError {
        PublicError {
            code,
            message: message.into(),
        }
    }
}

impl From<Error> for PublicError {
    fn from(e: Error) -> PublicError {
        let code = e.code();
        PublicError::new(code, public_message(code, &e))
    }
}

/// `message` as a client may see it: an internal error's is logged and
/// replaced by [`INTERNAL_MESSAGE`].
pub fn public_message(code: ErrorCode, message: &dyn std::fmt::Display) -> String {
    match code {
        ErrorCode::Internal => {
            tracing::error!(error = %message, "operation failed");
            INTERNAL_MESSAGE.to_owned()
        }
        _ => message.to_string(),
    }
}

/// The kinds of artifact; `composite` is a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Composite,
    Skill,
    Command,
    Agent,
    Hook,
    McpServer,
    LspServer,
}

impl From<ArtifactKind> for Kind {
    fn from(k: ArtifactKind) -> Kind {
        match k {
            ArtifactKind::Composite => Kind::Composite,
            ArtifactKind::Skill => Kind::Skill,
            ArtifactKind::Command => Kind::Command,
            ArtifactKind::Agent => Kind::Agent,
            ArtifactKind::Hook => Kind::Hook,
            ArtifactKind::McpServer => Kind::McpServer,
            ArtifactKind::LspServer => Kind::LspServer,
        }
    }
}

impl Kind {
    pub fn engine(self) -> ArtifactKind {
        match self {
            Kind::Composite => ArtifactKind::Composite,
            Kind::Skill => ArtifactKind::Skill,
            Kind::Command => ArtifactKind::Command,
            Kind::Agent => ArtifactKind::Agent,
            Kind::Hook => ArtifactKind::Hook,
            Kind::McpServer => ArtifactKind::McpServer,
            Kind::LspServer => ArtifactKind::LspServer,
        }
    }

    /// `skill`, `mcp_server` …, as on the wire.
    pub fn as_str(self) -> &'static str {
        self.engine().as_str()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a child belongs to its plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "UPPERCASE")]
pub enum Membership {
    Member,
    Required,
    Optional,
}

impl From<Relationship> for Membership {
    fn from(r: Relationship) -> Membership {
        match r {
            Relationship::Member => Membership::Member,
            Relationship::Required => Membership::Required,
            Relationship::Optional => Membership::Optional,
        }
    }
}

impl Membership {
    pub fn engine(self) -> Relationship {
        match self {
            Membership::Member => Relationship::Member,
            Membership::Required => Relationship::Required,
            Membership::Optional => Relationship::Optional,
        }
    }

    /// A relationship read from the database.
    pub fn parse(s: &str) -> Result<Membership, Error> {
        Ok(s.parse::<Relationship>().map_err(Error::Internal)?.into())
    }
}

impl std::fmt::Display for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.engine().as_str())
    }
}

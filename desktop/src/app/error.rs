//! The one error every command returns: `{code, message}`. The UI switches
//! on `code`; `message` is for people. Internal details (SQL text, I/O
//! errors inside the collection) are logged, never sent.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No such artifact, file or folder.
    NotFound,
    /// The input is at fault (a bad manifest, a refused bundle, an
    /// unsupported platform …): the message says what to change.
    BadInput,
    /// The operation would overwrite something (a file not written by
    /// skillmeat): retry with `force`.
    Conflict,
    /// Our fault; details are in the log.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::BadInput, message)
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> AppError {
        match &e {
            Error::NotFound(_) | Error::UnknownArtifact { .. } => {
                AppError::new(ErrorCode::NotFound, e.to_string())
            }
            Error::DeployConflict { .. } | Error::Locked { .. } => {
                AppError::new(ErrorCode::Conflict, e.to_string())
            }
            Error::Internal(_) | Error::Database(_) | Error::Migration(_) | Error::Io { .. } => {
                tracing::error!(error = %e, "command failed");
                AppError::new(
                    ErrorCode::Internal,
                    "internal error; the details are in the log (SKILLMEAT_LOG=error)",
                )
            }
            _ => AppError::bad_input(e.to_string()),
        }
    }
}

//! The one error every command returns: `{code, message}`. The UI switches
//! on `code`; `message` is for people. Internal details (SQL text, I/O
//! errors inside the collection) are logged, never sent.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::Error;
pub use crate::error::ErrorCode;

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
        match e.code() {
            ErrorCode::Internal => {
                tracing::error!(error = %e, "command failed");
                AppError::new(
                    ErrorCode::Internal,
                    "internal error; the details are in the log (SKILLMEAT_LOG=error)",
                )
            }
            code => AppError::new(code, e.to_string()),
        }
    }
}

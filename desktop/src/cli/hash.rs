//! `skillmeat hash PATH... [--json]`

use std::path::PathBuf;

use super::{emit, report, to_json};
use crate::error::Error;
use crate::ops;

pub(super) fn run(paths: &[PathBuf], json: bool) -> Result<i32, Error> {
    let mut code = 0;
    let mut hashed = Vec::with_capacity(paths.len());
    for path in paths {
        match ops::hash(path) {
            Ok(h) => {
                if !json {
                    emit(&format!("{}  {}\n", h.content_hash, h.path))?;
                }
                hashed.push(h);
            }
            Err(e) => code = code.max(report(&e)),
        }
    }
    if json {
        emit(&to_json(&hashed)?)?;
    }
    Ok(code)
}

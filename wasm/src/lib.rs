//! `skillmeat-wasm`: thin wasm-bindgen bindings over `skillmeat-core`, so the
//! UI hashes the user's files in the page exactly as the engine does.
//!
//! It is not a second implementation: every function here converts its
//! arguments, calls `skillmeat-core`, and converts errors to JS `Error`s.

use wasm_bindgen::prelude::*;

/// SHA-256 of a file's bytes, as 64 lowercase hex characters.
#[wasm_bindgen(js_name = hashFile)]
pub fn hash_file(bytes: &[u8]) -> String {
    skillmeat_core::hash::hash_bytes(bytes).to_hex()
}

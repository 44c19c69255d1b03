//! `skillmeat-wasm`: thin wasm-bindgen bindings over `skillmeat-core`, so the
//! UI hashes the user's files in the page exactly as the engine does, runs
//! the same plugin discovery as `skillmeat inspect`, and shows the import
//! preview of `skillmeat preview` against a snapshot of the collection index.
//!
//! It is not a second implementation: every function here converts its
//! arguments, calls `skillmeat-core`, and converts errors to JS `Error`s
//! carrying core's message. Structured results cross the boundary as the
//! exact JSON the CLI prints (`serde_json`, then `JSON.parse`), so the page
//! and `--json` never disagree on shape (`null`s included).
//!
//! Build with `make wasm` (see README, "WebAssembly"): that package is
//! built without the default `std` feature, so it links no std at all (the
//! crate is `no_std` + alloc, as `skillmeat-core` is) and a panic traps.

#![no_std]

extern crate alloc;

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt::Display;

use skillmeat_core::discovery::{self, Listing, ReadProblem};
use skillmeat_core::hash::{self, ContentHash};
use skillmeat_core::plan::{self, ConflictPolicy, Preview};
use skillmeat_core::report::InspectReport;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

mod args;
mod js;

use js::{Array, Map, Uint8Array};
pub use js::{Function, JsString};

// Talc instead of std's dlmalloc: about 7 KB smaller in the package, and
// made for single-threaded wasm (the package is built without atomics).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// Without std (`make wasm`), a panic traps at once: wasm32-unknown-unknown
// has nowhere to print a message, and formatting one would cost the package
// every panic message and location. With std (tests), std handles panics.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** 64 lowercase hex characters of SHA-256. */
export type ContentHash = string;
export type ArtifactKind = "skill" | "command" | "agent" | "hook" | "mcp_server" | "lsp_server" | "composite";
export type Relationship = "MEMBER" | "REQUIRED" | "OPTIONAL";
export type Detection = "manifest" | "legacy-manifest" | "heuristic";
/** What to do when a child's name exists with different content. */
export type ConflictPolicy = "new-version" | "keep" | "fork";

/** Reads a small file of the listing (manifests, frontmatter, hooks.json, .mcp.json, .lsp.json). */
export type ReadSmall = (path: string) => Uint8Array | undefined | null;

/** One child, as in `skillmeat inspect --json`. */
export interface ChildReport {
  kind: ArtifactKind;
  name: string;
  /** Relative to the plugin root. */
  path: string;
  relationship: Relationship;
  content_hash: ContentHash;
  description: string | null;
  /** A hook's events, as Claude Code reads them (sorted); absent for other kinds. */
  events?: string[];
}

/** One plugin, as in `skillmeat inspect --json`. */
export interface PluginReport {
  name: string;
  /** Relative to the listing root; "." for the root itself. */
  root: string;
  detection: Detection;
  confidence: number;
  version: string | null;
  description: string | null;
  content_hash: ContentHash;
  files: number;
  children: ChildReport[];
  warnings: string[];
  /** Whether Claude Code loads the plugin; `load_errors` say why not. */
  loads_in_claude_code: boolean;
  load_errors: string[];
  /** What `claude plugin validate` calls an error although the plugin loads. */
  validation_errors: string[];
}

/** Exactly the JSON of `skillmeat inspect --json`. */
export interface InspectReport {
  plugins: PluginReport[];
  /** Present when the root is a marketplace: its name. */
  marketplace?: string;
  warnings: string[];
}

/** What `planImport` needs of a plugin: any element of `discover().plugins` fits. */
export interface PlanPlugin {
  name: string;
  children: Array<{
    kind: ArtifactKind;
    name: string;
    content_hash: ContentHash;
    relationship?: Relationship;
  }>;
}

/** One artifact of a collection index snapshot. */
export interface SnapshotArtifact {
  id: string;
  kind: ArtifactKind;
  name: string;
  current_hash: ContentHash;
  /** Every version's hash, current included. */
  hashes: ContentHash[];
}

/** A snapshot of a collection's index. */
export interface IndexSnapshot {
  artifacts: SnapshotArtifact[];
}

export interface PreviewChild {
  kind: ArtifactKind;
  name: string;
  content_hash: ContentHash;
  /** The existing artifact's current hash (conflicts and links), else null. */
  current_hash: ContentHash | null;
}

export interface Buckets {
  new: PreviewChild[];
  existing: PreviewChild[];
  conflict: PreviewChild[];
}

/** One element of `plugins` in `skillmeat preview --json`. */
export interface Preview {
  name: string;
  buckets: Buckets;
}

/**
 * The import preview of one plugin against a snapshot of the collection
 * index: one element of `plugins` in `skillmeat preview --json`. Each child
 * goes to `new`, `existing` or `conflict`; `policy` defaults to
 * `"new-version"`. The incoming hashes are the children's `content_hash`
 * (from `discover`). Throws an `Error` on a malformed plugin, index or policy.
 */
export function planImport(plugin: PlanPlugin, index: IndexSnapshot, policy?: ConflictPolicy | null): Preview;
"#;

/// A JS `Error` carrying `e`'s message.
fn js_error(e: impl Display) -> JsError {
    JsError::new(&e.to_string())
}

/// A path argument as a Rust string. A JS string holding a lone surrogate
/// has no UTF-8 form (no file system name can be such a string), so it is an
/// error rather than being silently replaced with U+FFFD.
fn path_arg(what: &str, path: &JsString) -> Result<String, JsError> {
    js::utf8(path).ok_or_else(|| {
        let lossy = AsRef::<JsValue>::as_ref(path).as_string().unwrap_or_default();
        JsError::new(&format!(
            "{what}: {lossy:?} is not valid Unicode (it holds a lone UTF-16 surrogate), so it cannot be a UTF-8 path"
        ))
    })
}

/// SHA-256 of a file's bytes, as 64 lowercase hex characters.
#[wasm_bindgen(js_name = hashFile)]
pub fn hash_file(bytes: &[u8]) -> String {
    hash::hash_bytes(bytes).to_hex()
}

/// Incremental SHA-256 of one file, fed in chunks of any size
/// (`File.stream()`), so memory stays bounded.
#[wasm_bindgen]
#[derive(Debug)]
pub struct FileHasher {
    inner: Option<hash::FileHasher>,
}

impl Default for FileHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl FileHasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> FileHasher {
        FileHasher {
            inner: Some(hash::FileHasher::new()),
        }
    }

    /// Feeds the next chunk.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.live()?.update(chunk);
        Ok(())
    }

    /// The file's hash (64 hex). The hasher cannot be used afterwards.
    pub fn finish(&mut self) -> Result<String, JsError> {
        let inner = self.inner.take().ok_or_else(Self::finished)?;
        Ok(inner.finish().to_hex())
    }

    fn live(&mut self) -> Result<&mut hash::FileHasher, JsError> {
        self.inner.as_mut().ok_or_else(Self::finished)
    }

    fn finished() -> JsError {
        JsError::new("FileHasher: finish() was already called; create a new FileHasher")
    }
}

/// The streaming directory hasher of `skillmeat hash` (DESIGN.md §3).
///
/// Feed every file below the root once, in any order, with its path relative
/// to the root (`/`-separated): whole (`addFile`), already digested
/// (`addDigest`), or in chunks (`beginFile`, `update`…, `finishFile`).
/// Excluded paths (`.git/`, `node_modules/`, `*.swp` …) are accepted and
/// ignored, exactly as natively; those calls return `false`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct TreeHasher {
    inner: Option<hash::TreeHasher>,
    files: u32,
}

impl Default for TreeHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl TreeHasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> TreeHasher {
        TreeHasher {
            inner: Some(hash::TreeHasher::new()),
            files: 0,
        }
    }

    /// Adds a whole file. Returns whether it counts (`false`: excluded).
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(&mut self, path: JsString, bytes: &[u8]) -> Result<bool, JsError> {
        let path = path_arg("TreeHasher.addFile", &path)?;
        let counted = self.live()?.add_file(&path, bytes).map_err(js_error)?;
        self.count(counted)
    }

    /// Adds a file whose SHA-256 (64 hex) the page already computed, e.g.
    /// with `FileHasher`. Returns whether it counts.
    #[wasm_bindgen(js_name = addDigest)]
    pub fn add_digest(&mut self, path: JsString, sha256_hex: &str) -> Result<bool, JsError> {
        let path = path_arg("TreeHasher.addDigest", &path)?;
        let digest: ContentHash = sha256_hex
            .parse()
            .map_err(|e| JsError::new(&format!("TreeHasher.addDigest: {e}")))?;
        let counted = self.live()?.add_digest(&path, digest).map_err(js_error)?;
        self.count(counted)
    }

    /// Starts a file fed in chunks. Returns whether it counts.
    #[wasm_bindgen(js_name = beginFile)]
    pub fn begin_file(&mut self, path: JsString) -> Result<bool, JsError> {
        let path = path_arg("TreeHasher.beginFile", &path)?;
        let counted = self.live()?.begin_file(&path).map_err(js_error)?;
        self.count(counted)
    }

    /// Feeds the next chunk of the open file.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.live()?.update(chunk).map_err(js_error)
    }

    /// Closes the open file.
    #[wasm_bindgen(js_name = finishFile)]
    pub fn finish_file(&mut self) -> Result<(), JsError> {
        self.live()?.finish_file().map_err(js_error)
    }

    /// The tree hash (64 hex). Fails if a file is still open or a path came
    /// twice. The hasher cannot be used afterwards.
    pub fn finish(&mut self) -> Result<String, JsError> {
        let inner = self.inner.take().ok_or_else(Self::finished)?;
        Ok(inner.finish().map_err(js_error)?.content_hash.to_hex())
    }

    /// How many files count so far (excluded ones do not).
    #[wasm_bindgen(getter)]
    pub fn files(&self) -> u32 {
        self.files
    }

    fn live(&mut self) -> Result<&mut hash::TreeHasher, JsError> {
        self.inner.as_mut().ok_or_else(Self::finished)
    }

    fn count(&mut self, counted: bool) -> Result<bool, JsError> {
        if counted {
            self.files = self.files.checked_add(1).ok_or_else(|| {
                JsError::new("TreeHasher: more than 4,294,967,295 files in one tree")
            })?;
        }
        Ok(counted)
    }

    fn finished() -> JsError {
        JsError::new("TreeHasher: finish() was already called; create a new TreeHasher")
    }
}

/// The SHA-256 of every file, by path relative to the listing root.
/// Sorted by path (JS keys are unique), for `binary_search`.
fn digest_map(digests: &JsValue) -> Result<Vec<(String, ContentHash)>, JsError> {
    let entries: Array = if let Some(map) = digests.dyn_ref::<Map>() {
        Array::map_entries(map)
    } else if digests.is_object() {
        js::object_entries(digests)
    } else {
        return Err(JsError::new(
            "discover: digests must be an object (or Map) of path -> SHA-256 hex",
        ));
    };
    let mut out = Vec::with_capacity(entries.length() as usize);
    for i in 0..entries.length() {
        let pair: Array = entries.get(i).unchecked_into();
        let key = pair.get(0);
        let path = key
            .dyn_ref::<JsString>()
            .ok_or_else(|| JsError::new("discover: digests: every key must be a path string"))
            .and_then(|p| path_arg("discover: digests", p))?;
        let hex = pair.get(1).as_string().ok_or_else(|| {
            JsError::new(&format!(
                "discover: digests[{path:?}] must be a SHA-256 hex string"
            ))
        })?;
        let digest: ContentHash = hex
            .parse()
            .map_err(|e| JsError::new(&format!("discover: digests[{path:?}]: {e}")))?;
        out.push((path, digest));
    }
    skillmeat_core::order::sort_by_str(&mut out, |(path, _)| path.as_str());
    Ok(out)
}

/// Plugin discovery and hashing over a file listing: exactly the JSON of
/// `skillmeat inspect --json` (an `InspectReport`).
///
/// `paths` lists every file below the root the user picked, relative to it
/// (`/`-separated; excluded ones may be included, they are dropped);
/// `readSmall(path)` returns the bytes of a small file (manifests, markdown
/// frontmatter, `hooks.json`, `.mcp.json`) or `undefined` (bytes of a file
/// over 8 MiB are reported as too large, as the CLI does); `digests` maps
/// every path to its SHA-256 hex (`FileHasher`); `rootName` is the name of
/// the picked folder (a plugin without a manifest is named after it;
/// default `"plugin"`). Unlike the CLI, a listing with no plugin is not an
/// error: `plugins` is empty and `warnings` says why. An exception thrown by
/// `readSmall` is rethrown as it is.
#[wasm_bindgen(unchecked_return_type = "InspectReport")]
pub fn discover(
    #[wasm_bindgen(unchecked_param_type = "string[]")] paths: Vec<JsValue>,
    // Owned, not borrowed: a borrowed JS value goes through wasm-bindgen's
    // externref stack, whose `table.fill` Debian's wasm-opt cannot parse.
    #[wasm_bindgen(js_name = "readSmall", unchecked_param_type = "ReadSmall")] read_small: Function,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string> | Map<string, string>")]
    digests: JsValue,
    #[wasm_bindgen(js_name = "rootName")] root_name: Option<String>,
) -> Result<JsValue, JsValue> {
    let mut files = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter().enumerate() {
        let s = p
            .dyn_ref::<JsString>()
            .ok_or_else(|| JsError::new(&format!("discover: paths[{i}] is not a string")))?;
        files.push(path_arg("discover: paths", s)?);
    }
    let listing = Listing::new(&files).map_err(js_error)?;
    let digests = digest_map(&digests)?;

    // The first exception (or bad return value) of readSmall, rethrown after
    // discovery: core's reader can only say "no bytes".
    let failure: RefCell<Option<JsValue>> = RefCell::new(None);
    let read = |path: &str| -> Result<Vec<u8>, ReadProblem> {
        if failure.borrow().is_some() {
            return Err(ReadProblem::Failed);
        }
        match read_small.call1(&JsValue::UNDEFINED, &JsValue::from_str(path)) {
            Err(thrown) => {
                *failure.borrow_mut() = Some(thrown);
                Err(ReadProblem::Failed)
            }
            Ok(v) if v.is_undefined() || v.is_null() => Err(ReadProblem::Failed),
            Ok(v) => match v.dyn_into::<Uint8Array>() {
                Ok(bytes) => Ok(bytes.to_vec()),
                Err(_) => {
                    *failure.borrow_mut() = Some(
                        JsError::new(&format!(
                            "discover: readSmall({path:?}) returned neither a Uint8Array nor undefined"
                        ))
                        .into(),
                    );
                    Err(ReadProblem::Failed)
                }
            },
        }
    };
    let root_name = root_name.unwrap_or_else(|| "plugin".to_owned());
    let found = discovery::discover(&listing, &root_name, &read);
    if let Some(thrown) = failure.take() {
        return Err(thrown);
    }
    let found = found.map_err(js_error)?;
    let digest = |p: &skillmeat_core::SafeRelPath| {
        let i = digests
            .binary_search_by(|(path, _)| path.as_str().cmp(p.as_str()))
            .ok()?;
        Some(digests[i].1)
    };
    let report = InspectReport::build(&found, &digest).map_err(js_error)?;
    to_js(&report)
}

/// A value as the CLI prints it, parsed by the page's own `JSON.parse`.
fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // Writing these reports cannot fail (string keys only); serde_json's
    // own error messages would cost the package their text for nothing.
    let text = serde_json::to_string(value)
        .map_err(|_| JsError::new("internal error: the result could not be written as JSON"))?;
    js::json_parse(&text)
}

/// A `planImport` argument read through `JSON.stringify` (see `args`).
fn from_js<T>(
    what: &str,
    value: &JsValue,
    read: impl FnOnce(&serde_json::Value) -> Result<T, args::ArgError>,
) -> Result<T, JsError> {
    let not_object = || JsError::new(&format!("planImport: {what} must be a JSON object"));
    let text = js::json_stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(not_object)?;
    let parsed = skillmeat_core::json::parse(text.as_bytes())
        .map_err(|e| JsError::new(&format!("planImport: {what}: {e}")))?;
    if !parsed.is_object() {
        return Err(not_object());
    }
    read(&parsed).map_err(|e| JsError::new(&format!("planImport: {what}: {e}")))
}

/// The import preview of one plugin against a snapshot of the collection
/// index: one element of `plugins` in `skillmeat preview --json`. Each child
/// goes to `new`, `existing` or `conflict` (DESIGN.md §5); `policy` is
/// `"new-version"` (default), `"keep"` or `"fork"`. The incoming hashes are
/// the children's `content_hash` (from `discover`).
///
/// Its TypeScript declaration is written out in `TS_TYPES` (wasm-bindgen
/// would make `policy` a required parameter once its type is overridden).
#[wasm_bindgen(js_name = planImport, skip_typescript)]
pub fn plan_import(
    plugin: JsValue,
    index: JsValue,
    policy: Option<String>,
) -> Result<JsValue, JsValue> {
    let plugin = from_js("plugin", &plugin, args::plan_plugin)?;
    let index = from_js("index", &index, args::index_snapshot)?;
    let policy: ConflictPolicy = match policy {
        Some(p) => p
            .parse()
            .map_err(|e: String| JsError::new(&format!("planImport: {e}")))?,
        None => ConflictPolicy::default(),
    };
    let planned = plan::plan_import(&index.index(), &plugin.name, &plugin.children, policy);
    to_js(&Preview::from(&planned))
}

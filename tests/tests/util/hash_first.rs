//! The hash-first import's steps (DESIGN.md §12) as the page takes them,
//! against a real server: the file list, the missing blobs, uploads one by
//! one or in a batch, the import polled to its end.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use skillmeat_core::hash::hash_bytes;

use super::server::Server;

/// The hash-first import's steps, as the page takes them.
impl Server {
    /// The hashes of `files` the server says it lacks.
    pub fn missing(&self, files: &[Value]) -> Vec<String> {
        let hashes: Vec<&Value> = files.iter().map(|f| &f["sha256"]).collect();
        let (status, body) = self.post_json("/api/v1/blobs/missing", &json!({ "sha256": hashes }));
        assert_eq!(status, StatusCode::OK, "{body}");
        strings(&body["missing"])
    }

    /// Uploads the files of `root` whose blobs the server lacks; returns
    /// the hashes uploaded.
    pub fn upload_missing(&self, root: &Path, files: &[Value]) -> Vec<String> {
        let missing = self.missing(files);
        for hash in &missing {
            let f = files
                .iter()
                .find(|f| f["sha256"] == hash.as_str())
                .expect("a file of that hash");
            let bytes = std::fs::read(root.join(f["path"].as_str().expect("path"))).expect("read");
            let (status, body) = self.put_blob(hash, bytes);
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["sha256"], hash.as_str());
        }
        missing
    }

    /// `POST /api/v1/blobs`: a batch of blobs in one body.
    pub fn put_blobs(&self, body: Vec<u8>) -> (StatusCode, Value) {
        self.send(
            self.client
                .post(self.url("/api/v1/blobs"))
                .bearer_auth(&self.token)
                .body(body),
        )
    }

    /// Starts the import of `files` (202) and polls it to its end.
    pub fn import(&self, files: &[Value], root_name: &str) -> (Value, Value) {
        let (status, started) = self.post_json(
            "/api/v1/artifacts/import/composite",
            &json!({ "files": files, "root_name": root_name }),
        );
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        let job = self.poll(started["transaction_id"].as_str().expect("an id"));
        (started, job)
    }

    pub fn poll(&self, id: &str) -> Value {
        let start = Instant::now();
        loop {
            let (status, job) = self.json(&format!("/api/v1/imports/{id}"));
            assert_eq!(status, StatusCode::OK, "{job}");
            if job["status"] != "in_progress" {
                return job;
            }
            assert!(start.elapsed() < Duration::from_secs(120), "{job}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

/// Every file below `root` as the page would send it: path, SHA-256, size,
/// executable bit.
pub fn file_list(root: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.expect("walking");
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read");
        let rel = entry.path().strip_prefix(root).expect("below the root");
        let mode = entry.metadata().expect("metadata").permissions().mode();
        out.push(json!({
            "path": rel.to_str().expect("UTF-8"),
            "sha256": hash_bytes(&bytes).to_hex(),
            "size": bytes.len(),
            "executable": mode & 0o111 != 0,
        }));
    }
    out
}

/// A batch body: per blob `SHA256 SIZE\n` then its bytes.
pub fn batch(blobs: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (sha256, bytes) in blobs {
        body.extend_from_slice(format!("{sha256} {}\n", bytes.len()).as_bytes());
        body.extend_from_slice(bytes);
    }
    body
}

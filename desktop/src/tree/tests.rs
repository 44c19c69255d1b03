//! The native reader on real temp directories: a tree on disk in, a hash or
//! a precise error out.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use tempfile::TempDir;

use super::*;

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).expect("creating the fixture's folder");
    }
    fs::write(p, content).expect("writing the fixture file");
}

fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().expect("a temp dir");
    for (rel, content) in files {
        write(dir.path(), rel, content);
    }
    dir
}

fn hash_of(path: &Path) -> String {
    match hash_path(path) {
        Ok(h) => h.content_hash.to_hex(),
        Err(e) => panic!("hashing {}: {e}", path.display()),
    }
}

const NESTED: &[(&str, &str)] = &[("a/b/c.txt", "c\n"), ("a/d.txt", "d\n"), ("e.md", "e\n")];
const NESTED_HASH: &str = "dcb7cb55895e9483db156dff7e6f0b287db77fa083abb113e3a90ec10c3b5fc9";

#[test]
fn golden_tree_from_disk_with_excluded_names_at_every_depth() {
    let mut files = NESTED.to_vec();
    files.extend([
        (".git/HEAD", "ref: x"),
        ("a/node_modules/pkg/index.js", "x"),
        ("a/b/__pycache__/m.cpython-311.pyc", "x"),
        ("a/.DS_Store", "x"),
        ("a/b/c.txt.swp", "x"),
        ("build/out", "x"),
        ("x/dist/y", "x"),
        ("~$lock.docx", "x"),
        (".#emacs", "x"),
        ("notes~", "x"),
    ]);
    let dir = tree(&files);
    let h = hash_path(dir.path()).ok();
    assert_eq!(
        h.as_ref().map(|h| h.content_hash.to_hex()),
        Some(NESTED_HASH.to_owned())
    );
    assert_eq!(h.map(|h| (h.kind, h.files)), Some((TreeKind::Directory, 3)));
}

#[test]
fn empty_dir_and_single_file() {
    let dir = tree(&[]);
    assert_eq!(
        hash_of(dir.path()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let dir = tree(&[("hello.md", "hello\n")]);
    let h = hash_path(&dir.path().join("hello.md")).ok();
    assert_eq!(
        h.map(|h| (h.content_hash.to_hex(), h.kind, h.files)),
        Some((
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03".to_owned(),
            TreeKind::File,
            1
        ))
    );
}

#[test]
fn large_file_in_many_chunks() {
    let dir = tree(&[]);
    let big: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
    fs::write(dir.path().join("big.bin"), &big).expect("writing big.bin");
    let got = hash_file(&dir.path().join("big.bin")).ok();
    assert_eq!(got, Some(skillmeat_core::hash::hash_bytes(&big)));
}

#[test]
fn symlink_inside_is_hashed_as_its_target() {
    let linked = tree(&[("a.md", "same\n"), ("dir/x.md", "x\n")]);
    symlink("a.md", linked.path().join("b.md")).expect("making a symlink");
    symlink("dir", linked.path().join("alias")).expect("making a symlink");
    let copied = tree(&[
        ("a.md", "same\n"),
        ("b.md", "same\n"),
        ("dir/x.md", "x\n"),
        ("alias/x.md", "x\n"),
    ]);
    assert_eq!(hash_of(linked.path()), hash_of(copied.path()));
}

#[test]
fn escaping_dangling_and_looping_links_are_errors() {
    let outside = tree(&[("secret", "s")]);
    let dir = tree(&[("ok.md", "x")]);
    symlink(outside.path().join("secret"), dir.path().join("leak")).expect("making a symlink");
    assert!(
        matches!(hash_path(dir.path()), Err(Error::LinkEscapes { path, .. }) if path.ends_with("leak"))
    );

    let dir = tree(&[("ok.md", "x")]);
    symlink("../../etc", dir.path().join("up")).expect("making a symlink");
    assert!(matches!(
        hash_path(dir.path()),
        Err(Error::LinkEscapes { .. }) | Err(Error::LinkDangling(_))
    ));

    let dir = tree(&[("ok.md", "x")]);
    symlink("missing.md", dir.path().join("dangling.md")).expect("making a symlink");
    assert!(
        matches!(hash_path(dir.path()), Err(Error::LinkDangling(p)) if p.ends_with("dangling.md"))
    );

    let dir = tree(&[("sub/ok.md", "x")]);
    symlink("..", dir.path().join("sub/loop")).expect("making a symlink");
    assert!(matches!(hash_path(dir.path()), Err(Error::LinkLoop(p)) if p.ends_with("loop")));

    let dir = tree(&[("ok.md", "x")]);
    symlink("b", dir.path().join("a")).expect("making a symlink");
    symlink("a", dir.path().join("b")).expect("making a symlink");
    assert!(matches!(hash_path(dir.path()), Err(Error::LinkLoop(_))));
}

#[test]
fn excluded_folders_are_never_entered() {
    let outside = tree(&[("secret", "s")]);
    let dir = tree(NESTED);
    fs::create_dir_all(dir.path().join("node_modules")).expect("creating node_modules");
    symlink(outside.path(), dir.path().join("node_modules/escape")).expect("making a symlink");
    symlink("nowhere", dir.path().join("x.tmp")).expect("making a symlink");
    assert_eq!(hash_of(dir.path()), NESTED_HASH);
}

#[test]
fn non_utf8_names_are_errors() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tree(&[("ok.md", "x")]);
    fs::write(dir.path().join(OsStr::from_bytes(b"bad-\xff.md")), "x")
        .expect("writing a non-UTF-8 name");
    let err = hash_path(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("bad-") && err.ends_with("file name is not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn fifos_and_sockets_are_errors() {
    let dir = tree(&[("ok.md", "x")]);
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let err = hash_path(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.ends_with("pipe: is a FIFO (named pipe), not a regular file or folder"),
        "{err}"
    );

    let dir = tree(&[("ok.md", "x")]);
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock"))
        .expect("binding a socket in the tree");
    let err = hash_path(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.ends_with("sock: is a socket, not a regular file or folder"),
        "{err}"
    );
}

#[test]
fn missing_path_is_not_found() {
    let dir = tree(&[]);
    let missing = dir.path().join("nope");
    assert!(matches!(hash_path(&missing), Err(Error::NotFound(p)) if p == missing));
}

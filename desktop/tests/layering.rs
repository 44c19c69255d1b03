//! Architecture Invariant (ARCHITECTURE.md): a face never calls the engine's
//! modules (store, import, deploy, bundle, query, verify, collection,
//! inspect, tree …); it calls the operations layer. Every `crate::` path in
//! `src/cli`, `src/app` and `src/serve` must start with one of [`ALLOWED`]
//! or the face's own module (the CLI may also start the server); this test
//! names the file and line of any other. And only `src/serve` uses axum.

use std::path::{Path, PathBuf};

/// What a face may name below `crate::`: the operations layer, the error
/// type, the home folder, logging, and the app's start-up clock.
const ALLOWED: &[&str] = &[
    "ops",
    "error",
    "Error",
    "ErrorCode",
    "Result",
    "home",
    "telemetry",
    "startup",
];

/// The first segment of every `crate::` path in `text`, with its line
/// (1-based). Comment lines are skipped; `use crate::{a, b::c}` gives `a`
/// and `b`, across lines.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let code: String = text
        .lines()
        .map(|l| match l.trim_start().starts_with("//") {
            true => "",
            false => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // `skillmeat_crate::` and the like
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' | ',' if depth == 1 => {
                        let item = &group[start..i];
                        if let Some(name) = first_ident(item) {
                            let offset =
                                at + "crate::{".len() + start + item.find(&name).unwrap_or(0);
                            found.push((line_of(offset), name));
                        }
                        start = i + 1;
                        if c == '}' {
                            break;
                        }
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
        } else if let Some(name) = first_ident(rest) {
            found.push((line_of(at), name));
        }
    }
    found
}

fn first_ident(text: &str) -> Option<String> {
    let name: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("the face's folder is readable").into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_checker_finds_every_form_of_path() {
    let text = "//! docs may name crate::store\n\
                use crate::{\n    ops::Scope,\n    bundle::{self, Limits},\n};\n\
                use crate::error::Error;\n\
                fn f() { crate::store::rows::new_id(); }\n\
                // crate::deploy in a comment\n";
    assert_eq!(
        crate_paths(text),
        [
            (3, "ops".to_owned()),
            (4, "bundle".to_owned()),
            (6, "error".to_owned()),
            (7, "store".to_owned()),
        ]
    );
}

#[test]
fn faces_call_only_the_operations_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    let mut checked = 0;
    let faces: [(&str, &[&str]); 3] = [("cli", &["serve"]), ("app", &[]), ("serve", &[])];
    for (face, also) in faces {
        for file in rust_files(&src.join(face)) {
            let text = std::fs::read_to_string(&file).expect("a face's source is UTF-8");
            checked += 1;
            for (line, name) in crate_paths(&text) {
                let allowed = ALLOWED.contains(&name.as_str()) || also.contains(&name.as_str());
                if name != face && !allowed {
                    let rel = file.strip_prefix(&src).expect("below src");
                    offences.push(format!("src/{}:{line}: crate::{name}", rel.display()));
                }
            }
        }
    }
    assert!(
        checked >= 17,
        "only {checked} files found under src/cli, src/app and src/serve"
    );
    assert!(
        offences.is_empty(),
        "a face calls the engine directly (call crate::ops instead):\n  {}",
        offences.join("\n  ")
    );
}

/// The lines of `text` outside comments that name one of `crates` as a
/// path (`axum::`, `tower_http::`).
fn uses(text: &str, crates: &[&str]) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .filter(|(_, l)| {
            crates.iter().any(|c| {
                l.match_indices(&format!("{c}::"))
                    .any(|(at, _)| !l[..at].ends_with(|ch: char| ch.is_alphanumeric() || ch == '_'))
            })
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn the_checker_finds_axum_paths_outside_comments() {
    let text = "// axum::Router in a comment\nuse axum::Json;\nlet r = my_axum::x();\n\
                fn f() -> tower_http::limit::X {}\n";
    assert_eq!(uses(text, &["axum", "tower_http"]), [2, 4]);
}

#[test]
fn only_the_server_module_uses_axum() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let serve = src.join("serve");
    let mut offences = Vec::new();
    for file in rust_files(&src) {
        if file.starts_with(&serve) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("the source is UTF-8");
        for line in uses(&text, &["axum", "tower_http", "utoipa_axum"]) {
            let rel = file.strip_prefix(&src).expect("below src");
            offences.push(format!("src/{}:{line}", rel.display()));
        }
    }
    assert!(
        offences.is_empty(),
        "axum outside src/serve:\n  {}",
        offences.join("\n  ")
    );
}

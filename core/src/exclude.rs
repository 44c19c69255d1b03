//! The exclusion list of the canonical hash (DESIGN.md §3).
//!
//! A path is excluded when any of its components is excluded; files and
//! directories alike, case-sensitive.

/// Names excluded wherever they appear.
pub const EXCLUDED_NAMES: &[&str] = &[
    ".git",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    "venv",
    ".venv",
    "dist",
    "build",
    ".DS_Store",
    "Thumbs.db",
    ".gitkeep",
];

/// Prefixes of excluded names (editor lock files).
pub const EXCLUDED_PREFIXES: &[&str] = &["~$", ".#"];

/// Suffixes of excluded names (temporary and swap files).
pub const EXCLUDED_SUFFIXES: &[&str] = &[".tmp", ".swp", ".swo", "~"];

/// Whether one path component (a file or directory name) is excluded.
pub fn is_excluded_name(name: &str) -> bool {
    EXCLUDED_NAMES.contains(&name)
        || EXCLUDED_PREFIXES.iter().any(|p| name.starts_with(p))
        || EXCLUDED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Whether a `/`-separated relative path has an excluded component.
pub fn is_excluded_path(path: &str) -> bool {
    path.split('/').any(is_excluded_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (name, expected) in [
            (".git", true),
            ("node_modules", true),
            ("build", true),
            ("Build", false),
            ("builds", false),
            (".gitkeep", true),
            ("~$report.docx", true),
            (".#lock", true),
            ("file.tmp", true),
            ("a.swp", true),
            ("a.swo", true),
            ("backup~", true),
            ("~backup", false),
            ("SKILL.md", false),
            (".github", false),
            (".gitignore", false),
            ("venv", true),
            (".venv", true),
            ("venv2", false),
        ] {
            assert_eq!(is_excluded_name(name), expected, "{name}");
        }
    }

    #[test]
    fn paths() {
        for (path, expected) in [
            ("a/b/c.md", false),
            ("a/.git/config", true),
            ("node_modules/x/y.js", true),
            ("a/b/__pycache__/m.pyc", true),
            ("skills/x/SKILL.md.swp", true),
            ("dist", true),
            ("distribution/x", false),
        ] {
            assert_eq!(is_excluded_path(path), expected, "{path}");
        }
    }
}

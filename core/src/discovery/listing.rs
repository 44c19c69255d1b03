//! A file listing: the only view of a tree that discovery gets.

use crate::error::Result;
use crate::exclude::is_excluded_path;
use crate::order::sort_by_str;
use crate::path::SafeRelPath;
use crate::prelude::*;

/// Every file below a root, as sorted safe relative paths, excluded paths
/// already dropped. Directories are implied by the files below them.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    files: Vec<SafeRelPath>,
}

impl Listing {
    /// Builds a listing, checking every path and dropping excluded ones.
    pub fn new<S: AsRef<str>>(paths: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut files = Vec::new();
        for p in paths {
            let p = p.as_ref();
            let safe = SafeRelPath::new(p)?;
            if !is_excluded_path(p) {
                files.push(safe);
            }
        }
        sort_by_str(&mut files, SafeRelPath::as_str);
        files.dedup();
        Ok(Self { files })
    }

    pub fn files(&self) -> &[SafeRelPath] {
        &self.files
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn contains(&self, path: &SafeRelPath) -> bool {
        self.files
            .binary_search_by(|f| f.as_str().as_bytes().cmp(path.as_str().as_bytes()))
            .is_ok()
    }

    /// Every file strictly below the directory `dir` (all files for the root).
    pub fn under<'a>(&'a self, dir: &SafeRelPath) -> impl Iterator<Item = &'a SafeRelPath> + 'a {
        let prefix = if dir.is_root() {
            String::new()
        } else {
            format!("{}/", dir.as_str())
        };
        let start = self
            .files
            .partition_point(|f| f.as_str().as_bytes() < prefix.as_bytes());
        self.files[start..]
            .iter()
            .take_while(move |f| f.as_str().starts_with(prefix.as_str()))
    }

    /// Whether `dir` is a directory holding at least one file.
    pub fn is_dir(&self, dir: &SafeRelPath) -> bool {
        self.under(dir).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> SafeRelPath {
        SafeRelPath::new(s).expect("a valid test path")
    }

    #[test]
    fn under_is_exact_about_prefixes() {
        let l = Listing::new([
            "a/b",
            "a-b/c",
            "a/c/d",
            "ab",
            "a.txt",
            "node_modules/x",
            "a/.git/x",
        ])
        .expect("a valid listing");
        let under_a: Vec<&str> = l.under(&p("a")).map(|f| f.as_str()).collect();
        assert_eq!(under_a, ["a/b", "a/c/d"]);
        assert_eq!(l.len(), 5, "excluded paths dropped");
        assert!(l.contains(&p("a-b/c")));
        assert!(l.is_dir(&p("a/c")));
        assert!(!l.is_dir(&p("a/b")));
        assert!(Listing::new(["../x"]).is_err());
    }
}

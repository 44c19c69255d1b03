//! `$SKILLMEAT_HOME` (default `~/.skillmeat`) and where things live in it.

use std::path::{Path, PathBuf};

use skillmeat_core::SafeRelPath;

use crate::error::{Error, Result};

/// The skillmeat home: `skillmeat.db` and `collections/<name>/`; or, with
/// a database server (`--database postgres://…`), the rows there and the
/// collection folders here.
#[derive(Clone)]
pub struct Home {
    root: PathBuf,
    server: Option<String>,
}

/// Never the database password, wherever a `Home` is printed (spans, logs).
impl std::fmt::Debug for Home {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let server = self
            .server
            .as_deref()
            .map(|url| crate::store::without_password(url, url));
        f.debug_struct("Home")
            .field("root", &self.root)
            .field("server", &server)
            .finish()
    }
}

impl Home {
    /// `$SKILLMEAT_HOME`, else `~/.skillmeat`.
    pub fn from_env() -> Result<Home> {
        if let Some(p) = std::env::var_os("SKILLMEAT_HOME").filter(|p| !p.is_empty()) {
            return Ok(Home::at(PathBuf::from(p)));
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::Internal("neither SKILLMEAT_HOME nor HOME is set".into()))?;
        Ok(Home::at(PathBuf::from(home).join(".skillmeat")))
    }

    pub fn at(root: PathBuf) -> Home {
        Home { root, server: None }
    }

    /// The collection's rows in the database server at `url`, if given.
    pub fn with_server(self, url: Option<String>) -> Home {
        Home {
            server: url,
            ..self
        }
    }

    /// The URL of the database server, if the rows live in one.
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("skillmeat.db")
    }

    /// The cache of fetched git repositories: one bare repository per URL.
    pub fn git_cache(&self) -> PathBuf {
        self.root.join("cache").join("git")
    }

    /// The folder of collection `name`, which must be one plain component.
    pub fn collection_dir(&self, name: &str) -> Result<PathBuf> {
        check_collection_name(name)?;
        Ok(self.root.join("collections").join(name))
    }
}

/// Collection names become folder names.
pub fn check_collection_name(name: &str) -> Result<()> {
    let ok = SafeRelPath::new(name).is_ok()
        && !name.contains('/')
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "collection name {name:?} is not allowed: use letters, digits, '-', '_' and '.'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_prints_its_database_url_without_the_password() {
        let home = Home::at(PathBuf::from("/h"))
            .with_server(Some("postgres://alice:s3cret@db:5432/team".into()));
        let printed = format!("{home:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(
            printed.contains("postgres://alice:***@db:5432/team"),
            "{printed}"
        );
    }
}

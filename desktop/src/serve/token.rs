//! The server's bearer token: 256 random bits from the operating system,
//! written on first start to `$SKILLMEAT_HOME/server-token` (mode 0600), or
//! read from `--token-file`. Compared in constant time.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::home::Home;

/// The file name of the token in the skillmeat home.
pub const TOKEN_FILE: &str = "server-token";

/// The shortest token accepted from a file: 128 bits as hex.
const MIN_LEN: usize = 32;

/// The token clients send as `Authorization: Bearer <token>`.
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The home's token, made on first use.
    pub fn load_or_create(home: &Home) -> Result<Token> {
        let path = home.root().join(TOKEN_FILE);
        match Token::read(&path) {
            Err(Error::NotFound(_)) => Token::create(&path),
            other => other,
        }
    }

    /// The token in `path`: one line of at least 32 printable characters,
    /// readable by its owner only.
    pub fn read(path: &Path) -> Result<Token> {
        let meta = fs::metadata(path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::NotFound(path.to_owned()),
            _ => unreadable(path, e),
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(bad(
                path,
                format!("others may read it (mode {mode:04o}); run `chmod 600` on it"),
            ));
        }
        let text = fs::read_to_string(path).map_err(|e| unreadable(path, e))?;
        let token = text.trim_end_matches(['\n', '\r']);
        let printable = token.chars().all(|c| c.is_ascii_graphic());
        if token.len() < MIN_LEN || !printable {
            return Err(bad(
                path,
                format!(
                    "the token must be one line of at least {MIN_LEN} printable characters \
                     without spaces (for example `openssl rand -hex 32`)"
                ),
            ));
        }
        Ok(Token(token.to_owned()))
    }

    /// A new random token in a new file `path` (0600).
    fn create(path: &Path) -> Result<Token> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Internal(format!("no random bytes from the OS: {e}")))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        file.write_all(format!("{token}\n").as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(path, e))?;
        Ok(Token(token))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, in time that does not depend on where
    /// the two differ.
    pub fn matches(&self, given: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(given).into()
    }
}

fn bad(path: &Path, reason: String) -> Error {
    Error::BadInput {
        path: PathBuf::from(path),
        reason: format!("server token file: {reason}"),
    }
}

fn unreadable(path: &Path, source: std::io::Error) -> Error {
    Error::Unreadable {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_is_256_random_bits_in_a_file_only_its_owner_reads() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let home = Home::at(dir.path().join("home"));
        let first = Token::load_or_create(&home).expect("made on first start");
        let path = dir.path().join("home").join(TOKEN_FILE);
        let mode = fs::metadata(&path).expect("the file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(first.as_str().len(), 64);
        assert!(first.as_str().chars().all(|c| c.is_ascii_hexdigit()));
        let again = Token::load_or_create(&home).expect("read on the next start");
        assert_eq!(again.as_str(), first.as_str());
        let other = Token::load_or_create(&Home::at(dir.path().join("other"))).expect("made");
        assert_ne!(other.as_str(), first.as_str());
    }

    #[test]
    fn a_token_file_others_may_read_or_too_short_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("token");
        fs::write(&path, format!("{}\n", "a".repeat(40))).expect("written");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = Token::read(&path).expect_err("mode 0644 is refused");
        assert!(e.to_string().contains("mode 0644"), "{e}");
        assert!(e.to_string().contains("token"), "{e}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(Token::read(&path).expect("0600 is fine").as_str().len(), 40);
        fs::write(&path, "short\n").expect("written");
        let e = Token::read(&path).expect_err("too short");
        assert!(e.to_string().contains("at least 32"), "{e}");
        assert_eq!(e.code(), crate::ErrorCode::BadInput);
    }

    #[test]
    fn only_the_exact_token_matches() {
        let token = Token("0123456789abcdef0123456789abcdef".to_owned());
        assert!(token.matches(b"0123456789abcdef0123456789abcdef"));
        assert!(!token.matches(b"0123456789abcdef0123456789abcdeF"));
        assert!(!token.matches(b"0123456789abcdef0123456789abcde"));
        assert!(!token.matches(b""));
    }
}

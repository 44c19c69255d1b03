//! Files that look like secrets. An export refuses them unless the user
//! insists (`--allow-secrets`): the earlier system leaked `.env` files.

/// Whether the file at `path` (any depth) looks like a secret: `.env`,
/// `.env.*`, `*.pem`, `*.key`, `id_rsa*`, `id_ed25519*`, `id_ecdsa*`
/// (case-insensitive).
pub fn looks_like_secret(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == ".env"
        || name.starts_with(".env.")
        || name.ends_with(".pem")
        || name.ends_with(".key")
        || ["id_rsa", "id_ed25519", "id_ecdsa"]
            .iter()
            .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::looks_like_secret;

    #[test]
    fn secrets() {
        for (path, expected) in [
            (".env", true),
            ("config/.env", true),
            (".env.local", true),
            (".ENV.production", true),
            ("certs/server.pem", true),
            ("tls/private.KEY", true),
            ("id_rsa", true),
            ("keys/id_rsa.pub", true),
            ("id_ed25519", true),
            ("id_ecdsa_sk", true),
            (".envrc", false),
            ("env", false),
            ("environment.md", false),
            ("keys.md", false),
            ("monkey.txt", false),
            ("skills/pem-format/SKILL.md", false),
            ("my_id_rsa_notes.md", false),
        ] {
            assert_eq!(looks_like_secret(path), expected, "{path}");
        }
    }
}

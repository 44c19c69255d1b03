//! Files that look like secrets. An export refuses them unless the user
//! insists (`--allow-secrets`): the earlier system leaked `.env` files.

/// The last part of a `.env.*` name that makes it a template of the
/// variables to set, committed without values: `.env.example`,
/// `.env.local.sample`, Symfony's `.env.dist`, dotenv-defaults' `.env.defaults`.
const ENV_TEMPLATES: [&str; 5] = ["example", "sample", "template", "dist", "defaults"];

/// Whether the file at `path` (any depth) looks like a secret: `.env`,
/// `.env.*` except templates ([`ENV_TEMPLATES`]), `*.pem`, `*.key`,
/// `id_rsa*`, `id_ed25519*`, `id_ecdsa*` (case-insensitive).
pub fn looks_like_secret(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let env_template = name
        .rsplit_once('.')
        .is_some_and(|(_, last)| ENV_TEMPLATES.contains(&last));
    name == ".env"
        || (name.starts_with(".env.") && !env_template)
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
            (".env.example", false),
            ("config/.env.sample", false),
            (".env.template", false),
            (".env.dist", false),
            (".env.defaults", false),
            (".ENV.EXAMPLE", false),
            (".env.local.example", false),
            (".env.example.local", true),
            (".env.examples", true),
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

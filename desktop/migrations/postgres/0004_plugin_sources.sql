-- Where each plugin was last imported from (as migrations/sqlite/0004).
CREATE TABLE plugin_sources (
    artifact_id      TEXT PRIMARY KEY REFERENCES artifacts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('folder', 'bundle', 'git', 'upload')),
    url              TEXT NOT NULL,          -- a git URL, or an absolute path
    git_ref          TEXT,                   -- the ref as given
    resolved_commit  TEXT,                   -- the commit it resolved to
    path             TEXT NOT NULL,          -- the plugin's folder in it ('' = root)
    market_name      TEXT,
    market_kind      TEXT CHECK (market_kind IN ('folder', 'bundle', 'git', 'upload')),
    market_url       TEXT,
    market_ref       TEXT,
    market_commit    TEXT,
    market_path      TEXT
);

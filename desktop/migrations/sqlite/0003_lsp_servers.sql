-- no-transaction
-- LSP servers are a kind of artifact: `artifacts.kind` accepts
-- 'lsp_server'. SQLite cannot change a CHECK in place, so the table is
-- rebuilt (sqlite.org/lang_altertable.html, "other kinds of table schema
-- changes"): foreign keys off for the copy (dropping the old table must
-- not cascade into its versions, memberships and deployments), the whole
-- rebuild one transaction.
-- Run again after a crash before sqlx records it, it rebuilds again.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE artifacts_new (
    id                  TEXT PRIMARY KEY,    -- ULID
    collection_id       TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('skill', 'command', 'agent', 'hook', 'mcp_server', 'lsp_server', 'composite')),
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    description         TEXT,
    source              TEXT,
    current_version_id  TEXT REFERENCES artifact_versions(id) DEFERRABLE INITIALLY DEFERRED,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (collection_id, kind, name_key)
);
INSERT INTO artifacts_new (id, collection_id, kind, name, name_key, description, source,
                           current_version_id, created_at, updated_at)
    SELECT id, collection_id, kind, name, name_key, description, source,
           current_version_id, created_at, updated_at
    FROM artifacts;
DROP TABLE artifacts;
ALTER TABLE artifacts_new RENAME TO artifacts;
COMMIT;
PRAGMA foreign_keys = ON;

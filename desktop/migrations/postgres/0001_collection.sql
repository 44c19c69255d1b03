-- The collection schema (DESIGN.md §6) in PostgreSQL's dialect: the same
-- tables, columns and constraints as migrations/sqlite/0001, version for
-- version. Integers are BIGINT (the row layer binds i64), flags BOOLEAN.

CREATE TABLE collections (
    id          TEXT PRIMARY KEY,            -- ULID
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE artifacts (
    id                  TEXT PRIMARY KEY,    -- ULID
    collection_id       TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CONSTRAINT artifacts_kind_check
                        CHECK (kind IN ('skill', 'command', 'agent', 'hook', 'mcp_server', 'composite')),
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    description         TEXT,
    source              TEXT,
    current_version_id  TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (collection_id, kind, name_key)
);

CREATE TABLE artifact_versions (
    id            TEXT PRIMARY KEY,          -- ULID
    artifact_id   TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    content_hash  TEXT NOT NULL,
    file_count    BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (artifact_id, content_hash)
);
CREATE INDEX artifact_versions_content_hash ON artifact_versions(content_hash);

-- Declared after artifact_versions exists (SQLite resolves it lazily).
ALTER TABLE artifacts ADD CONSTRAINT artifacts_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES artifact_versions(id)
    DEFERRABLE INITIALLY DEFERRED;

-- The files of each version, by blob (content-addressed store).
CREATE TABLE version_files (
    version_id  TEXT NOT NULL REFERENCES artifact_versions(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    blob_hash   TEXT NOT NULL,
    size        BIGINT NOT NULL,
    executable  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (version_id, path)
);
CREATE INDEX version_files_blob ON version_files(blob_hash);

CREATE TABLE composites (
    artifact_id  TEXT PRIMARY KEY REFERENCES artifacts(id) ON DELETE CASCADE,
    subtype      TEXT NOT NULL DEFAULT 'plugin' CHECK (subtype IN ('plugin')),
    version      TEXT,
    manifest     TEXT
);

CREATE TABLE composite_memberships (
    id                   TEXT PRIMARY KEY,   -- ULID
    composite_id         TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    child_id             TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    relationship_type    TEXT NOT NULL CHECK (relationship_type IN ('MEMBER', 'REQUIRED', 'OPTIONAL')),
    pinned_version_hash  TEXT,
    path                 TEXT,               -- where the child sits inside the plugin
    position             BIGINT NOT NULL,
    created_at           TEXT NOT NULL,
    UNIQUE (composite_id, child_id)
);
CREATE INDEX composite_memberships_pinned ON composite_memberships(pinned_version_hash);
CREATE INDEX composite_memberships_child ON composite_memberships(child_id);

-- One row per import, written in the import's own transaction: its presence
-- after a crash is what tells recovery to roll the files forward, not back.
CREATE TABLE import_transactions (
    id             TEXT PRIMARY KEY,         -- ULID, the transaction_id
    collection_id  TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    plugin_name    TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    committed_at   TEXT NOT NULL
);

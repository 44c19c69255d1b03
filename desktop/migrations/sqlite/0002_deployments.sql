-- Where artifacts are deployed (the project side keeps the full record in
-- <project>/.claude/skillmeat/deployments.json; this table lets `show` and
-- the app list an artifact's deployments).
CREATE TABLE deployments (
    id             TEXT PRIMARY KEY,         -- ULID
    collection_id  TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    artifact_id    TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    project        TEXT NOT NULL,            -- absolute project path
    parent_id      TEXT REFERENCES artifacts(id) ON DELETE CASCADE,  -- the plugin it came with
    content_hash   TEXT NOT NULL,            -- the version deployed
    platform       TEXT NOT NULL,
    deployed_at    TEXT NOT NULL,
    UNIQUE (artifact_id, project, parent_id)
);
CREATE INDEX deployments_project ON deployments(project);

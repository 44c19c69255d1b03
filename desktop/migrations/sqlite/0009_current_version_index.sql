-- Artifacts by current version. The reference from `artifacts` to its
-- current version is checked at commit (deferred), and an import inserts a
-- new artifact with its current version before the version row. Until the
-- commit, every version inserted and every version deleted looks up the
-- artifacts that name it: without this index, a read of the whole table.
CREATE INDEX IF NOT EXISTS artifacts_current_version ON artifacts (current_version_id);

-- The artifact list's total counted from the smallest index that holds
-- every artifact's collection (as migrations/sqlite/0006).
CREATE INDEX IF NOT EXISTS artifacts_collection ON artifacts (collection_id);

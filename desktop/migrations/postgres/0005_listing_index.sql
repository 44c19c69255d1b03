-- The artifact list's order (plugins first, then by kind and name) as an
-- index (as migrations/sqlite/0005). The expression must stay the ORDER BY
-- of query::list to the letter.
CREATE INDEX IF NOT EXISTS artifacts_listing
    ON artifacts (collection_id, (kind <> 'composite'), kind, name_key);

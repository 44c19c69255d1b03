-- The artifact list's order (plugins first, then by kind and name) as an
-- index, so a page is read in order instead of sorting the collection:
-- over 100,000 artifacts, a page went from ~300 ms to ~3 ms (sqlite3,
-- EXPLAIN QUERY PLAN: "USE TEMP B-TREE FOR ORDER BY" gone). The
-- expression must stay the ORDER BY of query::list to the letter.
-- A migration that rebuilds `artifacts` (as 0003 does) must create it again.
CREATE INDEX IF NOT EXISTS artifacts_listing
    ON artifacts (collection_id, kind <> 'composite', kind, name_key);

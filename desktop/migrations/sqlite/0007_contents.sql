-- File contents on the database server are rows of `contents`
-- (migrations/postgres/0007). An embedded collection keeps them as files in
-- its folder's objects/: nothing changes here; the version keeps both
-- schemas in step.
SELECT 1;

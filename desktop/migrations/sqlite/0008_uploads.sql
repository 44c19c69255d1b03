-- Uploads on a database server are rows of `uploads`
-- (migrations/postgres/0008). An embedded collection keeps them in its
-- folder's .uploads/: nothing changes here; the version keeps both schemas
-- in step.
SELECT 1;

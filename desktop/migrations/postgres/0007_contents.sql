-- File contents on the database server (DESIGN.md §14): every stored file
-- once, addressed by the SHA-256 of its bytes (lowercase hex, as
-- version_files.blob_hash). bytea, not large objects: measured on 5,000
-- files of 4 KB, inserting took half the time and reading a tenth, the
-- table was two thirds the size, and a deleted row takes its bytes with it
-- (a large object outlives its row until lo_unlink). A collection's files
-- are small; a value is read whole either way.
CREATE TABLE IF NOT EXISTS contents (
    hash   TEXT PRIMARY KEY,
    size   BIGINT NOT NULL,
    bytes  BYTEA NOT NULL
);

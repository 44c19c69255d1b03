-- Uploads of the hash-first import (DESIGN.md §12) on the database server:
-- a blob a client sent, re-hashed as it was written, waiting for an import.
-- In the database, not in one server's folder, so that any server behind a
-- load balancer can import what a client uploaded to another. Not part of
-- any collection: an import that stored a blob in `contents` deletes its
-- upload; one nothing used is deleted once `uploaded_at` (seconds since
-- the epoch, the database's clock) is older than the upload TTL.
CREATE TABLE IF NOT EXISTS uploads (
    hash        TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    bytes       BYTEA NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_age ON uploads (uploaded_at);

-- bytea against large objects for file contents (README, "Why bytea"): run with
--   ./target/debug/throwaway-postgres bash -c 'psql "$SKILLMEAT_TEST_DATABASE_URL" -f docs/bench/bytea-vs-lo.sql'
\timing on
CREATE TABLE c_bytea (hash text PRIMARY KEY, bytes bytea NOT NULL);
CREATE TABLE c_lo (hash text PRIMARY KEY, oid oid NOT NULL);
-- 5,000 small files of 4 KB (text-like, md5 hex) : the shape of plugin files
INSERT INTO c_bytea SELECT 'h'||i, convert_to(repeat(md5(i::text), 128),'UTF8') FROM generate_series(1,5000) i;
INSERT INTO c_lo SELECT 'h'||i, lo_from_bytea(0, convert_to(repeat(md5(i::text), 128),'UTF8')) FROM generate_series(1,5000) i;
SELECT sum(length(bytes)) FROM c_bytea;
SELECT sum(length(lo_get(oid))) FROM c_lo;
SELECT pg_size_pretty(pg_total_relation_size('c_bytea')) AS bytea_size, pg_size_pretty(pg_total_relation_size('pg_largeobject')) AS lo_size;
-- one 64 MB incompressible-ish blob
INSERT INTO c_bytea SELECT 'big', decode(string_agg(md5(i::text)||md5((i+1)::text),''),'hex') FROM generate_series(1,2000000) i;
INSERT INTO c_lo SELECT 'big', lo_from_bytea(0, decode(string_agg(md5(i::text)||md5((i+1)::text),''),'hex')) FROM generate_series(1,2000000) i;
SELECT length(bytes||''::bytea) FROM c_bytea WHERE hash='big';
SELECT length(lo_get(oid)) FROM c_lo WHERE hash='big';
SELECT pg_size_pretty(pg_total_relation_size('c_bytea')) AS bytea_size, pg_size_pretty(pg_total_relation_size('pg_largeobject')) AS lo_size;
-- delete everything: bytea rows go; large objects need lo_unlink or they stay
DELETE FROM c_lo;
SELECT count(*) AS orphaned_large_objects FROM pg_largeobject_metadata;

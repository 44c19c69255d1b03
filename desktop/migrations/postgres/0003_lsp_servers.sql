-- LSP servers are a kind of artifact (as migrations/sqlite/0003, which has
-- to rebuild the table: PostgreSQL changes the CHECK in place).
ALTER TABLE artifacts DROP CONSTRAINT artifacts_kind_check;
ALTER TABLE artifacts ADD CONSTRAINT artifacts_kind_check
    CHECK (kind IN ('skill', 'command', 'agent', 'hook', 'mcp_server', 'lsp_server', 'composite'));

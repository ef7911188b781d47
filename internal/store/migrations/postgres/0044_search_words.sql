-- SQLite reads the words of its search index for prefix searches (its
-- migration 0044). PostgreSQL's GIN index serves a prefix itself:
-- nothing to do here.
SELECT 1;

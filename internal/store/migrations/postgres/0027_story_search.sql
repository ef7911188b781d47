-- Readers search the published stories by words of their headline (weight
-- A), standfirst (summary, B) and body (C): a tsvector column PostgreSQL
-- computes on every write, whoever the writer, with a GIN index. The
-- 'simple' configuration lower-cases and neither stems nor drops words, so
-- Hindi and every other script is searched as written.
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', headline), 'A') ||
    setweight(to_tsvector('simple', summary), 'B') ||
    setweight(to_tsvector('simple', body), 'C')) STORED;
CREATE INDEX articles_search ON articles USING GIN (search);

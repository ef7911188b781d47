-- Readers search the published stories by words of their headline (weight
-- A), standfirst (summary, B) and body (C): a tsvector column PostgreSQL
-- computes on every write, whoever the writer, with a GIN index. The
-- 'simple' configuration lower-cases and neither stems nor drops words, so
-- Hindi and every other script is searched as written. ASCII punctuation
-- becomes a space first, so that words are letters and digits alone, as
-- SQLite's index and the search's parser have them: PostgreSQL's parser
-- would otherwise keep "3.5", "example.com" or "v2.0" as single words that
-- no search for their parts could find.
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', regexp_replace(headline, '[!-/:-@\[-`{-~]+', ' ', 'g')), 'A') ||
    setweight(to_tsvector('simple', regexp_replace(summary, '[!-/:-@\[-`{-~]+', ' ', 'g')), 'B') ||
    setweight(to_tsvector('simple', regexp_replace(body, '[!-/:-@\[-`{-~]+', ' ', 'g')), 'C')) STORED;
CREATE INDEX articles_search ON articles USING GIN (search);

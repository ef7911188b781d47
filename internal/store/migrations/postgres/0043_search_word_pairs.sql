-- A phrase search ("interest rates") read from the GIN index of words
-- every story holding both words, one in eight of an archive, and tested
-- each for the phrase: that index keeps no positions. A second GIN index
-- holds each pair of words found side by side in a story (positions p and
-- p+1 of the same tsvector as its search column, headline, standfirst and
-- body in a row as there) as one lexeme, 'interest|rates': a phrase's
-- pairs are nearly exactly its stories, and the phrase test still decides.
-- '|' cannot be in a word: ASCII punctuation becomes a space first. Pairs
-- are cut to 500 characters (2,000 bytes at most, under a lexeme's 2,047),
-- and a search for a longer pair looks for its first 500 as a prefix.
--
-- An index of an expression of the search column rather than a stored
-- column: a story's pairs take 5 KB, three and a half times its search
-- column, and only the index needs them, for a tsquery of lexemes alone
-- is never checked again in the row (unless a window's matches overflow
-- work_mem). COST tells the planner that computing them, some 0.3 ms a
-- story, is no filter to test story by story.
CREATE FUNCTION search_word_pairs(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    WITH w AS (SELECT lexeme, unnest(positions) AS pos FROM unnest(v))
    SELECT array_to_tsvector(coalesce(array_agg(left(a.lexeme || '|' || b.lexeme, 500)), '{}'))
    FROM w a JOIN w b ON b.pos = a.pos + 1
$$;

-- The pairs a story must hold to match the phrase of words (its last word
-- a prefix when prefix is true), as a tsquery of them all; NULL when it
-- needs none. Each word is split as to_tsquery splits it, by the text
-- parser: a word it drops leaves a gap ('a' <2> 'b'), which no pair spans,
-- and the pieces of a prefix word are all prefixes, so only the pair into
-- the first of them can be asked for. A search calls it with constants:
-- the planner computes it once, before it picks the index.
CREATE FUNCTION search_phrase_pairs(words text[], prefix boolean) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH piece AS (
        SELECT w.i, p.lexeme, prefix AND w.i = cardinality(words) AS open,
            row_number() OVER (ORDER BY w.i, p.pos) AS k
        FROM unnest(words) WITH ORDINALITY AS w(word, i),
            LATERAL (SELECT lexeme, unnest(positions) AS pos FROM unnest(to_tsvector('simple', w.word))) p
    ), pair AS (
        SELECT a.lexeme || '|' || b.lexeme AS lexeme, b.open
        FROM piece a JOIN piece b ON b.k = a.k + 1 AND b.i IN (a.i, a.i + 1)
        WHERE NOT a.open
    )
    SELECT string_agg('''' || replace(replace(left(lexeme, 500), '\', '\\'), '''', '''''') || ''''
        || CASE WHEN open OR length(lexeme) > 500 THEN ':*' ELSE '' END, ' & ')::tsquery
    FROM pair
$$;

-- The index computes every story's pairs: 82 s for 200,000 stories here,
-- some seven minutes for a million, during which the table can be read
-- but not written; no rewrite of the table, and no disk but the index's
-- (1.2 KB a story, next to the index of words' 0.2 KB).
CREATE INDEX articles_search_pairs ON articles USING GIN (search_word_pairs(search));

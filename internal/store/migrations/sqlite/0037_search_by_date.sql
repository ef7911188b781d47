-- The search index is keyed by publication time: each published story's
-- entry has the rowid unixepoch(published_at) * 2^30 + id, the seconds
-- held within ±2^33 (the years 1698 to 2242) and ids below 2^30. FTS5 walks its matches in rowid order, so a search sorted by date,
-- a span of dates and "the newest matches" are read straight off the index,
-- without looking up each match's story, which with its body is a page or
-- more: the lookups were most of a search's time. The index keeps no copy
-- of the text (contentless) and holds published stories only; the section
-- is a word of its own column ("s" and its id) for filtering.
DROP TRIGGER articles_search_insert;
DROP TRIGGER articles_search_delete;
DROP TRIGGER articles_search_update;
DROP TABLE article_search;
CREATE VIRTUAL TABLE article_search USING fts5(
    headline, summary, body, section, content='', contentless_delete=1,
    tokenize="unicode61 remove_diacritics 0 categories 'L* N* Co M*'");
INSERT INTO article_search (rowid, headline, summary, body, section)
    SELECT min(max(unixepoch(published_at), -8589934592), 8589934591) * 1073741824 + id, headline, summary, body, 's' || section_id
    FROM articles WHERE status = 'published';
CREATE TRIGGER articles_search_insert AFTER INSERT ON articles WHEN new.status = 'published' BEGIN
    INSERT INTO article_search (rowid, headline, summary, body, section)
        VALUES (min(max(unixepoch(new.published_at), -8589934592), 8589934591) * 1073741824 + new.id, new.headline, new.summary, new.body, 's' || new.section_id);
END;
CREATE TRIGGER articles_search_delete AFTER DELETE ON articles WHEN old.status = 'published' BEGIN
    DELETE FROM article_search WHERE rowid = min(max(unixepoch(old.published_at), -8589934592), 8589934591) * 1073741824 + old.id;
END;
CREATE TRIGGER articles_search_update
AFTER UPDATE OF headline, summary, body, section_id, status, published_at ON articles BEGIN
    DELETE FROM article_search WHERE old.status = 'published'
        AND rowid = min(max(unixepoch(old.published_at), -8589934592), 8589934591) * 1073741824 + old.id;
    INSERT INTO article_search (rowid, headline, summary, body, section)
        SELECT min(max(unixepoch(new.published_at), -8589934592), 8589934591) * 1073741824 + new.id, new.headline, new.summary, new.body, 's' || new.section_id
        WHERE new.status = 'published';
END;

-- Readers search the published stories by words of their headline,
-- standfirst (summary) and body: a full-text index of the three, kept by
-- triggers so that every writer (the console, the API, imports) keeps it
-- right without knowing it is there. Words are letters, digits and marks
-- of any script (a Devanagari vowel sign is a mark: without M* the
-- tokenizer would cut Hindi words apart at it), lower-cased, accents
-- kept, as PostgreSQL's 'simple' configuration does.
CREATE VIRTUAL TABLE article_search USING fts5(
    headline, summary, body, content='articles', content_rowid='id',
    tokenize="unicode61 remove_diacritics 0 categories 'L* N* Co M*'");
INSERT INTO article_search (rowid, headline, summary, body) SELECT id, headline, summary, body FROM articles;
CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_search (rowid, headline, summary, body) VALUES (new.id, new.headline, new.summary, new.body);
END;
CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
    INSERT INTO article_search (article_search, rowid, headline, summary, body)
        VALUES ('delete', old.id, old.headline, old.summary, old.body);
END;
CREATE TRIGGER articles_search_update AFTER UPDATE OF headline, summary, body ON articles BEGIN
    INSERT INTO article_search (article_search, rowid, headline, summary, body)
        VALUES ('delete', old.id, old.headline, old.summary, old.body);
    INSERT INTO article_search (rowid, headline, summary, body) VALUES (new.id, new.headline, new.summary, new.body);
END;

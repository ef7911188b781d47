-- The newsroom finds stories by words of their headlines among millions:
-- a full-text index of headlines, kept by triggers so that every writer
-- (the console, the API, imports) keeps it right.
CREATE VIRTUAL TABLE article_headlines USING fts5(
    headline, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
INSERT INTO article_headlines (rowid, headline) SELECT id, headline FROM articles;
CREATE TRIGGER articles_headline_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_headlines (rowid, headline) VALUES (new.id, new.headline);
END;
CREATE TRIGGER articles_headline_delete AFTER DELETE ON articles BEGIN
    INSERT INTO article_headlines (article_headlines, rowid, headline) VALUES ('delete', old.id, old.headline);
END;
CREATE TRIGGER articles_headline_update AFTER UPDATE OF headline ON articles BEGIN
    INSERT INTO article_headlines (article_headlines, rowid, headline) VALUES ('delete', old.id, old.headline);
    INSERT INTO article_headlines (rowid, headline) VALUES (new.id, new.headline);
END;

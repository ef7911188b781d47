-- An author's and a tag's pages list their stories newest first, a page
-- at a time after a cursor (published_at, id). Each link keeps its
-- story's publication time, so an index of (author or tag, time, story)
-- starts a page where its cursor points and reads a page's worth of rows,
-- however far back the page is and however many stories the author or
-- tag has; joining the stories first would read and sort all of them for
-- every page.
--
-- SQLite cannot add a NOT NULL column without a default to a table, so
-- both tables are built anew with it.
CREATE TABLE article_authors_new (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL REFERENCES authors(id),
    position     INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
INSERT INTO article_authors_new (article_id, author_id, position, published_at)
    SELECT x.article_id, x.author_id, x.position, a.published_at
    FROM article_authors x JOIN articles a ON a.id = x.article_id;
DROP TABLE article_authors;
ALTER TABLE article_authors_new RENAME TO article_authors;
CREATE INDEX article_authors_page ON article_authors (author_id, published_at DESC, article_id DESC);

CREATE TABLE article_tags_new (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id       INTEGER NOT NULL REFERENCES tags(id),
    position     INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
INSERT INTO article_tags_new (article_id, tag_id, position, published_at)
    SELECT x.article_id, x.tag_id, x.position, a.published_at
    FROM article_tags x JOIN articles a ON a.id = x.article_id;
DROP TABLE article_tags;
ALTER TABLE article_tags_new RENAME TO article_tags;
CREATE INDEX article_tags_page ON article_tags (tag_id, published_at DESC, article_id DESC);

-- Every writer links a story with its time; a story whose time changes
-- carries its links' along, whichever writer changes it.
CREATE TRIGGER articles_links_published AFTER UPDATE OF published_at ON articles
WHEN new.published_at IS NOT old.published_at BEGIN
    UPDATE article_authors SET published_at = new.published_at WHERE article_id = new.id;
    UPDATE article_tags SET published_at = new.published_at WHERE article_id = new.id;
END;

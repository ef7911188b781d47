-- An author's and a tag's pages list their stories newest first, a page
-- at a time after a cursor (published_at, id). Each link keeps its
-- story's publication time, so an index of (author or tag, time, story)
-- starts a page where its cursor points and reads a page's worth of rows,
-- however far back the page is and however many stories the author or
-- tag has; joining the stories first would read and sort all of them for
-- every page.
ALTER TABLE article_authors ADD COLUMN published_at TIMESTAMPTZ;
UPDATE article_authors x SET published_at = a.published_at FROM articles a WHERE a.id = x.article_id;
ALTER TABLE article_authors ALTER COLUMN published_at SET NOT NULL;
DROP INDEX article_authors_author;
CREATE INDEX article_authors_page ON article_authors (author_id, published_at DESC, article_id DESC);

ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMPTZ;
UPDATE article_tags x SET published_at = a.published_at FROM articles a WHERE a.id = x.article_id;
ALTER TABLE article_tags ALTER COLUMN published_at SET NOT NULL;
DROP INDEX article_tags_tag;
CREATE INDEX article_tags_page ON article_tags (tag_id, published_at DESC, article_id DESC);

-- Every writer links a story with its time; a story whose time changes
-- carries its links' along, whichever writer changes it.
CREATE FUNCTION articles_links_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_authors SET published_at = NEW.published_at WHERE article_id = NEW.id;
    UPDATE article_tags SET published_at = NEW.published_at WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_links_published AFTER UPDATE OF published_at ON articles
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION articles_links_published();

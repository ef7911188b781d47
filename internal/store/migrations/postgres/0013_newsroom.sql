-- Stories written in the console. status: 'draft' (seen by staff only),
-- 'published' (public from published_at: a later time makes it scheduled)
-- or 'unpublished' (taken down). Every story stored before was published.
ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CONSTRAINT articles_status_known CHECK (status IN ('draft', 'published', 'unpublished'));
-- body_format says how body is written: 'text' (paragraphs between blank
-- lines) or 'markdown'. A Markdown body is rendered and sanitized when it
-- is saved; body_html holds the result, a JSON array of blocks.
ALTER TABLE articles ADD COLUMN body_format TEXT NOT NULL DEFAULT 'text'
    CONSTRAINT articles_body_format_known CHECK (body_format IN ('text', 'markdown'));
ALTER TABLE articles ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
-- Each save raises revision by one, and only if the editor saved over the
-- revision they opened: of two editors saving at once, the second is told.
ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

-- The story's lead image: a file of the media store (named by its SHA-256),
-- its size in pixels, caption and credit; image '' for none.
ALTER TABLE articles ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN image_width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN image_height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN image_caption TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN image_credit TEXT NOT NULL DEFAULT '';

-- The console lists stories newest first, by status or section.
CREATE INDEX articles_status_id ON articles (status, id DESC);
CREATE INDEX articles_section_id ON articles (section_id, id DESC);

-- Every save of a story from the console, as it was saved: who, when,
-- which fields changed, and the story's fields (JSON) to restore from.
CREATE TABLE article_revisions (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    revision   INTEGER NOT NULL,
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    saved_at   TIMESTAMPTZ NOT NULL,
    changed    TEXT NOT NULL DEFAULT '',
    story      TEXT NOT NULL,
    PRIMARY KEY (article_id, revision)
);

-- A slug a story left: its old URL answers with a redirect to the story.
-- A new story taking the slug ends the redirect.
CREATE TABLE slug_redirects (
    slug       TEXT PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);

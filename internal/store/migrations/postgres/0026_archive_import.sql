-- Stories imported from a publication's older system (broadsheet import).
-- import_id is the story's id there: an import run again finds the story
-- by it and updates it, never adding a second copy. Stories written here
-- have none (NULL, which the unique index lets repeat).
ALTER TABLE articles ADD COLUMN import_id TEXT;
CREATE UNIQUE INDEX articles_import_id ON articles (import_id);

-- The old system's address of an imported story (its path): a request for
-- it, which no route of ours answers, redirects to the story.
CREATE TABLE import_redirects (
    path       TEXT PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX import_redirects_article ON import_redirects (article_id);

-- How far an import of a file (known by the SHA-256 of its content) has
-- committed: written in each batch's transaction, so an import killed and
-- run again starts after the last line committed. bad counts the lines
-- refused up to there.
CREATE TABLE import_progress (
    file_hash  TEXT PRIMARY KEY,
    line       BIGINT NOT NULL,
    bad        INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL
);

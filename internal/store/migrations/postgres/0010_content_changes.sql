-- The content change log: one row per change to a story or a section,
-- written in the transaction of the change, numbered in the order the
-- changes were made. Instances keeping stories in memory (and later the
-- newsroom, search and newsletters) read it by number instead of polling
-- articles.updated_at, which saw neither deletions nor slug changes.
-- kind: saved, slug_changed (old_slug is the one it left), unpublished,
-- deleted, section_saved (slug and section_id are the section's).
CREATE TABLE content_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL,
    article_id BIGINT NOT NULL DEFAULT 0,
    section_id BIGINT NOT NULL DEFAULT 0,
    slug       TEXT NOT NULL,
    old_slug   TEXT NOT NULL DEFAULT '',
    changed_at TIMESTAMPTZ NOT NULL
);

-- Nothing reads stories by updated_at any more.
DROP INDEX articles_updated_at;

-- Wire feeds: agencies' RSS, Atom or JSON feeds whose items become stories.
-- One feed per address, so a feed added twice cannot publish its items
-- twice. Each is polled every every_seconds; a poll that fails waits
-- longer each time (failures counts them) until one succeeds. round
-- counts the times its next poll was set: the poll job of a round is
-- queued once, however many instances find it due. etag and
-- last_modified are the server's, sent back to ask only for a change.
-- The last poll's counts, and the items it refused (a JSON list of
-- {key, title, reason}), are shown in the console. A deleted feed is kept
-- (deleted_at), with what it ingested, so that adding its address again
-- brings it back rather than publishing its items a second time.
CREATE TABLE wire_feeds (
    id             INTEGER PRIMARY KEY,
    url            TEXT NOT NULL UNIQUE,
    section_id     INTEGER NOT NULL REFERENCES sections(id),
    access_level   TEXT NOT NULL DEFAULT 'metered'
        CONSTRAINT wire_feeds_access_known CHECK (access_level IN ('free', 'metered', 'premium')),
    hold           BOOLEAN NOT NULL DEFAULT FALSE,
    every_seconds  INTEGER NOT NULL CONSTRAINT wire_feeds_every_positive CHECK (every_seconds > 0),
    source         TEXT NOT NULL DEFAULT '',
    disclaimer     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    round          INTEGER NOT NULL DEFAULT 0,
    next_poll_at   TIMESTAMP NOT NULL,
    etag           TEXT NOT NULL DEFAULT '',
    last_modified  TEXT NOT NULL DEFAULT '',
    polled_at      TIMESTAMP,
    ok_at          TIMESTAMP,
    failures       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    last_new       INTEGER NOT NULL DEFAULT 0,
    last_updated   INTEGER NOT NULL DEFAULT 0,
    last_unchanged INTEGER NOT NULL DEFAULT 0,
    last_refused   INTEGER NOT NULL DEFAULT 0,
    refused        TEXT NOT NULL DEFAULT '[]',
    deleted_at     TIMESTAMP
);
CREATE INDEX wire_feeds_due ON wire_feeds (next_poll_at) WHERE deleted_at IS NULL;

-- Each item of a feed made a story, once: the unique (feed_id, guid) is
-- what keeps two polls at once, on one instance or two, from publishing
-- it twice (guid is the item's GUID, or its link when it has none). hash
-- is the item's content as last written to the story, wire_revision the
-- story's revision that write made: a save after it by an editor keeps
-- the editor's version, and a newer version of the item is only noted
-- (newer_hash, newer_at) for the console. article_id is set in the
-- transaction that inserts the row.
CREATE TABLE wire_items (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES wire_feeds(id) ON DELETE CASCADE,
    guid          TEXT NOT NULL,
    article_id    INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    hash          TEXT NOT NULL,
    item_updated  TIMESTAMP,
    wire_revision INTEGER NOT NULL DEFAULT 0,
    newer_hash    TEXT NOT NULL DEFAULT '',
    newer_at      TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CONSTRAINT wire_items_once UNIQUE (feed_id, guid)
);
CREATE INDEX wire_items_article ON wire_items (article_id);
CREATE INDEX wire_items_newer ON wire_items (feed_id) WHERE newer_at IS NOT NULL;

-- A wire story's disclaimer, from its feed's template when it was
-- ingested; '' shows the publication's (the wire_disclaimer setting).
ALTER TABLE articles ADD COLUMN wire_disclaimer TEXT NOT NULL DEFAULT '';

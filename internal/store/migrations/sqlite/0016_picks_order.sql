-- Editors arrange their picks: pick_position orders the stories marked
-- editors_pick, lowest first. A story newly picked goes on top. Picks made
-- before are ordered newest first.
ALTER TABLE articles ADD COLUMN pick_position INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET pick_position = (
    SELECT COUNT(*) FROM articles b WHERE b.editors_pick
        AND (b.published_at > articles.published_at OR (b.published_at = articles.published_at AND b.id >= articles.id)))
    WHERE editors_pick;
CREATE INDEX articles_picks ON articles (pick_position) WHERE editors_pick;

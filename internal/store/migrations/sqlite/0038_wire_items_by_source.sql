-- An agency's item is one story, however many of the publication's feeds
-- carry it: source_key is the agency credited (lower case, its spaces
-- collapsed), and an item is known by (source_key, guid) as well as by
-- (feed_id, guid), each unique, so a second feed's poll of the item, at
-- once or later, finds it taken. Items ingested before are keyed by their
-- story's credit; of two such rows already sharing a key, the first keeps
-- it and the later is known by its feed alone ('' is no key).
ALTER TABLE wire_items ADD COLUMN source_key TEXT NOT NULL DEFAULT '';
UPDATE wire_items SET source_key = COALESCE(
    (SELECT lower(trim(a.wire_source)) FROM articles a WHERE a.id = wire_items.article_id), '');
UPDATE wire_items SET source_key = '' WHERE EXISTS (
    SELECT 1 FROM wire_items o WHERE o.source_key = wire_items.source_key AND o.guid = wire_items.guid
        AND o.id < wire_items.id);
CREATE UNIQUE INDEX wire_items_source_once ON wire_items (source_key, guid) WHERE source_key <> '';

-- The newer version kept back from a story an editor changed, as the
-- wire read it (a JSON object of its headline, standfirst, HTML, authors,
-- date and image), so that an editor may take it from the console.
ALTER TABLE wire_items ADD COLUMN newer_item TEXT NOT NULL DEFAULT '';

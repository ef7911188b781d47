-- The archive counts published stories by day, month and year, and lists
-- a day's in publication order: an index of the stories' status and
-- published times alone answers those counts, without reading the rows.
CREATE INDEX articles_status_published ON articles (status, published_at, id);

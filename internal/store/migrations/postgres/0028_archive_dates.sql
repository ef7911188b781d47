-- The archive counts published stories by day, month and year: an index
-- of the published stories' times alone answers those counts, and the
-- listing of a day's stories, without reading a draft or the rows.
CREATE INDEX articles_published_dates ON articles (published_at, id) WHERE status = 'published';

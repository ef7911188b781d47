-- The newsroom finds stories by words of their headlines among millions:
-- a full-text index of headlines, which PostgreSQL keeps on every write.
CREATE INDEX articles_headline_search ON articles USING GIN (to_tsvector('simple', headline));

-- SQLite's search index is now keyed by publication time (see its 0037).
-- PostgreSQL's needs nothing new: a search of many matches walks
-- articles_published, one of few the GIN index on articles.search.
SELECT 1;

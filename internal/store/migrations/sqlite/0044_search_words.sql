-- The words of the search index, one row each, for a prefix search to
-- find the words it starts (internal/store/search_prefix.go). A view of
-- the index itself: nothing is stored.
CREATE VIRTUAL TABLE article_search_words USING fts5vocab(article_search, 'row');

-- A search of a word found in many stories walks the stories newest first
-- (articles_status_published) and tests each one's tsvector: kept in the
-- row, compressed, rather than in the TOAST table, that test reads one
-- page instead of three, a third of the time. New and changed stories are
-- stored so; `VACUUM FULL articles` at a quiet hour moves the others.
ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN;

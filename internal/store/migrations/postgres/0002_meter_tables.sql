-- The meter's tables need no change here: PostgreSQL has no rowid tables,
-- so (unlike SQLite) nothing is rebuilt.

-- Instances keeping stories in memory ask every few seconds for those
-- edited since they last looked.
CREATE INDEX articles_updated_at ON articles (updated_at);

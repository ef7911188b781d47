-- The meter's tables become clustered on their primary keys (WITHOUT ROWID):
-- a first read then writes one b-tree per table instead of a rowid table
-- plus the index behind its primary key. Same columns, same keys, same rows.

CREATE TABLE meter_reads_new (
    reader     TEXT NOT NULL,
    month      TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    read_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (reader, month, article_id)
) WITHOUT ROWID;
INSERT INTO meter_reads_new (reader, month, article_id, read_at)
    SELECT reader, month, article_id, read_at FROM meter_reads;
DROP TABLE meter_reads;
ALTER TABLE meter_reads_new RENAME TO meter_reads;

CREATE TABLE meter_counts_new (
    reader TEXT NOT NULL,
    month  TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (reader, month)
) WITHOUT ROWID;
INSERT INTO meter_counts_new (reader, month, n)
    SELECT reader, month, n FROM meter_counts;
DROP TABLE meter_counts;
ALTER TABLE meter_counts_new RENAME TO meter_counts;

-- Instances keeping stories in memory ask every few seconds for those
-- edited since they last looked.
CREATE INDEX articles_updated_at ON articles (updated_at);

-- The audit log records admins' saves of the ad slots too: a subject of
-- its own ('ads', the one set of slots and origins, id 0), and no reason
-- asked, which money and access still need. SQLite changes a CHECK only
-- by making the table again.
CREATE TABLE audit_log_new (
    id           INTEGER PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    actor_email  TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('payment', 'subscription', 'account', 'ads')),
    subject_id   INTEGER NOT NULL,
    details      TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason <> '' OR subject_kind = 'ads')
);
INSERT INTO audit_log_new (id, at, actor_id, actor_email, action, subject_kind, subject_id, details, reason)
SELECT id, at, actor_id, actor_email, action, subject_kind, subject_id, details, reason FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;

-- The audit log records admins' saves of the ad slots too: a subject of
-- its own ('ads', the one set of slots and origins, id 0), and no reason
-- asked, which money and access still need.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_subject_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_subject_kind_check
    CHECK (subject_kind IN ('payment', 'subscription', 'account', 'ads'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_reason_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_reason_check CHECK (reason <> '' OR subject_kind = 'ads');

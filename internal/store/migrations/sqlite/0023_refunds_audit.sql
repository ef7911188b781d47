-- Admins' actions on readers' money and access, each written in the
-- transaction of its effect: who (their account and its email then), when,
-- what, to which payment, subscription or account, the details as printed
-- (name and value pairs, as JSON) and the reason the admin gave.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    actor_email  TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('payment', 'subscription', 'account')),
    subject_id   INTEGER NOT NULL,
    details      TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason <> '')
);

-- Refunds an admin gives. A refund is recorded pending under the key of
-- the form that asked for it before the provider is asked, under the same
-- key, so that a form sent twice, or a retry after a crash, refunds once.
-- It succeeds with the provider's reference, in the transaction that
-- issues its credit note.
CREATE TABLE refunds (
    id           INTEGER PRIMARY KEY,
    refund_key   TEXT NOT NULL UNIQUE,
    payment_id   INTEGER NOT NULL REFERENCES payments(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    amount_paise BIGINT NOT NULL CHECK (amount_paise > 0),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'succeeded')),
    end_access   TEXT NOT NULL DEFAULT '' CHECK (end_access IN ('', 'now', 'term_end')),
    reason       TEXT NOT NULL CHECK (reason <> ''),
    admin_id     INTEGER NOT NULL REFERENCES accounts(id),
    admin_email  TEXT NOT NULL,
    gateway      TEXT NOT NULL,
    gateway_ref  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK ((status = 'succeeded') = (gateway_ref <> ''))
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_account ON refunds (account_id, id);
CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending';

-- The built-in test gateway's refunds in part, one per refund key, never
-- more in all than the charge.
CREATE TABLE testgateway_refunds (
    refund_key   TEXT PRIMARY KEY,
    charge_key   TEXT NOT NULL REFERENCES testgateway_charges(idempotency_key),
    amount_paise BIGINT NOT NULL CHECK (amount_paise > 0),
    reference    TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX testgateway_refunds_charge ON testgateway_refunds (charge_key);

-- A complimentary subscription is given by an admin: a term of amount 0
-- paid by no payment, and no renewal.
ALTER TABLE subscriptions ADD COLUMN complimentary BOOLEAN NOT NULL DEFAULT FALSE;

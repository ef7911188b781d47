-- Renewals tell the reader everything: a pre-debit notice before each
-- automatic charge, a link in it that cancels auto-renewal without signing
-- in, and an email for every outcome.

-- How long a subscription whose renewal is being collected gives access
-- past its paid term: to the end of the grace period after a declined
-- renewal, or past a charge moved for a late notice. NULL: to paid_until.
ALTER TABLE subscriptions ADD COLUMN grace_until TIMESTAMP;
-- Subscriptions past due before this kept access for a fixed week.
UPDATE subscriptions SET grace_until = strftime('%Y-%m-%d %H:%M:%f+00:00', paid_until, '+7 days') WHERE status = 'past_due';

-- The pre-debit notice of each term's automatic charge: one per
-- subscription and term, with the amount and the day it named. No charge
-- of the term is made until a day after sent_at.
CREATE TABLE renewal_notices (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    seq             INTEGER NOT NULL,
    amount_paise    BIGINT NOT NULL,
    charge_at       TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, seq)
);

-- The links in those notices that cancel auto-renewal: single-use, until
-- the charge, for one subscription. Only the token's SHA-256 is kept.
CREATE TABLE renewal_cancel_tokens (
    id              INTEGER PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    seq             INTEGER NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX renewal_cancel_tokens_subscription ON renewal_cancel_tokens (subscription_id);
CREATE INDEX renewal_cancel_tokens_expires ON renewal_cancel_tokens (expires_at);

-- An email written for one event (a notice, a receipt) carries its key:
-- written again after a crash, it is kept once.
ALTER TABLE outbox ADD COLUMN message_key TEXT;
CREATE UNIQUE INDEX outbox_message_key ON outbox (message_key);

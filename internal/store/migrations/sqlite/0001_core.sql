-- Core schema: settings, content, accounts and sessions, the meter,
-- plans and subscriptions, payments, jobs and the mail outbox.
-- Times are stored in UTC.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sections (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    headline     TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    section_id   INTEGER NOT NULL REFERENCES sections(id),
    author       TEXT NOT NULL DEFAULT '',
    access_level TEXT NOT NULL DEFAULT 'metered',
    editors_pick BOOLEAN NOT NULL DEFAULT FALSE,
    wire_source  TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX articles_published ON articles (published_at DESC, id DESC);
CREATE INDEX articles_section ON articles (section_id, published_at DESC);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL DEFAULT '',
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP,
    ended_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id, ended_at);

CREATE TABLE login_links (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    code_hash  TEXT NOT NULL,
    next_path  TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_links_account ON login_links (account_id, created_at);

CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    failed_at   TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);

CREATE TABLE meter_reads (
    reader     TEXT NOT NULL,
    month      TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    read_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (reader, month, article_id)
);

CREATE TABLE meter_counts (
    reader TEXT NOT NULL,
    month  TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (reader, month)
);

CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    price_paise BIGINT NOT NULL,
    currency    TEXT NOT NULL DEFAULT 'INR',
    term_months INTEGER NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE payment_methods (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    gateway    TEXT NOT NULL,
    token      TEXT NOT NULL,
    brand      TEXT NOT NULL DEFAULT '',
    last4      TEXT NOT NULL DEFAULT '',
    exp_month  INTEGER NOT NULL DEFAULT 0,
    exp_year   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts(id),
    plan_id           INTEGER NOT NULL REFERENCES plans(id),
    status            TEXT NOT NULL,
    auto_renew        BOOLEAN NOT NULL DEFAULT TRUE,
    payment_method_id INTEGER REFERENCES payment_methods(id),
    anchor_at         TIMESTAMP NOT NULL,
    paid_until        TIMESTAMP NOT NULL,
    terms_paid        INTEGER NOT NULL DEFAULT 0,
    renewal_failures  INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);
CREATE INDEX subscriptions_due ON subscriptions (status, next_attempt_at);

CREATE TABLE subscription_terms (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    seq             INTEGER NOT NULL,
    plan_id         INTEGER NOT NULL REFERENCES plans(id),
    starts_at       TIMESTAMP NOT NULL,
    ends_at         TIMESTAMP NOT NULL,
    amount_paise    BIGINT NOT NULL,
    payment_id      INTEGER,
    UNIQUE (subscription_id, seq)
);
-- One payment pays for one term: a replayed checkout cannot start a second
-- subscription from the same charge.
CREATE UNIQUE INDEX subscription_terms_payment ON subscription_terms (payment_id);

CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    amount_paise    BIGINT NOT NULL,
    currency        TEXT NOT NULL DEFAULT 'INR',
    status          TEXT NOT NULL,
    gateway         TEXT NOT NULL,
    gateway_ref     TEXT NOT NULL DEFAULT '',
    failure         TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- The built-in test gateway keeps its charges here, keyed like a real
-- gateway's idempotency keys, so a retried charge is never taken twice.
CREATE TABLE testgateway_charges (
    idempotency_key TEXT PRIMARY KEY,
    token           TEXT NOT NULL,
    amount_paise    BIGINT NOT NULL,
    succeeded       BOOLEAN NOT NULL,
    reference       TEXT NOT NULL,
    failure         TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    unique_key   TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL DEFAULT '',
    run_at       TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    locked_until TIMESTAMP,
    locked_by    TEXT NOT NULL DEFAULT '',
    done_at      TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

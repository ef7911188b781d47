-- Curated newsletters. A list is open to every reader with a confirmed
-- address ('registered') or only to subscribers entitled to it
-- ('subscribers', decided at each send). Addresses join lists; only a
-- confirmed address receives anything, and one that hard-bounces
-- repeatedly is suppressed.
CREATE TABLE newsletter_lists (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL CHECK (name <> ''),
    description TEXT NOT NULL DEFAULT '',
    audience    TEXT NOT NULL CHECK (audience IN ('registered', 'subscribers')),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE newsletter_subscribers (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    confirmed_at  TIMESTAMP,
    hard_bounces  INTEGER NOT NULL DEFAULT 0,
    suppressed_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

-- A membership is one stay of an address on a list. Leaving closes it;
-- joining again opens another, so an unsubscribe link, which names its
-- membership, works once. At most one is open per address and list.
CREATE TABLE newsletter_memberships (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id),
    list_id       INTEGER NOT NULL REFERENCES newsletter_lists (id),
    joined_at     TIMESTAMP NOT NULL,
    left_at       TIMESTAMP,
    left_issue_id INTEGER
);
CREATE UNIQUE INDEX newsletter_memberships_open ON newsletter_memberships (list_id, subscriber_id) WHERE left_at IS NULL;
CREATE INDEX newsletter_memberships_subscriber ON newsletter_memberships (subscriber_id);
CREATE INDEX newsletter_memberships_left_issue ON newsletter_memberships (left_issue_id) WHERE left_issue_id IS NOT NULL;

-- A sign-up from the public form waits for its address to be confirmed by
-- an emailed link: only the token's SHA-256 is kept, and it works once.
CREATE TABLE newsletter_signups (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    email      TEXT NOT NULL,
    list_ids   TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX newsletter_signups_expires ON newsletter_signups (expires_at);

-- An issue of a list: an intro and stories, a draft until it is scheduled
-- (send_at, under the schedule's generation, which names its job) and
-- then sending and sent. queued_at is when its recipients were fixed.
CREATE TABLE newsletter_issues (
    id          INTEGER PRIMARY KEY,
    list_id     INTEGER NOT NULL REFERENCES newsletter_lists (id),
    subject     TEXT NOT NULL CHECK (subject <> ''),
    intro       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'sent')),
    send_at     TIMESTAMP,
    generation  INTEGER NOT NULL DEFAULT 0,
    queued_at   TIMESTAMP,
    sent_at     TIMESTAMP,
    created_by  INTEGER REFERENCES accounts (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX newsletter_issues_list ON newsletter_issues (list_id, id);

CREATE TABLE newsletter_issue_stories (
    issue_id   INTEGER NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (issue_id, article_id)
);
CREATE INDEX newsletter_issue_stories_article ON newsletter_issue_stories (article_id);

-- One row per issue and address, written when the issue's recipients are
-- fixed, and claimed ('sending', by the run named in claimed_by) before
-- its message goes out: the unique pair is what makes a send, resumed
-- after a crash, send nobody the same issue twice. A claim a dead run left
-- is 'interrupted', never sent again.
CREATE TABLE newsletter_deliveries (
    id            INTEGER PRIMARY KEY,
    issue_id      INTEGER NOT NULL REFERENCES newsletter_issues (id),
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id),
    membership_id INTEGER NOT NULL REFERENCES newsletter_memberships (id),
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped', 'interrupted')),
    claimed_by    TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMP,
    UNIQUE (issue_id, subscriber_id)
);
CREATE INDEX newsletter_deliveries_state ON newsletter_deliveries (issue_id, state, id);

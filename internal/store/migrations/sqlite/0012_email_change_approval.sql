-- An account without a password moves to a new address only once its
-- current address approves, by an emailed link (email_change_approval,
-- with the new address in new_email). SQLite cannot change a CHECK, so
-- the table is rebuilt with its rows and indexes.
CREATE TABLE account_tokens_approval (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'email_change', 'email_change_approval')),
    token_hash TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    new_email  TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO account_tokens_approval (id, purpose, token_hash, account_id, new_email, expires_at, used_at, created_at)
    SELECT id, purpose, token_hash, account_id, new_email, expires_at, used_at, created_at FROM account_tokens;
DROP TABLE account_tokens;
ALTER TABLE account_tokens_approval RENAME TO account_tokens;
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);
CREATE INDEX account_tokens_expires ON account_tokens (expires_at);

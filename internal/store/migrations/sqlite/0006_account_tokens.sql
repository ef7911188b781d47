-- Addresses are confirmed by an emailed link. Accounts made before this
-- existed count as confirmed; one registered on the site with a password
-- stays unconfirmed until its owner uses a link sent to the address.
ALTER TABLE accounts ADD COLUMN email_verified_at TIMESTAMP;
UPDATE accounts SET email_verified_at = created_at;

-- One-time emailed secrets other than sign-in links: confirming an
-- address (verify), setting a forgotten password (reset), and moving an
-- account to a new address (email_change, with the address in new_email).
-- Only the token's SHA-256 is kept.
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'email_change')),
    token_hash TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    new_email  TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- Each request for one of those emails, by throttle key (the address, the
-- client, the account), so that a limit per hour can be counted.
CREATE TABLE account_token_requests (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
CREATE INDEX account_token_requests_key ON account_token_requests (key, requested_at);

-- Sign-in links are keyed by the address they were sent to: asking for one
-- creates no account. Each remembers the client that asked (links per
-- client are limited) and its code as an HMAC keyed by a per-link salt.
-- SQLite cannot drop a column that references another table, so the table
-- is rebuilt. Links already sent keep working; their codes, stored the old
-- way, do not.
CREATE TABLE login_links_keyed (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    client     TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    code_salt  TEXT NOT NULL DEFAULT '',
    code_hash  TEXT NOT NULL DEFAULT '',
    next_path  TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO login_links_keyed (id, email, token_hash, next_path, expires_at, used_at, attempts, created_at)
    SELECT l.id, a.email, l.token_hash, l.next_path, l.expires_at, l.used_at, l.attempts, l.created_at
    FROM login_links l JOIN accounts a ON a.id = l.account_id;
DROP TABLE login_links;
ALTER TABLE login_links_keyed RENAME TO login_links;
CREATE INDEX login_links_email ON login_links (email, created_at);
CREATE INDEX login_links_client ON login_links (client, created_at);

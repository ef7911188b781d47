-- Sign-in links are keyed by the address they were sent to: asking for one
-- creates no account. Each remembers the client that asked (links per
-- client are limited) and its code as an HMAC keyed by a per-link salt.
-- Links already sent keep working; their codes, stored the old way, do not.
ALTER TABLE login_links ADD COLUMN email TEXT;
UPDATE login_links l SET email = a.email FROM accounts a WHERE a.id = l.account_id;
ALTER TABLE login_links ALTER COLUMN email SET NOT NULL;
ALTER TABLE login_links DROP COLUMN account_id;
ALTER TABLE login_links ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE login_links ADD COLUMN code_salt TEXT NOT NULL DEFAULT '';
UPDATE login_links SET code_hash = '';
ALTER TABLE login_links ALTER COLUMN code_hash SET DEFAULT '';
CREATE INDEX login_links_email ON login_links (email, created_at);
CREATE INDEX login_links_client ON login_links (client, created_at);

-- Pruning deletes rows by age, in batches: each table it prunes needs an
-- index on the time it goes by, so a batch finds its rows without a scan.
-- (jobs has jobs_due on done_at, login_throttle an index on its window;
-- the meter's tables are walked by their keys.)
CREATE INDEX sessions_ended ON sessions (ended_at);
CREATE INDEX login_links_expires ON login_links (expires_at);
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX account_tokens_expires ON account_tokens (expires_at);
CREATE INDEX account_token_requests_requested ON account_token_requests (requested_at);

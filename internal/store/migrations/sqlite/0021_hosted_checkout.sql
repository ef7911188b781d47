-- A reader pays a checkout on the payment provider's page: checkout_ref is
-- the provider's id of that page (a Stripe session, a Razorpay order), by
-- which its outcome is looked up.
ALTER TABLE payments ADD COLUMN checkout_ref TEXT NOT NULL DEFAULT '';

-- Each provider's webhook event is acted on once: its id is recorded in
-- the transaction that queues its effect, so a replay finds it and stops.
CREATE TABLE webhook_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    payment_key TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, event_id)
);

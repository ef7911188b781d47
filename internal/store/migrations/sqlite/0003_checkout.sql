-- Checkout charges exactly once: a payment says what it pays for (the plan
-- and the saved card of a checkout), at most one checkout per account is in
-- flight, and an account has at most one subscription that has not ended.

ALTER TABLE payments ADD COLUMN purpose TEXT NOT NULL DEFAULT 'renewal';
ALTER TABLE payments ADD COLUMN plan_id INTEGER REFERENCES plans(id);
ALTER TABLE payments ADD COLUMN payment_method_id INTEGER REFERENCES payment_methods(id);
ALTER TABLE payments ADD COLUMN refund_ref TEXT NOT NULL DEFAULT '';

-- Checkouts begun before payments named their plan: one left pending cannot
-- start a subscription, so recovery refunds any charge it finds for it.
UPDATE payments SET purpose = CASE WHEN status = 'pending' THEN 'legacy_checkout' ELSE 'checkout' END
    WHERE idempotency_key LIKE 'checkout:%';

CREATE UNIQUE INDEX payments_one_pending_checkout ON payments (account_id)
    WHERE purpose = 'checkout' AND status = 'pending';
CREATE INDEX payments_pending ON payments (status, created_at) WHERE status = 'pending';

-- Accounts that several parallel checkouts gave more than one live
-- subscription keep the one readers were shown (the latest paid); the
-- others end now, their payments kept on record for a refund.
UPDATE subscriptions SET status = 'ended', auto_renew = FALSE, next_attempt_at = NULL
    WHERE status <> 'ended' AND id <> (
        SELECT keep.id FROM subscriptions keep
        WHERE keep.account_id = subscriptions.account_id AND keep.status <> 'ended'
        ORDER BY keep.paid_until DESC, keep.id DESC LIMIT 1);

CREATE UNIQUE INDEX subscriptions_one_live ON subscriptions (account_id) WHERE status <> 'ended';

-- The test gateway refunds like a real one: once per charge.
ALTER TABLE testgateway_charges ADD COLUMN refund_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE testgateway_charges ADD COLUMN refunded_at TIMESTAMP;

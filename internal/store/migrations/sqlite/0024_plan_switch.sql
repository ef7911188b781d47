-- Plan switches. A subscription may be set to move to another plan at its
-- next renewal (next_plan_id), or move at once, paying the new plan's price
-- less what is left of the term it cuts short (the term's credit_paise).
-- Terms are counted in calendar months from the anchor: term seq ends at
-- anchor_at + plan months × (seq − anchor_seq), and a switch starts a new
-- count where the new plan's first term starts.
ALTER TABLE subscriptions ADD COLUMN next_plan_id INTEGER REFERENCES plans(id);
ALTER TABLE subscriptions ADD COLUMN anchor_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscription_terms ADD COLUMN credit_paise BIGINT NOT NULL DEFAULT 0;

-- A pre-debit notice names the plan its charge renews; the charge renews
-- that plan even if the reader switched after the notice went out.
ALTER TABLE renewal_notices ADD COLUMN plan_id INTEGER REFERENCES plans(id);

-- An account pays for one thing at a time: at most one upgrade of its
-- subscription is being charged.
CREATE UNIQUE INDEX payments_one_pending_upgrade ON payments (account_id)
    WHERE status = 'pending' AND purpose = 'upgrade';

-- A reader replacing the payment method a subscription's renewals charge:
-- the new one is saved on the provider's own page, under a setup key made
-- from the account and the form. The setup is bound to the account and the
-- subscription it was begun for, so its key alone cannot move a payment
-- method to anyone else.
CREATE TABLE payment_method_setups (
    id                INTEGER PRIMARY KEY,
    setup_key         TEXT NOT NULL UNIQUE,
    account_id        INTEGER NOT NULL REFERENCES accounts(id),
    subscription_id   INTEGER NOT NULL REFERENCES subscriptions(id),
    gateway           TEXT NOT NULL,
    checkout_ref      TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'saved', 'failed')),
    failure           TEXT NOT NULL DEFAULT '',
    payment_method_id INTEGER REFERENCES payment_methods(id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX payment_method_setups_account ON payment_method_setups (account_id);

-- The setup a payment method was saved by: a setup records its method
-- once, however often the reader's return is loaded or a webhook about it
-- arrives. Methods saved by a checkout have none.
ALTER TABLE payment_methods ADD COLUMN setup_key TEXT;
CREATE UNIQUE INDEX payment_methods_setup_key ON payment_methods (setup_key);

-- The built-in test gateway's cards saved without a charge, by setup key.
CREATE TABLE testgateway_setups (
    setup_key  TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

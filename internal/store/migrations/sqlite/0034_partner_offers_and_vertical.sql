-- The market-insights vertical: sections flagged as in it are read in
-- full only with the market-insights benefit (see the access package).
ALTER TABLE sections ADD COLUMN vertical BOOLEAN NOT NULL DEFAULT FALSE;

-- A partner's offer is a benefit of kind 'partner' (its name and
-- description are the benefit's title and text) with where its codes are
-- redeemed. Claims of an offer take turns on its row: low_stock is the
-- threshold below which the admins are emailed, and alerts counts the
-- times the codes left fell below it, each alert's job keyed by it.
CREATE TABLE partner_offers (
    benefit_id     INTEGER PRIMARY KEY REFERENCES benefits (id),
    redemption_url TEXT NOT NULL,
    low_stock      INTEGER NOT NULL DEFAULT 10 CHECK (low_stock >= 0),
    alerts         INTEGER NOT NULL DEFAULT 0
);

-- An offer's activation codes: each code once per offer, each given to
-- one reader (account_id, when claimed), each reader given one code per
-- offer. NULLs are distinct in a unique constraint on both engines, so
-- every code not yet claimed satisfies the second.
CREATE TABLE partner_codes (
    id          INTEGER PRIMARY KEY,
    offer_id    INTEGER NOT NULL REFERENCES partner_offers (benefit_id),
    code        TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    account_id  INTEGER REFERENCES accounts (id),
    claimed_at  TIMESTAMP,
    UNIQUE (offer_id, code),
    UNIQUE (offer_id, account_id),
    CHECK ((account_id IS NULL) = (claimed_at IS NULL))
);
-- The codes left, in the order they are given out.
CREATE INDEX partner_codes_left ON partner_codes (offer_id, id) WHERE account_id IS NULL;
CREATE INDEX partner_codes_account ON partner_codes (account_id) WHERE account_id IS NOT NULL;

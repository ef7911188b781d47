-- GST tax invoices and credit notes.
--
-- Each is numbered in its series (INV for invoices, CN for credit notes)
-- and financial year without a gap: the counter row of the series and year
-- is incremented in the transaction that records the payment (or the
-- refund), so a transaction rolled back takes no number and concurrent
-- ones, on any instance, take turns on the row. What an invoice prints is
-- copied into it when it is issued, so that a later change of settings,
-- plan or billing details rewrites no invoice.
CREATE TABLE invoice_counters (
    series         TEXT NOT NULL,
    financial_year TEXT NOT NULL,
    last_seq       BIGINT NOT NULL,
    PRIMARY KEY (series, financial_year)
);

CREATE TABLE invoices (
    id                 INTEGER PRIMARY KEY,
    series             TEXT NOT NULL CHECK (series IN ('INV', 'CN')),
    financial_year     TEXT NOT NULL,
    seq                BIGINT NOT NULL CHECK (seq > 0),
    number             TEXT NOT NULL UNIQUE,
    account_id         INTEGER NOT NULL REFERENCES accounts(id),
    payment_id         INTEGER NOT NULL REFERENCES payments(id),
    credits_invoice_id INTEGER REFERENCES invoices(id), -- a credit note's invoice
    refund_ref         TEXT NOT NULL DEFAULT '',        -- a credit note's refund
    issued_at          TIMESTAMP NOT NULL,
    supplier_name      TEXT NOT NULL,
    supplier_address   TEXT NOT NULL,
    supplier_gstin     TEXT NOT NULL,
    supplier_state     TEXT NOT NULL,
    recipient_name     TEXT NOT NULL,
    recipient_email    TEXT NOT NULL,
    recipient_state    TEXT NOT NULL,
    recipient_gstin    TEXT NOT NULL,
    sac                TEXT NOT NULL,
    description        TEXT NOT NULL,
    term_months        INTEGER NOT NULL,
    period_start       TIMESTAMP NOT NULL,
    period_end         TIMESTAMP NOT NULL,
    rate_percent       INTEGER NOT NULL,
    total_paise        BIGINT NOT NULL CHECK (total_paise >= 0),
    taxable_paise      BIGINT NOT NULL,
    cgst_paise         BIGINT NOT NULL,
    sgst_paise         BIGINT NOT NULL,
    igst_paise         BIGINT NOT NULL,
    UNIQUE (series, financial_year, seq),
    CHECK ((series = 'CN') = (credits_invoice_id IS NOT NULL)),
    CHECK ((series = 'CN') = (refund_ref <> '')),
    CHECK (taxable_paise + cgst_paise + sgst_paise + igst_paise = total_paise)
);
-- One tax invoice per payment, and one credit note per refund.
CREATE UNIQUE INDEX invoices_one_per_payment ON invoices (payment_id) WHERE series = 'INV';
CREATE UNIQUE INDEX invoices_one_per_refund ON invoices (refund_ref) WHERE series = 'CN';
CREATE INDEX invoices_account ON invoices (account_id, id);
CREATE INDEX invoices_credits ON invoices (credits_invoice_id) WHERE credits_invoice_id IS NOT NULL;

-- What a reader wants on their invoices: a name, a state (its GST code)
-- and, for a registered business, a GSTIN.
CREATE TABLE billing_details (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    name       TEXT NOT NULL,
    state      TEXT NOT NULL,
    gstin      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The account page lists a reader's payments.
CREATE INDEX payments_account ON payments (account_id, id);

-- Reconciliation with the payment provider: each difference found between
-- our payments and the provider's is kept as a report until an admin marks
-- it resolved. One report per kind and payment key is open at a time, so
-- a rerun, or several instances running at once, file it once.
CREATE TABLE reconciliation_reports (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payment_key  TEXT NOT NULL,
    provider_ref TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    found_at     TIMESTAMP NOT NULL,
    resolved_at  TIMESTAMP,
    resolved_by  INTEGER REFERENCES accounts(id)
);
CREATE UNIQUE INDEX reconciliation_reports_open ON reconciliation_reports (kind, payment_key) WHERE resolved_at IS NULL;
CREATE INDEX reconciliation_reports_resolved ON reconciliation_reports (kind, payment_key, provider_ref) WHERE resolved_at IS NOT NULL;

-- Reconciliation reads the recent payments of each gateway.
CREATE INDEX payments_created ON payments (created_at);
CREATE INDEX testgateway_charges_created ON testgateway_charges (created_at);

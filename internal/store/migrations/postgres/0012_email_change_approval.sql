-- An account without a password moves to a new address only once its
-- current address approves, by an emailed link (email_change_approval,
-- with the new address in new_email).
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('verify', 'reset', 'email_change', 'email_change_approval'));

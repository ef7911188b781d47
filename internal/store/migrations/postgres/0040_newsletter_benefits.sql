-- A newsletter list is open to every registered reader (benefit_id NULL)
-- or only to readers whose plan includes the benefit it names, decided at
-- each join, send and web view. A benefit that gates a list cannot be
-- deleted while it does: the foreign key refuses it.
ALTER TABLE newsletter_lists ADD COLUMN benefit_id BIGINT REFERENCES benefits (id);

-- Lists for subscribers were gated by premium stories, which always
-- exists: they stay so, and nobody gains or loses a list by the upgrade.
UPDATE newsletter_lists SET benefit_id = (SELECT id FROM benefits WHERE kind = 'premium')
WHERE audience = 'subscribers';

ALTER TABLE newsletter_lists DROP COLUMN audience;

-- The reference offer's line (migrations 0015, 0032) is the curated
-- newsletters benefit, which lists may now name; it gates no list until an
-- editor says so.
UPDATE benefits SET kind = 'newsletters'
WHERE id = (SELECT MIN(id) FROM benefits WHERE title = 'Curated Newsletters') AND kind = 'info';

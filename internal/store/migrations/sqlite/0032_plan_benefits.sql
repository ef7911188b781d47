-- Each benefit has a kind, what it gives a reader whose plan includes it:
-- 'premium' (every story in full), 'archive', 'market_insights' (the
-- vertical's stories), 'ad_free', 'partner' (a partner's access code) or
-- 'info' (a line of the offer that gates nothing). Kinds are checked by
-- the application, not here, so that kinds to come (newsletters, the
-- ePaper) need no rebuilt table.
ALTER TABLE benefits ADD COLUMN kind TEXT NOT NULL DEFAULT 'info';

-- The reference offer's lines (migration 0015, the demo) are the
-- benefits the gates ask about.
UPDATE benefits SET kind = 'premium' WHERE id = (SELECT MIN(id) FROM benefits WHERE title = 'Exclusive premium stories online');
UPDATE benefits SET kind = 'archive' WHERE id = (SELECT MIN(id) FROM benefits WHERE title = 'Archives');
UPDATE benefits SET kind = 'market_insights' WHERE id = (SELECT MIN(id) FROM benefits WHERE title = 'Market Analysis & Investment Insights');
UPDATE benefits SET kind = 'ad_free' WHERE id = (SELECT MIN(id) FROM benefits WHERE title = 'Ad-free Reading');

-- What each plan includes. A plan nobody bought may be deleted, and a
-- benefit too: its rows here go with it.
CREATE TABLE plan_benefits (
    plan_id    INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    benefit_id INTEGER NOT NULL REFERENCES benefits (id) ON DELETE CASCADE,
    PRIMARY KEY (plan_id, benefit_id)
);
CREATE INDEX plan_benefits_benefit ON plan_benefits (benefit_id);

-- Until now every paid subscription gave every benefit, and the offer
-- page listed each for every plan: each existing plan includes every
-- benefit listed.
INSERT INTO plan_benefits (plan_id, benefit_id) SELECT p.id, b.id FROM plans p CROSS JOIN benefits b;

-- The four the gates ask about always exist, once each: a publication
-- without such a line gets one, at the end of the list.
INSERT INTO benefits (position, kind, title, body)
SELECT (SELECT COALESCE(MAX(position), 0) + 1 FROM benefits), 'premium', 'Premium stories', 'Every story in full, premium ones included'
WHERE NOT EXISTS (SELECT 1 FROM benefits WHERE kind = 'premium');
INSERT INTO benefits (position, kind, title, body)
SELECT (SELECT COALESCE(MAX(position), 0) + 1 FROM benefits), 'archive', 'Archives', 'Every story we have published, in full'
WHERE NOT EXISTS (SELECT 1 FROM benefits WHERE kind = 'archive');
INSERT INTO benefits (position, kind, title, body)
SELECT (SELECT COALESCE(MAX(position), 0) + 1 FROM benefits), 'market_insights', 'Market Analysis & Investment Insights', 'In-depth market analysis and insights'
WHERE NOT EXISTS (SELECT 1 FROM benefits WHERE kind = 'market_insights');
INSERT INTO benefits (position, kind, title, body)
SELECT (SELECT COALESCE(MAX(position), 0) + 1 FROM benefits), 'ad_free', 'Ad-free reading', 'No advertisements on any page'
WHERE NOT EXISTS (SELECT 1 FROM benefits WHERE kind = 'ad_free');
CREATE UNIQUE INDEX benefits_one_per_kind ON benefits (kind) WHERE kind IN ('premium', 'archive', 'market_insights', 'ad_free');

-- No paid subscription loses what every one gave: each existing plan
-- includes premium stories, the archive and ad-free reading, even where
-- the line was added just now. A market-insights benefit added just now
-- was on no offer page, and no plan includes it until an admin says so.
INSERT INTO plan_benefits (plan_id, benefit_id)
SELECT p.id, b.id FROM plans p CROSS JOIN benefits b WHERE b.kind IN ('premium', 'archive', 'ad_free')
ON CONFLICT DO NOTHING;

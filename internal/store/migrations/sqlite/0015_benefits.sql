-- What the offer page says a subscription includes, in order, edited by
-- admins: a title and a line of text each, which may name the publication
-- as {{publication}}.
CREATE TABLE benefits (
    id       INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a stale form edits nothing else
    position INTEGER NOT NULL,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX benefits_position ON benefits (position, id);

-- A publication that already offers plans showed the reference offer's
-- list, written into the page until now: it keeps showing it. A new
-- database starts with none (the demo seeds its own).
INSERT INTO benefits (position, title, body)
SELECT v.position, v.title, v.body FROM (
              SELECT 1 AS position, 'Exclusive premium stories online' AS title, 'Over 30 premium stories daily, handpicked by our editors' AS body
    UNION ALL SELECT 2, 'Complimentary Access to The New York Times', 'News, Games, Cooking, Audio, Wirecutter & The Athletic'
    UNION ALL SELECT 3, '{{publication}} Epaper', 'Digital replica of our daily newspaper — with options to read, save, and share'
    UNION ALL SELECT 4, 'Curated Newsletters', 'Insights on markets, finance, politics, tech, and more delivered to your inbox'
    UNION ALL SELECT 5, 'Market Analysis & Investment Insights', 'In-depth market analysis & insights with access to The Smart Investor'
    UNION ALL SELECT 6, 'Archives', 'Repository of articles and publications dating back to 1997'
    UNION ALL SELECT 7, 'Ad-free Reading', 'Uninterrupted reading experience with no advertisements'
    UNION ALL SELECT 8, 'Seamless Access Across All Devices', 'Access {{publication}} across devices — mobile, tablet, or PC, via web or app'
) AS v
WHERE EXISTS (SELECT 1 FROM plans);

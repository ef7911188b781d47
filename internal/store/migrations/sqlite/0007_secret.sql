-- The key that signs readers' cookies is no longer kept in the database,
-- where any copy of it would give the key away: it comes from
-- BROADSHEET_SECRET or, on SQLite, a file beside the database. Cookies
-- signed with the old key are replaced with new ones on the next visit.
DELETE FROM settings WHERE key = 'secret:cookie';

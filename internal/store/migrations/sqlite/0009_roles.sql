-- An account's role replaces the admin flag: '' for a reader, 'editor'
-- (staff: reads every story in full) or 'admin' (everything). The check
-- keeps a mistyped role out of the table, where it would grant nothing.
ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT ''
    CONSTRAINT accounts_role_known CHECK (role IN ('', 'editor', 'admin'));
UPDATE accounts SET role = 'admin' WHERE is_admin;
ALTER TABLE accounts DROP COLUMN is_admin;

-- When an account was given its role, for the admins' staff list: NULL
-- for a reader. Staff from before have had theirs since the account began,
-- as far as the database knows.
ALTER TABLE accounts ADD COLUMN role_since TIMESTAMP;
UPDATE accounts SET role_since = created_at WHERE role <> '';

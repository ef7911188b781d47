-- Sign-in attempts are counted per key (an account on one client, or a
-- client) in a window that opens with the first attempt: one row per key,
-- incremented in one statement before the password is checked.
CREATE TABLE login_throttle (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    window_start TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);

-- Failed sign-ins were counted one row each; the counters above replace them.
DROP TABLE login_failures;

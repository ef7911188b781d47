-- A long job saves how far it got, so that after a crash the next attempt
-- resumes there instead of starting over.
ALTER TABLE jobs ADD COLUMN progress TEXT NOT NULL DEFAULT '';

-- Each kind of job has its own workers, which claim the oldest due job of
-- their kind.
CREATE INDEX jobs_due_by_kind ON jobs (kind, run_at) WHERE done_at IS NULL;

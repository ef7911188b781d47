package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

var pruneNow = time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)

// pruneCutoffs are the default retention at pruneNow, with the meter kept
// for this month and the previous one.
func pruneCutoffs() store.PruneBefore {
	day := 24 * time.Hour
	return store.PruneBefore{
		MeterMonth:    "2026-10",
		EndedSessions: pruneNow.Add(-90 * day),
		Links:         pruneNow.Add(-7 * day),
		Throttle:      pruneNow.Add(-day),
		DoneJobs:      pruneNow.Add(-30 * day),
		Outbox:        pruneNow.Add(-30 * day),
	}
}

func mustExec(t *testing.T, s *store.Store, q string, args ...any) {
	t.Helper()
	if err := s.ExecRaw(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func mustCount(t *testing.T, s *store.Store, q string, args ...any) int64 {
	t.Helper()
	n, err := s.CountRaw(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// plantAccount adds an account for rows that need one.
func plantAccount(t *testing.T, s *store.Store) int64 {
	t.Helper()
	mustExec(t, s, `INSERT INTO accounts (email, created_at) VALUES ('prune@example.com', $1)`, pruneNow.Add(-400*24*time.Hour))
	return mustCount(t, s, `SELECT id FROM accounts WHERE email = 'prune@example.com'`)
}

// Each kind of row, planted old and recent: the old ones go, the recent
// ones, the meter of this month and last, open sessions and undone jobs
// stay.
func TestPruneDeletesOnlyWhatIsOld(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ago := func(d time.Duration) time.Time { return pruneNow.Add(-d) }
		day := 24 * time.Hour
		acct := plantAccount(t, s)

		for _, reader := range []string{"anon:a", "anon:B", "acct:7"} {
			for _, month := range []string{"2026-08", "2026-09", "2026-10", "2026-11"} {
				for article := int64(1); article <= 3; article++ {
					mustExec(t, s, `INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES ($1, $2, $3, $4)`,
						reader, month, article, pruneNow)
				}
				mustExec(t, s, `INSERT INTO meter_counts (reader, month, n) VALUES ($1, $2, 3)`, reader, month)
			}
		}
		session := func(hash string, ended *time.Time) {
			mustExec(t, s, `INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, ended_at)
				VALUES ($1, $2, $3, $3, $4)`, hash, acct, ago(400*day), ended)
		}
		old, recent := ago(91*day), ago(89*day)
		session("ended-long-ago", &old)
		session("ended-recently", &recent)
		session("open-for-a-year", nil)

		mustExec(t, s, `INSERT INTO plans (code, name, price_paise, term_months) VALUES ('prune-plan', 'Plan', 90000, 3)`)
		mustExec(t, s, `INSERT INTO subscriptions (account_id, plan_id, status, anchor_at, paid_until, created_at, updated_at)
			VALUES ($1, (SELECT id FROM plans WHERE code = 'prune-plan'), 'active', $2, $2, $2, $2)`, acct, pruneNow)
		link := func(hash string, expires time.Time, used bool) {
			var usedAt *time.Time
			if used {
				usedAt = &expires
			}
			mustExec(t, s, `INSERT INTO login_links (email, token_hash, code_hash, expires_at, used_at, created_at)
				VALUES ((SELECT email FROM accounts WHERE id = $1), $2, 'c', $3, $4, $3)`, acct, hash, expires, usedAt)
			mustExec(t, s, `INSERT INTO account_tokens (purpose, token_hash, account_id, expires_at, used_at, created_at)
				VALUES ('reset', $1, $2, $3, $4, $3)`, hash, acct, expires, usedAt)
			mustExec(t, s, `INSERT INTO renewal_cancel_tokens (token_hash, subscription_id, seq, expires_at, used_at, created_at)
				VALUES ($1, (SELECT id FROM subscriptions WHERE account_id = $2), 2, $3, $4, $3)`, hash, acct, expires, usedAt)
			mustExec(t, s, `INSERT INTO newsletter_signups (token_hash, email, list_ids, expires_at, used_at, created_at)
				VALUES ($1, 'a@example.com', '1', $2, $3, $2)`, hash, expires, usedAt)
		}
		link("expired-8-days", ago(8*day), false)
		link("used-8-days", ago(8*day), true)
		link("expired-6-days", ago(6*day), false)
		link("live", pruneNow.Add(10*time.Minute), false)

		for i, at := range []time.Time{ago(25 * time.Hour), ago(time.Hour)} {
			mustExec(t, s, `INSERT INTO login_throttle (key, window_start, attempts) VALUES ($1, $2, 3)`, fmt.Sprint("k", i), at)
			mustExec(t, s, `INSERT INTO account_token_requests (key, requested_at) VALUES ('k', $1)`, at)
		}

		job := func(key string, done *time.Time) {
			mustExec(t, s, `INSERT INTO jobs (kind, unique_key, run_at, done_at, created_at) VALUES ('renewal', $1, $2, $3, $2)`,
				key, ago(400*day), done)
		}
		jobOld, jobRecent := ago(31*day), ago(29*day)
		job("done-long-ago", &jobOld)
		job("done-recently", &jobRecent)
		job("never-done", nil)

		mustExec(t, s, `INSERT INTO outbox (to_addr, subject, body, created_at) VALUES ('a', 'old', '', $1), ('a', 'new', '', $2)`,
			ago(31*day), ago(29*day))

		pruned, err := s.Prune(ctx, pruneCutoffs(), 5000)
		if err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			what  string
			query string
			want  int64
		}{
			{"meter reads of months before the previous", `SELECT COUNT(*) FROM meter_reads WHERE month < '2026-10'`, 0},
			{"meter reads of this month and the previous", `SELECT COUNT(*) FROM meter_reads WHERE month >= '2026-10'`, 3 * 2 * 3},
			{"meter counts of months before the previous", `SELECT COUNT(*) FROM meter_counts WHERE month < '2026-10'`, 0},
			{"meter counts of this month and the previous", `SELECT COUNT(*) FROM meter_counts WHERE month >= '2026-10'`, 3 * 2},
			{"sessions ended over 90 days ago", `SELECT COUNT(*) FROM sessions WHERE token_hash = 'ended-long-ago'`, 0},
			{"sessions kept", `SELECT COUNT(*) FROM sessions WHERE token_hash IN ('ended-recently', 'open-for-a-year')`, 2},
			{"links expired over 7 days ago", `SELECT COUNT(*) FROM login_links WHERE token_hash IN ('expired-8-days', 'used-8-days')`, 0},
			{"links kept", `SELECT COUNT(*) FROM login_links WHERE token_hash IN ('expired-6-days', 'live')`, 2},
			{"tokens expired over 7 days ago", `SELECT COUNT(*) FROM account_tokens WHERE token_hash IN ('expired-8-days', 'used-8-days')`, 0},
			{"tokens kept", `SELECT COUNT(*) FROM account_tokens WHERE token_hash IN ('expired-6-days', 'live')`, 2},
			{"cancel links expired over 7 days ago", `SELECT COUNT(*) FROM renewal_cancel_tokens WHERE token_hash IN ('expired-8-days', 'used-8-days')`, 0},
			{"cancel links kept", `SELECT COUNT(*) FROM renewal_cancel_tokens WHERE token_hash IN ('expired-6-days', 'live')`, 2},
			{"newsletter sign-ups expired over 7 days ago", `SELECT COUNT(*) FROM newsletter_signups WHERE token_hash IN ('expired-8-days', 'used-8-days')`, 0},
			{"newsletter sign-ups kept", `SELECT COUNT(*) FROM newsletter_signups WHERE token_hash IN ('expired-6-days', 'live')`, 2},
			{"sign-in throttle windows kept", `SELECT COUNT(*) FROM login_throttle WHERE key = 'k1'`, 1},
			{"token requests kept", `SELECT COUNT(*) FROM account_token_requests`, 1},
			{"jobs done over 30 days ago", `SELECT COUNT(*) FROM jobs WHERE unique_key = 'done-long-ago'`, 0},
			{"jobs kept", `SELECT COUNT(*) FROM jobs WHERE unique_key IN ('done-recently', 'never-done')`, 2},
			{"outbox kept", `SELECT COUNT(*) FROM outbox WHERE subject = 'new'`, 1},
			{"outbox left", `SELECT COUNT(*) FROM outbox`, 1},
		} {
			if got := mustCount(t, s, c.query); got != c.want {
				t.Errorf("%s: %d rows, want %d", c.what, got, c.want)
			}
		}
		want := store.Pruned{
			"meter_reads": 3 * 2 * 3, "meter_counts": 3 * 2, "sessions": 1, "login_links": 2, "account_tokens": 2, "renewal_cancel_tokens": 2,
			"newsletter_signups": 2,
			"login_throttle":     1, "account_token_requests": 1, "jobs": 1, "outbox": 1,
		}
		for table, n := range want {
			if pruned[table] != n {
				t.Errorf("pruned %d rows of %s, want %d", pruned[table], table, n)
			}
		}

		// Pruning again finds nothing more.
		again, err := s.Prune(ctx, pruneCutoffs(), 5000)
		if err != nil {
			t.Fatal(err)
		}
		for table, n := range again {
			if n != 0 {
				t.Errorf("second prune deleted %d more rows of %s", n, table)
			}
		}
	})
}

// A backlog of many batches is pruned whole, old rows interleaved with
// kept ones in the meter's key order, with reader names whose order
// differs between byte order and PostgreSQL's collation.
func TestPruneBacklogLargerThanABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		acct := plantAccount(t, s)
		readers := []string{"anon:a", "anon:B", "anon:_c", "anon:a-b", "anon:ab", "anon:Ab", "acct:10", "acct:9", "anon:é"}
		var oldReads, oldCounts int64
		for _, reader := range readers {
			for _, month := range []string{"2025-12", "2026-03", "2026-10", "2026-11"} {
				for article := int64(1); article <= 4; article++ {
					mustExec(t, s, `INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES ($1, $2, $3, $4)`,
						reader, month, article, pruneNow)
					if month < "2026-10" {
						oldReads++
					}
				}
				mustExec(t, s, `INSERT INTO meter_counts (reader, month, n) VALUES ($1, $2, 4)`, reader, month)
				if month < "2026-10" {
					oldCounts++
				}
			}
		}
		const links = 53
		for i := range links {
			expires := pruneNow.Add(-8 * 24 * time.Hour)
			if i%5 == 0 {
				expires = pruneNow // kept, among the old ones
			}
			mustExec(t, s, `INSERT INTO login_links (email, token_hash, code_hash, expires_at, created_at)
				VALUES ((SELECT email FROM accounts WHERE id = $1), $2, 'c', $3, $3)`, acct, fmt.Sprint("link-", i), expires)
		}

		const batch = 7 // every table holds several batches of old rows
		pruned, err := s.Prune(ctx, pruneCutoffs(), batch)
		if err != nil {
			t.Fatal(err)
		}
		if pruned["meter_reads"] != oldReads || pruned["meter_counts"] != oldCounts || pruned["login_links"] != links-11 {
			t.Errorf("pruned %d reads, %d counts, %d links; want %d, %d, %d",
				pruned["meter_reads"], pruned["meter_counts"], pruned["login_links"], oldReads, oldCounts, links-11)
		}
		if n := mustCount(t, s, `SELECT COUNT(*) FROM meter_reads WHERE month < '2026-10'`) +
			mustCount(t, s, `SELECT COUNT(*) FROM meter_counts WHERE month < '2026-10'`); n != 0 {
			t.Errorf("%d meter rows of past months left", n)
		}
		if n := mustCount(t, s, `SELECT COUNT(*) FROM meter_reads WHERE month >= '2026-10'`); n != int64(len(readers)*2*4) {
			t.Errorf("%d meter reads of this month and the last kept, want %d", n, len(readers)*2*4)
		}
		if n := mustCount(t, s, `SELECT COUNT(*) FROM login_links`); n != 11 {
			t.Errorf("%d links left, want the 11 live ones", n)
		}
	})
}

// Bad input changes nothing.
func TestPruneRefusesBatchBelowOne(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	if _, err := s.Prune(context.Background(), pruneCutoffs(), 0); err == nil {
		t.Error("a batch of 0 rows was accepted")
	}
}

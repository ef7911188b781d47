package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// On PostgreSQL a worker does not queue behind another that is claiming
// the oldest job: it skips that row and claims the next.
func TestClaimSkipsAJobBeingClaimed(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t, "postgres")
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	for i, key := range []string{"first", "second"} {
		if _, err := s.EnqueueJob(ctx, "work", key, "", now.Add(time.Duration(i)*time.Second), now); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, `SELECT id FROM jobs WHERE unique_key = 'first' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	// Without SKIP LOCKED the claim waits for the other transaction,
	// which here never ends: the deadline turns that wait into a failure.
	claimCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	j, err := s.ClaimJob(claimCtx, "work", "worker-b", now.Add(time.Minute), time.Minute)
	if err != nil {
		t.Fatalf("the claim waited for a row another worker is claiming: %v", err)
	}
	if j.UniqueKey != "second" {
		t.Errorf("claimed %q, want the job nobody else is claiming", j.UniqueKey)
	}
}

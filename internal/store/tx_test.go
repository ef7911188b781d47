package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// What a transaction wrote is kept only if its function succeeds: an
// error rolls every write back, and success commits them all.
func TestInTxCommitsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		failed := errors.New("a later step failed")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.EnqueueJob(ctx, "test", "rolled-back", "", now, now); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("InTx: %v, want the function's error", err)
		}
		if _, _, err := s.JobByKey(ctx, "rolled-back"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("job of the failed transaction: %v, want ErrNotFound", err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.EnqueueJob(ctx, "test", "committed", "", now, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.JobByKey(ctx, "committed"); err != nil {
			t.Errorf("job of the committed transaction: %v", err)
		}
	})
}

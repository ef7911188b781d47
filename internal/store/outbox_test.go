package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// An email written for one event is kept once, however often it is
// written (its job retried after a crash); emails without a key are all
// kept.
func TestOutboxKeepsAKeyedEmailOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		for i := range 2 {
			if err := st.AddToOutbox(ctx, "reader@example.com", "Renewal notice", "first copy", "renewal-notice:1:2", now); err != nil {
				t.Fatalf("copy %d: %v", i+1, err)
			}
			if err := st.AddToOutbox(ctx, "reader@example.com", "Welcome", "no key", "", now); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddToOutbox(ctx, "reader@example.com", "Renewal notice", "next term", "renewal-notice:1:3", now); err != nil {
			t.Fatal(err)
		}
		msgs, err := st.Outbox(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range msgs {
			count[m.Body]++
		}
		if count["first copy"] != 1 || count["no key"] != 2 || count["next term"] != 1 || len(msgs) != 4 {
			t.Errorf("outbox holds %v, want the keyed email once, the unkeyed twice and the other key once", count)
		}
	})
}

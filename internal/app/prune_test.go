package app_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
)

// The periodic work prunes the meter of months before the previous one,
// counting months in the publication's time zone, and prunes at most once
// an hour.
func TestPruneOnSchedule(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		st := site.App.Store
		site.App.Config.Retain = config.DefaultRetention()
		loc := site.App.Settings.Get().Location

		// Just after midnight on 1 December there: December is this
		// month, November the previous; in UTC it is still November.
		now := time.Date(2026, 12, 1, 1, 0, 0, 0, loc)
		if now.UTC().Month() == now.Month() {
			t.Fatalf("the publication's time zone %s is not ahead of UTC; this test needs one that is", loc)
		}
		site.Clock.Set(now)
		months := []string{"2026-09", "2026-10", "2026-11", "2026-12"}
		plant := func(reader string) {
			t.Helper()
			for _, month := range months {
				for article := int64(1); article <= 2; article++ {
					if _, _, err := st.ClaimReads(ctx, reader, month, []int64{article}, 10, now); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		used := func(reader, month string) int {
			t.Helper()
			n, err := st.MeterUsed(ctx, reader, month)
			if err != nil {
				t.Fatal(err)
			}
			reads, err := st.MeterReads(ctx, reader, month)
			if err != nil {
				t.Fatal(err)
			}
			if len(reads) != n {
				t.Errorf("%s %s: count %d but %d reads", reader, month, n, len(reads))
			}
			return n
		}
		plant("anon:pruned-reader")
		if err := st.AddToOutbox(ctx, "a@example.com", "old mail", "", "", now.Add(-31*24*time.Hour)); err != nil {
			t.Fatal(err)
		}

		site.RunJobs()
		for month, want := range map[string]int{"2026-09": 0, "2026-10": 0, "2026-11": 2, "2026-12": 2} {
			if got := used("anon:pruned-reader", month); got != want {
				t.Errorf("after pruning, %s has %d stories counted, want %d", month, got, want)
			}
		}
		if outboxHas(t, site, "old mail") {
			t.Error("mail stored 31 days ago is still in the outbox")
		}

		// Within the hour nothing is pruned again; after it, it is.
		plant("anon:later-reader")
		site.Clock.Advance(59 * time.Minute)
		site.RunJobs()
		if got := used("anon:later-reader", "2026-09"); got != 2 {
			t.Errorf("pruned again within the hour: September has %d stories counted, want 2 until the hour is up", got)
		}
		site.Clock.Advance(2 * time.Minute)
		site.RunJobs()
		if got := used("anon:later-reader", "2026-09"); got != 0 {
			t.Errorf("an hour later September still has %d stories counted", got)
		}
		if got := used("anon:later-reader", "2026-11"); got != 2 {
			t.Errorf("the previous month has %d stories counted, want 2", got)
		}
	})
}

func outboxHas(t *testing.T, site *apptest.Site, subject string) bool {
	t.Helper()
	msgs, err := site.App.Store.Outbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Subject == subject {
			return true
		}
	}
	return false
}

package meter

import (
	"testing"
	"time"

	"broadsheet/internal/content"
)

func TestMonthUsesPublicationZone(t *testing.T) {
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		at   time.Time
		want string
	}{
		{"23:59 IST on 31 Oct", time.Date(2026, 10, 31, 23, 59, 0, 0, ist), "2026-10"},
		{"00:01 IST on 1 Nov", time.Date(2026, 11, 1, 0, 1, 0, 0, ist), "2026-11"},
		{"18:29 UTC on 31 Oct is 23:59 IST", time.Date(2026, 10, 31, 18, 29, 0, 0, time.UTC), "2026-10"},
		{"18:31 UTC on 31 Oct is 00:01 IST", time.Date(2026, 10, 31, 18, 31, 0, 0, time.UTC), "2026-11"},
		{"new year in IST before UTC", time.Date(2026, 12, 31, 19, 0, 0, 0, time.UTC), "2027-01"},
		{"29 Feb of a leap year", time.Date(2028, 2, 29, 23, 0, 0, 0, ist), "2028-02"},
	}
	for _, c := range cases {
		if got := Month(c.at, ist); got != c.want {
			t.Errorf("%s: Month = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want Decision
	}{
		{"first story of the month", Input{Access: content.Metered, Used: 0, Limit: 3}, Decision{true, Metered, true}},
		{"last free story", Input{Access: content.Metered, Used: 2, Limit: 3}, Decision{true, Metered, true}},
		{"past the limit", Input{Access: content.Metered, Used: 3, Limit: 3}, Decision{false, MeterExhausted, false}},
		{"re-read after the limit is free", Input{Access: content.Metered, AlreadyRead: true, Used: 3, Limit: 3}, Decision{true, Metered, false}},
		{"re-read before the limit does not count", Input{Access: content.Metered, AlreadyRead: true, Used: 1, Limit: 3}, Decision{true, Metered, false}},
		{"premium to a non-subscriber, meter untouched", Input{Access: content.Premium, Used: 0, Limit: 3}, Decision{false, PremiumOnly, false}},
		{"premium already 'read' is still premium", Input{Access: content.Premium, AlreadyRead: true, Limit: 3}, Decision{false, PremiumOnly, false}},
		{"subscriber reads premium", Input{Subscriber: true, Access: content.Premium}, Decision{true, Subscriber, false}},
		{"subscriber past any meter", Input{Subscriber: true, Access: content.Metered, Used: 9, Limit: 3}, Decision{true, Subscriber, false}},
		{"free story past the limit", Input{Access: content.Free, Used: 3, Limit: 3}, Decision{true, FreeStory, false}},
		{"limit lowered below use stops new stories", Input{Access: content.Metered, Used: 4, Limit: 2}, Decision{false, MeterExhausted, false}},
		{"limit lowered below use keeps re-reads", Input{Access: content.Metered, AlreadyRead: true, Used: 4, Limit: 2}, Decision{true, Metered, false}},
		{"limit raised gives more", Input{Access: content.Metered, Used: 3, Limit: 5}, Decision{true, Metered, true}},
		{"archive story to a reader with free stories left, meter untouched", Input{Archived: true, Access: content.Metered, Limit: 3}, Decision{false, ArchiveOnly, false}},
		{"archive story already read this month stays closed", Input{Archived: true, Access: content.Metered, AlreadyRead: true, Limit: 3}, Decision{false, ArchiveOnly, false}},
		{"archive free story is closed too", Input{Archived: true, Access: content.Free, Limit: 3}, Decision{false, ArchiveOnly, false}},
		{"limit zero: no free stories", Input{Access: content.Metered, Limit: 0}, Decision{false, MeterExhausted, false}},
	}
	for _, c := range cases {
		if got := Decide(c.in); got != c.want {
			t.Errorf("%s: Decide(%+v) = %+v, want %+v", c.name, c.in, got, c.want)
		}
	}
}

func TestRemaining(t *testing.T) {
	for _, c := range []struct{ used, limit, want int }{{0, 3, 3}, {2, 3, 1}, {3, 3, 0}, {5, 3, 0}} {
		if got := Remaining(c.used, c.limit); got != c.want {
			t.Errorf("Remaining(%d, %d) = %d, want %d", c.used, c.limit, got, c.want)
		}
	}
}

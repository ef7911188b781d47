package web_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// 200 sign-ins at once, each from a client of its own so that no throttle
// stands in the way: never more password hashes run at once than the
// limiter allows (each holds 19 MiB), and the sign-ins that find no turn in
// time are told to come back, with 503 and Retry-After; nothing else fails.
func TestHashLimitParallelSignIns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		owner := demoAccount(t, "subscriber")
		attempts := make([]func() thAnswer, 200)
		for i := range attempts {
			d := thDeviceAt(site, fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250))
			door := thDoors[i%2]
			attempts[i] = func() thAnswer { return door.signIn(d, owner.Email, owner.Password) }
		}
		before := site.App.Accounts.Hashes.Stats()
		counts := map[string]int{}
		for i, a := range thParallel(attempts) {
			switch {
			case a.err != nil:
				t.Fatalf("sign-in %d: %v", i, a.err)
			case a.signedIn:
				counts["signed in"]++
			case a.status == http.StatusServiceUnavailable:
				counts["busy"]++
				if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("sign-in %d: 503 with Retry-After %q", i, a.header.Get("Retry-After"))
				}
				if !strings.Contains(a.body, "busy") || !strings.Contains(a.body, "try again") {
					t.Errorf("sign-in %d: 503 without a message saying to try again:\n%s", i, a.body)
				}
			case a.status == http.StatusTooManyRequests:
				counts["throttled"]++
			default:
				t.Fatalf("sign-in %d: status %d\n%s", i, a.status, a.body)
			}
		}
		after := site.App.Accounts.Hashes.Stats()
		if after.Peak > int64(after.Limit) {
			t.Errorf("%d hashes ran at once, the limit is %d", after.Peak, after.Limit)
		}
		if hashed := after.Total - before.Total; hashed != int64(counts["signed in"]) {
			t.Errorf("%d hashes for %d sign-ins", hashed, counts["signed in"])
		}
		if counts["signed in"] == 0 {
			t.Error("no sign-in got through")
		}
		t.Logf("%v; at most %d hashes at once (limit %d)", counts, after.Peak, after.Limit)
	})
}

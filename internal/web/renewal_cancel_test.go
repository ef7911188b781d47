package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
)

var rcLinkRE = regexp.MustCompile(`https?://\S+(` + regexp.QuoteMeta(billing.CancelRenewalPath) + `\S+)`)

// rcNotice moves the clock to the notice period of the subscriber's
// renewal, lets the notice go out, and returns the path of the cancel link
// it carries, read from the email, and the subscription.
func rcNotice(t *testing.T, site *apptest.Site) (string, *billing.Subscription) {
	t.Helper()
	ctx := context.Background()
	sub, err := site.App.Billing.Current(ctx, accountID(t, site, "subscriber"))
	if err != nil || sub == nil {
		t.Fatalf("the subscriber's subscription: %v, %v", sub, err)
	}
	site.Clock.Set(sub.NextAttemptAt.Add(-billing.DefaultSchedule.Notice))
	site.RunJobs()
	msgs, err := site.App.Store.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == demoAccount(t, "subscriber").Email && strings.Contains(m.Subject, "renews on") {
			if link := rcLinkRE.FindStringSubmatch(m.Body); link != nil {
				return link[1], sub
			}
			t.Fatalf("the notice has no cancel link:\n%s", m.Body)
		}
	}
	t.Fatal("no renewal notice was sent")
	return "", nil
}

// rcAutoRenew reports whether the subscription still renews.
func rcAutoRenew(t *testing.T, site *apptest.Site, sub *billing.Subscription) bool {
	t.Helper()
	got, err := site.App.Store.SubscriptionByID(context.Background(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.AutoRenew
}

// rcPost submits the confirmation form of a link as the page's button does.
func rcPost(b *apptest.Browser, path string) apptest.Response {
	return b.Post(path, nil)
}

// The link in the notice, opened without signing in, shows what it would
// cancel and a button, and cancels nothing (mail scanners open links); the
// button turns auto-renewal off, with access to the end of the paid term,
// and nothing is charged on the day. Used again it changes nothing, even
// after the reader turned auto-renewal back on, and says so.
func TestCancelLinkFromTheNotice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		path, sub := rcNotice(t, site)
		anon := site.NewBrowser()
		for range 2 {
			page := anon.Get(path)
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `action="`+path+`"`) ||
				!strings.Contains(page.Body, "Smart Essential") || !strings.Contains(page.Body, "₹2,700") {
				t.Fatalf("GET the link: status %d:\n%s", page.Status, page.Body)
			}
			if page.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Error("the link's page may leak its address in a Referer")
			}
		}
		if !rcAutoRenew(t, site, sub) {
			t.Fatal("opening the link cancelled auto-renewal")
		}

		done := rcPost(anon, path)
		if done.Status != http.StatusOK || !strings.Contains(done.Body, "is off") {
			t.Fatalf("POST the link: status %d:\n%s", done.Status, done.Body)
		}
		if rcAutoRenew(t, site, sub) {
			t.Fatal("the button did not cancel auto-renewal")
		}
		if cur, err := site.App.Billing.Current(ctx, sub.AccountID); err != nil || cur == nil ||
			!cur.PaidUntil.Equal(sub.PaidUntil) || !billing.Entitled(cur, site.Clock.Now()) {
			t.Errorf("after cancelling: %+v, %v; want access to the end of the paid term", cur, err)
		}

		for _, resp := range []apptest.Response{anon.Get(path), rcPost(anon, path)} {
			if resp.Status != http.StatusGone || !strings.Contains(resp.Body, "used already") {
				t.Errorf("the used link: status %d, want 410 saying it was used", resp.Status)
			}
		}
		reader := site.NewBrowser()
		logIn(t, reader, demoAccount(t, "subscriber"), "/account")
		if resp := reader.Post("/account/resume", nil); resp.Status != http.StatusOK || !rcAutoRenew(t, site, sub) {
			t.Fatalf("resume: status %d", resp.Status)
		}
		if resp := rcPost(anon, path); resp.Status != http.StatusGone || !rcAutoRenew(t, site, sub) {
			t.Errorf("the used link after resuming: status %d, auto-renew %v; want 410 and still renewing", resp.Status, rcAutoRenew(t, site, sub))
		}
		site.Clock.Set(*sub.NextAttemptAt)
		site.RunJobs()
		if n, err := site.App.Store.CountSucceededPayments(ctx, sub.AccountID); err != nil || n != 2 {
			t.Errorf("%d payments (%v), want the renewal the reader turned back on", n, err)
		}
	})
}

// A link altered or made up, or sent across sites, changes nothing and
// says so.
func TestForgedCancelLinkChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		path, sub := rcNotice(t, site)
		last := path[len(path)-1]
		swap := byte('A')
		if last == 'A' {
			swap = 'B'
		}
		tampered := path[:len(path)-1] + string(swap)
		forged := billing.CancelRenewalPath + strings.Repeat("x", 43)
		b := site.NewBrowser()
		logIn(t, b, demoAccount(t, "subscriber"), "/")
		for _, p := range []string{tampered, forged, billing.CancelRenewalPath + "short", path + "x"} {
			for _, resp := range []apptest.Response{b.Get(p), rcPost(b, p)} {
				if resp.Status != http.StatusNotFound || !strings.Contains(resp.Body, "not one we sent") {
					t.Errorf("%s: status %d, want 404 saying it is not our link", p, resp.Status)
				}
			}
		}
		cross := b.Do(http.MethodPost, path, nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if cross.Status != http.StatusForbidden {
			t.Errorf("the link posted from another site: status %d, want 403", cross.Status)
		}
		if !rcAutoRenew(t, site, sub) {
			t.Fatal("a forged link cancelled auto-renewal")
		}
		if resp := rcPost(site.NewBrowser(), path); resp.Status != http.StatusOK || rcAutoRenew(t, site, sub) {
			t.Errorf("the real link after the forgeries: status %d", resp.Status)
		}
	})
}

// The link works until the charge it announced: from then on it changes
// nothing, says it expired, and the renewal goes through.
func TestExpiredCancelLinkChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		path, sub := rcNotice(t, site)
		site.Clock.Set(*sub.NextAttemptAt)
		b := site.NewBrowser()
		for _, resp := range []apptest.Response{b.Get(path), rcPost(b, path)} {
			if resp.Status != http.StatusGone || !strings.Contains(resp.Body, "expired") {
				t.Errorf("the link at the charge: status %d, want 410 saying it expired", resp.Status)
			}
		}
		if !rcAutoRenew(t, site, sub) {
			t.Fatal("an expired link cancelled auto-renewal")
		}
		site.RunJobs()
		if n, err := site.App.Store.CountSucceededPayments(context.Background(), sub.AccountID); err != nil || n != 2 {
			t.Errorf("%d payments (%v), want the renewal", n, err)
		}
	})
}

// The button pressed on several devices at once: one cancels, the others
// are told the link was used.
func TestCancelLinkUsedAtOnceCancelsOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		path, sub := rcNotice(t, site)
		statuses := make([]int, 6)
		var wg sync.WaitGroup
		for i := range statuses {
			b := site.NewBrowser()
			wg.Go(func() { statuses[i] = rcPost(b, path).Status })
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusGone:
			default:
				t.Errorf("a racing use of the link: status %d", s)
			}
		}
		if ok != 1 || rcAutoRenew(t, site, sub) {
			t.Errorf("%d uses succeeded, want 1 (statuses %v)", ok, statuses)
		}
	})
}

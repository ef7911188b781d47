package app_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
)

var rcNextChargeRE = regexp.MustCompile(`id="next-charge">Next charge: [^<]* on (\d{1,2} [A-Za-z]+ \d{4})`)

// rcAssertNoPastNextCharge fails if the account page promises a next
// charge on a day that has already gone.
func rcAssertNoPastNextCharge(t *testing.T, site *apptest.Site, b *apptest.Browser, when string) {
	t.Helper()
	page := b.Get("/account")
	if page.Status != http.StatusOK {
		t.Fatalf("%s: account page status %d", when, page.Status)
	}
	m := rcNextChargeRE.FindStringSubmatch(page.Body)
	if m == nil {
		return
	}
	loc := site.App.Billing.Location()
	day, err := time.ParseInLocation("2 January 2006", m[1], loc)
	if err != nil {
		t.Fatalf("%s: next charge date %q: %v", when, m[1], err)
	}
	now := site.Clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if day.Before(today) {
		t.Errorf("%s: the account page shows the next charge on %s, a day that has passed", when, m[1])
	}
}

// rcAssertMoneyMatched checks that each charge the gateway took for the
// account bought exactly one term or was refunded, and that no payment is
// left pending.
func rcAssertMoneyMatched(t *testing.T, site *apptest.Site, accountID int64) (charges, refunded int) {
	t.Helper()
	audit, err := site.App.Store.AuditTestCharges(renewalCtx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range audit {
		switch {
		case c.Refunded && c.Terms == 0 && c.PaymentStatus == billing.PaymentRefunded:
			refunded++
		case !c.Refunded && c.Terms == 1 && c.PaymentStatus == billing.PaymentSucceeded:
		default:
			t.Errorf("charge %s: payment %q, %d terms, refunded %v; want one term or a refund", c.Key, c.PaymentStatus, c.Terms, c.Refunded)
		}
	}
	if n, err := site.App.Store.CountPendingPayments(renewalCtx, accountID); err != nil || n != 0 {
		t.Errorf("%d payments still pending (%v), want none", n, err)
	}
	return len(audit), refunded
}

// The server was down over the subscriber's renewal date; when it comes
// back the renewal is charged and the process dies before recording it.
// The subscriber, who has no access now, checks out another plan: the
// checkout is refused with a message and charges nothing, the page never
// promises a charge on a past day, and after the periodic work every
// charge bought one term or was refunded, with nothing left pending.
func TestRenewalCrashThenCheckoutOverTheSite(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)
		b := rnDeviceOf(t, site, account)
		rnNoticed(t, sub, site)
		site.Clock.Set(sub.PaidUntil.Add(30 * time.Minute))

		crashing := *site.App.Billing
		crashing.Gateway = crashAfterCharge{site.App.Billing.Gateway}
		if err := crashing.Renew(renewalCtx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("renewal through a crash: %v", err)
		}
		rcAssertNoPastNextCharge(t, site, b, "after the crash")

		resp := b.Post("/subscribe/smart-essential", crCheckoutForm(crCheckoutKey(t, b, "smart-essential")))
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "already being processed") {
			t.Errorf("checkout while the renewal is unsettled: status %d at %s, want 409 with a message", resp.Status, resp.URL)
		}

		for range 3 {
			site.Clock.Advance(billing.CheckoutRecoveryAfter)
			site.RunJobs()
			rcAssertNoPastNextCharge(t, site, b, "during recovery")
		}
		if charges, _ := rcAssertMoneyMatched(t, site, account); charges < 2 {
			t.Errorf("%d charges: want the demo checkout and the renewal", charges)
		}
		cur := rnCurrentSub(t, site, account)
		if cur.ID != sub.ID || !billing.Entitled(cur, site.Clock.Now()) {
			t.Errorf("after recovery: subscription %d entitled %v; want the renewed %d", cur.ID, billing.Entitled(cur, site.Clock.Now()), sub.ID)
		}
		if n := coLive(t, site, account); n != 1 {
			t.Errorf("%d live subscriptions, want 1", n)
		}
	})
}

// The renewal is charged on time and the process dies before recording
// it; the subscriber then cancels auto-renewal. The renewal job run again
// and the periodic recovery settle the charge: one term for it or a
// refund, nothing pending, and no promise of a next charge.
func TestRenewalCrashThenCancelOverTheSite(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)
		b := rnDeviceOf(t, site, account)
		rnNoticed(t, sub, site)
		site.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead + time.Minute))

		crashing := *site.App.Billing
		crashing.Gateway = crashAfterCharge{site.App.Billing.Gateway}
		if err := crashing.Renew(renewalCtx, sub.ID); !errors.Is(err, errCrash) {
			t.Fatalf("renewal through a crash: %v", err)
		}
		if resp := b.Post("/account/cancel", nil); resp.Status >= 400 {
			t.Fatalf("cancel: status %d", resp.Status)
		}
		for range 3 {
			site.Clock.Advance(billing.CheckoutRecoveryAfter)
			site.RunJobs()
			rcAssertNoPastNextCharge(t, site, b, "during recovery")
		}
		rcAssertMoneyMatched(t, site, account)
		if page := b.Get("/account"); strings.Contains(page.Body, `id="next-charge"`) {
			t.Error("the account page promises a next charge after auto-renewal was cancelled")
		}
	})
}

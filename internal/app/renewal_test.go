package app_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/demo"
	"broadsheet/internal/store/storetest"
)

var renewalCtx = context.Background()

// rnDemoAccountID finds a demo account by the start of its role.
func rnDemoAccountID(t *testing.T, site *apptest.Site, role string) int64 {
	t.Helper()
	for _, d := range demo.Accounts {
		if strings.HasPrefix(d.Role, role) {
			a, err := site.App.Store.AccountByEmail(renewalCtx, d.Email)
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
	}
	t.Fatalf("no demo account %q", role)
	return 0
}

// rnCurrentSub returns the account's subscription that has not ended.
func rnCurrentSub(t *testing.T, site *apptest.Site, accountID int64) *billing.Subscription {
	t.Helper()
	sub, err := site.App.Billing.Current(renewalCtx, accountID)
	if err != nil || sub == nil {
		t.Fatalf("account %d: subscription %v, err %v", accountID, sub, err)
	}
	return sub
}

func rnSubByID(t *testing.T, site *apptest.Site, id int64) *billing.Subscription {
	t.Helper()
	sub, err := site.App.Store.SubscriptionByID(renewalCtx, id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func rnPayments(t *testing.T, site *apptest.Site, accountID int64) (succeeded, failed int) {
	t.Helper()
	var err error
	if succeeded, err = site.App.Store.CountSucceededPayments(renewalCtx, accountID); err != nil {
		t.Fatal(err)
	}
	if failed, err = site.App.Store.CountFailedPayments(renewalCtx, accountID); err != nil {
		t.Fatal(err)
	}
	return succeeded, failed
}

func rnTermCount(t *testing.T, site *apptest.Site, subID int64) int {
	t.Helper()
	terms, err := site.App.Store.Terms(renewalCtx, subID)
	if err != nil {
		t.Fatal(err)
	}
	return len(terms)
}

func rnPlanOf(t *testing.T, site *apptest.Site, sub *billing.Subscription) *billing.Plan {
	t.Helper()
	p, err := site.App.Store.PlanByID(renewalCtx, sub.PlanID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rnNoticed moves the sites' clocks to the start of the notice period of
// sub's next renewal and runs the first site's background work there, so
// that the renewal's pre-debit notice goes out and the renewal may be
// charged once it falls due.
func rnNoticed(t *testing.T, sub *billing.Subscription, sites ...*apptest.Site) {
	t.Helper()
	got := rnSubByID(t, sites[0], sub.ID)
	at := got.NextAttemptAt.Add(-billing.DefaultSchedule.Notice)
	for _, s := range sites {
		s.Clock.Set(at)
	}
	sites[0].RunJobs()
	if n, err := sites[0].App.Store.RenewalNotice(renewalCtx, sub.ID, got.TermsPaid+1); err != nil || n.SentAt == nil {
		t.Fatalf("the renewal notice of subscription %d: %+v, %v", sub.ID, n, err)
	}
}

func rnGoodCard() billing.Card {
	return billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: "2031", CVC: "123"}
}

// rnDeviceOf returns a browser signed in as the account.
func rnDeviceOf(t *testing.T, site *apptest.Site, accountID int64) *apptest.Browser {
	t.Helper()
	account, err := site.App.Store.AccountByID(renewalCtx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	token, err := site.App.Accounts.StartSession(renewalCtx, account, "renewal test", 0)
	if err != nil {
		t.Fatal(err)
	}
	b := site.NewBrowser()
	b.SetCookie("bs_session", token)
	return b
}

func rnPremiumStory(t *testing.T, site *apptest.Site) string {
	t.Helper()
	all, err := site.App.Store.LatestArticles(renewalCtx, site.Clock.Now(), "", nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Premium() {
			return "/article/" + a.Slug
		}
	}
	t.Fatal("the demo has no premium story")
	return ""
}

// rnReadsInFull reports whether the device reads the story without the
// paywall, failing on anything but a page.
func rnReadsInFull(t *testing.T, b *apptest.Browser, path string) bool {
	t.Helper()
	resp := b.Get(path)
	if resp.Status != 200 {
		t.Fatalf("GET %s: status %d", path, resp.Status)
	}
	return !strings.Contains(resp.Body, `id="paywall"`)
}

func TestRenewalChargesOncePerTerm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)
		plan := rnPlanOf(t, site, sub)
		loc := site.App.Billing.Location()
		due := sub.PaidUntil.Add(-billing.RenewalLead)

		rnNoticed(t, sub, site)
		site.Clock.Set(due.Add(-time.Minute))
		site.RunJobs()
		if ok, _ := rnPayments(t, site, account); ok != 1 {
			t.Fatalf("a minute before the renewal is due: %d payments, want the checkout's 1", ok)
		}

		site.Clock.Set(due)
		site.RunJobs()
		after := rnSubByID(t, site, sub.ID)
		want := billing.AddMonths(sub.PaidUntil, plan.TermMonths, loc)
		if !after.PaidUntil.Equal(want) {
			t.Errorf("paid until %s, want %s (%d months on)", after.PaidUntil.In(loc), want.In(loc), plan.TermMonths)
		}
		if !want.Equal(billing.AddMonths(sub.AnchorAt, 2*plan.TermMonths, loc)) {
			t.Errorf("renewal is not counted from the anchor")
		}
		if after.Status != billing.Active || after.TermsPaid != 2 || after.RenewalFailures != 0 {
			t.Errorf("after renewal: status %s, terms %d, failures %d", after.Status, after.TermsPaid, after.RenewalFailures)
		}
		if after.NextAttemptAt == nil || !after.NextAttemptAt.Equal(want.Add(-billing.RenewalLead)) {
			t.Errorf("next attempt %v, want %s", after.NextAttemptAt, want.Add(-billing.RenewalLead))
		}
		if ok, failed := rnPayments(t, site, account); ok != 2 || failed != 0 {
			t.Errorf("after renewal: %d succeeded and %d failed payments, want 2 and 0", ok, failed)
		}
		terms, err := site.App.Store.Terms(renewalCtx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(terms) != 2 || !terms[1].StartsAt.Equal(sub.PaidUntil) || !terms[1].EndsAt.Equal(want) || terms[1].Amount != plan.Price {
			t.Errorf("terms after renewal: %+v", terms)
		}

		for _, step := range []time.Duration{0, time.Hour, 24 * time.Hour} {
			site.Clock.Advance(step)
			site.RunJobs()
			if ok, _ := rnPayments(t, site, account); ok != 2 {
				t.Fatalf("%s after the renewal another run charged again: %d payments", step, ok)
			}
		}
		if n := rnTermCount(t, site, sub.ID); n != 2 {
			t.Errorf("%d terms, want 2", n)
		}
	})
}

func TestRenewReplayed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)

		rnNoticed(t, sub, site)
		site.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		for range 2 {
			if err := site.App.Billing.Renew(renewalCtx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := rnPayments(t, site, account); ok != 2 {
			t.Errorf("renewal run twice: %d payments, want 2", ok)
		}
		if n := rnTermCount(t, site, sub.ID); n != 2 {
			t.Errorf("renewal run twice: %d terms, want 2", n)
		}

		// The next renewal run by two workers at once: both read the
		// subscription before either has extended it.
		next := rnSubByID(t, site, sub.ID)
		rnNoticed(t, next, site)
		site.Clock.Set(*next.NextAttemptAt)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = site.App.Billing.Renew(renewalCtx, sub.ID)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("concurrent renew: %v", err)
			}
		}
		if ok, _ := rnPayments(t, site, account); ok != 3 {
			t.Errorf("concurrent renewals: %d payments, want 3", ok)
		}
		if n := rnTermCount(t, site, sub.ID); n != 3 {
			t.Errorf("concurrent renewals: %d terms, want 3", n)
		}
		if got := rnSubByID(t, site, sub.ID); !got.PaidUntil.Equal(billing.AddMonths(sub.AnchorAt, 3*rnPlanOf(t, site, sub).TermMonths, site.App.Billing.Location())) {
			t.Errorf("paid until %s after three terms", got.PaidUntil)
		}
	})
}

func TestCheckoutAtMonthEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ist, _ := time.LoadLocation("Asia/Kolkata")
		site.Clock.Set(time.Date(2027, 1, 31, 10, 0, 0, 0, ist))
		account := rnDemoAccountID(t, site, "registered reader")
		created, err := site.App.Billing.Checkout(renewalCtx, account, "smart-quarterly", rnGoodCard(), "month-end")
		if err != nil {
			t.Fatal(err)
		}
		sub := rnSubByID(t, site, created.ID)
		want := time.Date(2027, 4, 30, 10, 0, 0, 0, ist)
		if !sub.PaidUntil.Equal(want) {
			t.Errorf("paid until %s, want %s", sub.PaidUntil.In(ist), want)
		}
		terms, err := site.App.Store.Terms(renewalCtx, sub.ID)
		if err != nil || len(terms) != 1 || !terms[0].EndsAt.Equal(want) {
			t.Errorf("first term %+v, err %v", terms, err)
		}

		// The next term is counted from 31 January, so it runs to 31 July,
		// not to 30 July.
		rnNoticed(t, sub, site)
		site.Clock.Set(want.Add(-billing.RenewalLead))
		site.RunJobs()
		if got, want := rnSubByID(t, site, sub.ID).PaidUntil, time.Date(2027, 7, 31, 10, 0, 0, 0, ist); !got.Equal(want) {
			t.Errorf("renewed until %s, want %s", got.In(ist), want)
		}
	})
}

func TestCancelledSubscriptionEnds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)
		if err := site.App.Billing.Cancel(renewalCtx, account); err != nil {
			t.Fatal(err)
		}
		device := rnDeviceOf(t, site, account)
		story := rnPremiumStory(t, site)

		site.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		site.RunJobs()
		if got := rnSubByID(t, site, sub.ID); got.Status != billing.Active || !rnReadsInFull(t, device, story) {
			t.Errorf("a cancelled subscription before its end: status %s", got.Status)
		}

		site.Clock.Set(sub.PaidUntil.Add(time.Minute))
		site.RunJobs()
		if got := rnSubByID(t, site, sub.ID); got.Status != billing.Ended {
			t.Errorf("past paid-until: status %s, want ended", got.Status)
		}
		if ok, failed := rnPayments(t, site, account); ok != 1 || failed != 0 {
			t.Errorf("a cancelled subscription was charged: %d succeeded, %d failed", ok, failed)
		}
		if n := rnTermCount(t, site, sub.ID); n != 1 {
			t.Errorf("%d terms, want 1", n)
		}
		if rnReadsInFull(t, device, story) {
			t.Error("the ended subscriber still reads premium stories")
		}
	})
}

// Three instances on one database see the same renewal due at once; the
// reader is charged once.
func TestRenewalAcrossInstances(t *testing.T) {
	url := storetest.URL(t, "postgres")
	sites := make([]*apptest.Site, 3)
	for i := range sites {
		sites[i] = apptest.NewSiteOn(t, url, i == 0)
	}
	account := rnDemoAccountID(t, sites[0], "subscriber")
	sub := rnCurrentSub(t, sites[0], account)
	plan := rnPlanOf(t, sites[0], sub)
	rnNoticed(t, sub, sites...)
	for _, s := range sites {
		s.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead))
	}
	var wg sync.WaitGroup
	for _, s := range sites {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.RunJobs()
			}()
		}
	}
	wg.Wait()
	if ok, failed := rnPayments(t, sites[0], account); ok != 2 || failed != 0 {
		t.Errorf("three instances: %d succeeded and %d failed payments, want 2 (checkout and one renewal) and 0", ok, failed)
	}
	if n := rnTermCount(t, sites[0], sub.ID); n != 2 {
		t.Errorf("three instances: %d terms, want 2", n)
	}
	want := billing.AddMonths(sub.PaidUntil, plan.TermMonths, sites[0].App.Billing.Location())
	for i, s := range sites {
		if got := rnSubByID(t, s, sub.ID); !got.PaidUntil.Equal(want) {
			t.Errorf("instance %d sees paid until %s, want %s", i, got.PaidUntil, want)
		}
	}
	job, done, err := sites[0].App.Store.JobByKey(renewalCtx, billing.RenewalKey(sub))
	if err != nil || !done || job.Attempts != 1 {
		t.Errorf("renewal job: %+v, done %v, err %v", job, done, err)
	}
}

// Checkouts of one account raced from several tabs leave at most one
// subscription, so cancelling stops all renewals and a renewal charges
// once. A tab whose page was paid while another tab replaced its checkout
// is refunded; if that befell every tab, the reader checks out once more.
func TestRenewalsAfterParallelCheckouts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "registered reader")
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := site.App.Billing.Checkout(renewalCtx, account, "smart-quarterly", rnGoodCard(), "tab-"+strconv.Itoa(i))
				var decline *billing.DeclineError
				if err != nil && !errors.As(err, &decline) && !errors.Is(err, billing.ErrCheckoutInProgress) && !errors.Is(err, billing.ErrAlreadySubscribed) {
					t.Errorf("tab %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		n, err := site.App.Store.CountLiveSubscriptions(renewalCtx, account)
		if err != nil || n > 1 {
			t.Fatalf("%d live subscriptions after 10 tabs (%v), want at most 1", n, err)
		}
		if n == 0 {
			if _, err := site.App.Billing.Checkout(renewalCtx, account, "smart-quarterly", rnGoodCard(), "tab-again"); err != nil {
				t.Fatalf("checking out again after every tab was turned away: %v", err)
			}
		}
		ok0, failed0 := rnPayments(t, site, account)
		sub := rnCurrentSub(t, site, account)
		rnNoticed(t, sub, site)
		if err := site.App.Billing.Cancel(renewalCtx, account); err != nil {
			t.Fatal(err)
		}
		site.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		site.RunJobs()
		if ok, failed := rnPayments(t, site, account); ok != ok0 || failed != failed0 {
			t.Errorf("after cancelling: %d succeeded and %d failed payments at renewal time, want the %d and %d of the checkouts", ok, failed, ok0, failed0)
		}
		if err := site.App.Billing.Resume(renewalCtx, account); err != nil {
			t.Fatal(err)
		}
		site.RunJobs()
		if ok, _ := rnPayments(t, site, account); ok != ok0+1 {
			t.Errorf("after resuming: %d succeeded payments, want %d (the checkout's and one renewal)", ok, ok0+1)
		}
		if n := rnTermCount(t, site, sub.ID); n != 2 {
			t.Errorf("%d terms, want 2", n)
		}
		audit, err := site.App.Store.AuditTestCharges(renewalCtx, account)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range audit {
			if c.Terms+boolInt(c.Refunded) != 1 {
				t.Errorf("charge %s: %d terms, refunded %v; want one term or a refund", c.Key, c.Terms, c.Refunded)
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

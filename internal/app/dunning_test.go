package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/mail"
	"broadsheet/internal/settings"
	"broadsheet/internal/store/storetest"
)

const dnDay = 24 * time.Hour

// Subjects of the renewal emails, as the reader sees them.
const (
	dnNotice   = "subscription renews on"
	dnReceipt  = "renewed"
	dnDeclined = "We could not renew"
	dnEnded    = "subscription has ended"
)

// dnMail returns the emails sent to the account, oldest first.
func dnMail(t *testing.T, site *apptest.Site, accountID int64) []mail.OutboxMessage {
	t.Helper()
	account, err := site.App.Store.AccountByID(renewalCtx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	all, err := site.App.Store.Outbox(renewalCtx, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.OutboxMessage
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To == account.Email {
			out = append(out, all[i])
		}
	}
	return out
}

// dnWith returns the emails whose subject contains what.
func dnWith(msgs []mail.OutboxMessage, what string) []mail.OutboxMessage {
	var out []mail.OutboxMessage
	for _, m := range msgs {
		if strings.Contains(m.Subject, what) {
			out = append(out, m)
		}
	}
	return out
}

// dnCount checks how many emails of each kind the account has had.
func dnCount(t *testing.T, site *apptest.Site, accountID int64, when string, want map[string]int) []mail.OutboxMessage {
	t.Helper()
	msgs := dnMail(t, site, accountID)
	for kind, n := range want {
		if got := len(dnWith(msgs, kind)); got != n {
			t.Errorf("%s: %d emails %q, want %d", when, got, kind, n)
		}
	}
	return msgs
}

// dnContains fails unless the email says each of the phrases.
func dnContains(t *testing.T, m mail.OutboxMessage, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(m.Body, p) && !strings.Contains(m.Subject, p) {
			t.Errorf("email %q does not say %q:\n%s", m.Subject, p, m.Body)
		}
	}
}

// dnDay formats a day as the emails do.
func dnDate(site *apptest.Site, at time.Time) string {
	return at.In(site.App.Billing.Location()).Format("2 January 2006")
}

// dnSubscribedDeclining checks the registered reader out on the quarterly
// plan, then gives the subscription a card that declines every charge.
func dnSubscribedDeclining(t *testing.T, site *apptest.Site) (int64, *billing.Subscription) {
	t.Helper()
	account := rnDemoAccountID(t, site, "registered reader")
	if _, err := site.App.Billing.Checkout(renewalCtx, account, "smart-quarterly", rnGoodCard(), "dunning"); err != nil {
		t.Fatal(err)
	}
	sub := rnCurrentSub(t, site, account)
	card, err := site.App.Billing.Gateway.(*billing.TestGateway).SaveCard(renewalCtx, billing.Card{Number: billing.CardDeclinesLater, ExpMonth: "12", ExpYear: "2031", CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	card.AccountID, card.CreatedAt = account, site.Clock.Now()
	methodID, err := site.App.Store.CreatePaymentMethod(renewalCtx, card)
	if err != nil {
		t.Fatal(err)
	}
	if err := site.App.Store.SetSubscriptionPaymentMethod(renewalCtx, sub.ID, methodID, site.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	site.RunJobs() // the checkout's receipt
	return account, rnSubByID(t, site, sub.ID)
}

// dnAt moves the clock to at and runs the background work due there.
func dnAt(site *apptest.Site, at time.Time) {
	site.Clock.Set(at)
	site.RunJobs()
}

// A card that declines every renewal: the reader gets the pre-debit notice
// three days ahead, an email for each declined attempt (the first and the
// retries one, three and five days after it) saying when it is tried again
// and until when they read, keeps reading through the week of grace after
// the term, and then loses access with a last email that says so and how
// to subscribe again. Each email once, however often the work runs.
func TestDunningOfADecliningCard(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account, sub := dnSubscribedDeclining(t, site)
		plan := rnPlanOf(t, site, sub)
		device := rnDeviceOf(t, site, account)
		story := rnPremiumStory(t, site)
		charge := sub.PaidUntil.Add(-billing.RenewalLead)
		graceEnd := sub.PaidUntil.Add(7 * dnDay)

		dnAt(site, charge.Add(-3*dnDay-time.Minute))
		dnCount(t, site, account, "before the notice period", map[string]int{dnNotice: 0})
		dnAt(site, charge.Add(-3*dnDay))
		site.RunJobs()
		msgs := dnCount(t, site, account, "in the notice period", map[string]int{dnNotice: 1})
		if notices := dnWith(msgs, dnNotice); len(notices) == 1 {
			dnContains(t, notices[0], plan.Name, plan.Price.String(), dnDate(site, charge), "ending 0341",
				site.URL+billing.CancelRenewalPath)
		}

		dnAt(site, charge.Add(-time.Minute))
		if _, failed := rnPayments(t, site, account); failed != 0 {
			t.Fatalf("charged before the day the notice named: %d declines", failed)
		}

		// The first attempt and each retry: one declined charge and one
		// email saying what comes next.
		for i, at := range []time.Duration{0, dnDay, 3 * dnDay, 5 * dnDay} {
			dnAt(site, charge.Add(at))
			site.RunJobs()
			if _, failed := rnPayments(t, site, account); failed != i+1 {
				t.Fatalf("attempt %d: %d declined charges, want %d", i+1, failed, i+1)
			}
			got := rnSubByID(t, site, sub.ID)
			if got.Status != billing.PastDue || got.RenewalFailures != i+1 {
				t.Fatalf("attempt %d: %s with %d failures", i+1, got.Status, got.RenewalFailures)
			}
			declined := dnWith(dnCount(t, site, account, "after attempt", map[string]int{dnDeclined: i + 1}), dnDeclined)
			if len(declined) != i+1 {
				continue
			}
			last := declined[i]
			dnContains(t, last, plan.Price.String(), "declined", dnDate(site, graceEnd), site.URL+"/account")
			if i < 3 {
				next := charge.Add([]time.Duration{dnDay, 3 * dnDay, 5 * dnDay}[i])
				if got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(next) {
					t.Errorf("attempt %d: next attempt %v, want %s", i+1, got.NextAttemptAt, next)
				}
				dnContains(t, last, "try your card again on "+dnDate(site, next))
			} else {
				if got.NextAttemptAt != nil {
					t.Errorf("after the last retry: next attempt %v, want none", got.NextAttemptAt)
				}
				dnContains(t, last, "last try")
			}
			if !rnReadsInFull(t, device, story) {
				t.Errorf("attempt %d: the reader lost access within the grace period", i+1)
			}
		}
		page := device.Get("/account")
		if !strings.Contains(page.Body, `id="no-retry"`) || !strings.Contains(page.Body, dnDate(site, graceEnd)) {
			t.Error("the account page does not say the renewal will not be retried and when access ends")
		}

		dnAt(site, graceEnd.Add(-time.Minute))
		if !rnReadsInFull(t, device, story) || rnSubByID(t, site, sub.ID).Status != billing.PastDue {
			t.Error("the reader lost access before the grace period ended")
		}
		dnCount(t, site, account, "before the grace period ended", map[string]int{dnEnded: 0})

		dnAt(site, graceEnd)
		if got := rnSubByID(t, site, sub.ID); got.Status != billing.Ended {
			t.Fatalf("after the grace period: %s, want ended", got.Status)
		}
		if rnReadsInFull(t, device, story) {
			t.Error("after the grace period the reader still reads premium stories")
		}
		msgs = dnCount(t, site, account, "after the grace period", map[string]int{dnEnded: 1})
		if ended := dnWith(msgs, dnEnded); len(ended) == 1 {
			dnContains(t, ended[0], dnDate(site, graceEnd), site.URL+"/subscribe")
		}

		for range 3 {
			dnAt(site, site.Clock.Now().Add(10*dnDay))
		}
		dnCount(t, site, account, "weeks later", map[string]int{dnNotice: 1, dnDeclined: 4, dnEnded: 1, dnReceipt: 0})
		if ok, failed := rnPayments(t, site, account); ok != 1 || failed != 4 {
			t.Errorf("weeks later: %d succeeded and %d declined charges, want the checkout and four declines", ok, failed)
		}
	})
}

// A good card: the notice, then on the day it named the charge, and a
// receipt for the new term naming the amount, the plan and the new end.
func TestRenewalNoticeThenReceipt(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)
		plan := rnPlanOf(t, site, sub)
		charge := sub.PaidUntil.Add(-billing.RenewalLead)

		dnAt(site, charge.Add(-3*dnDay))
		dnCount(t, site, account, "in the notice period", map[string]int{dnNotice: 1, dnReceipt: 0})
		dnAt(site, charge)
		site.RunJobs()
		renewed := rnSubByID(t, site, sub.ID)
		if renewed.TermsPaid != 2 {
			t.Fatalf("on the day: %d terms paid, want 2", renewed.TermsPaid)
		}
		msgs := dnCount(t, site, account, "after the charge", map[string]int{dnNotice: 1, dnReceipt: 1, dnDeclined: 0})
		if receipts := dnWith(msgs, dnReceipt); len(receipts) == 1 {
			dnContains(t, receipts[0], plan.Price.String(), plan.Name, "paid until "+dnDate(site, renewed.PaidUntil))
		}
		dnAt(site, charge.Add(dnDay))
		dnCount(t, site, account, "a day later", map[string]int{dnNotice: 1, dnReceipt: 1})
	})
}

// An admin changes the renewal settings at /admin: notice five days ahead,
// retries two and four days after a decline, ten days of grace; the next
// renewals follow them. Settings that contradict each other are refused
// and change nothing.
func TestRenewalSettingsChangeTheSchedule(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := rnDeviceOf(t, site, rnDemoAccountID(t, site, "admin"))
		page := admin.Get("/admin")
		for _, field := range []string{`name="renewal_notice_days" value="3"`, `name="renewal_grace_days" value="7"`, `name="renewal_retry_days" value="1,3,5"`} {
			if !strings.Contains(page.Body, field) {
				t.Errorf("/admin lacks %s", field)
			}
		}
		bad := admin.Post("/admin/settings", url.Values{settings.KeyGraceDays: {"3"}, settings.KeyRetryDays: {"2,4"}})
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "past the grace period") {
			t.Fatalf("retries past the grace period: status %d", bad.Status)
		}
		if got := site.App.Settings.Get().Renewals.Grace; got != 7*dnDay {
			t.Fatalf("a refused change left the grace period at %s", got)
		}
		saved := admin.Post("/admin/settings", url.Values{
			settings.KeyNoticeDays: {"5"}, settings.KeyGraceDays: {"10"}, settings.KeyRetryDays: {"2, 4"},
		})
		if saved.Status != http.StatusOK || !strings.Contains(saved.Body, "Settings saved.") {
			t.Fatalf("save the renewal settings: status %d", saved.Status)
		}

		account, sub := dnSubscribedDeclining(t, site)
		charge := sub.PaidUntil.Add(-billing.RenewalLead)
		dnAt(site, charge.Add(-5*dnDay-time.Minute))
		dnCount(t, site, account, "before five days ahead", map[string]int{dnNotice: 0})
		dnAt(site, charge.Add(-5*dnDay))
		dnCount(t, site, account, "five days ahead", map[string]int{dnNotice: 1})

		for i, at := range []time.Duration{0, 2 * dnDay, 4 * dnDay} {
			dnAt(site, charge.Add(at))
			if _, failed := rnPayments(t, site, account); failed != i+1 {
				t.Fatalf("attempt %d: %d declined charges", i+1, failed)
			}
		}
		got := rnSubByID(t, site, sub.ID)
		graceEnd := sub.PaidUntil.Add(10 * dnDay)
		if got.NextAttemptAt != nil || got.GraceUntil == nil || !got.GraceUntil.Equal(graceEnd) {
			t.Fatalf("after the last retry: next %v, grace until %v; want none and %s", got.NextAttemptAt, got.GraceUntil, graceEnd)
		}
		dnAt(site, graceEnd.Add(-time.Minute))
		if rnSubByID(t, site, sub.ID).Status != billing.PastDue {
			t.Error("ended within the ten days of grace")
		}
		dnAt(site, graceEnd)
		if rnSubByID(t, site, sub.ID).Status != billing.Ended {
			t.Error("not ended after the ten days of grace")
		}
		dnCount(t, site, account, "in the end", map[string]int{dnNotice: 1, dnDeclined: 3, dnEnded: 1})
	})
}

// The server was down over the notice period and the renewal day: back two
// hours after the term ended, it sends the notice at once and moves the
// charge to a day after it. The reader keeps reading meanwhile, the
// account page names the new day, and the card is charged on it, not
// before.
func TestLateNoticeMovesTheCharge(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account := rnDemoAccountID(t, site, "subscriber")
		sub := rnCurrentSub(t, site, account)
		device := rnDeviceOf(t, site, account)
		story := rnPremiumStory(t, site)

		back := sub.PaidUntil.Add(2 * time.Hour)
		dnAt(site, back)
		moved := back.Add(billing.NoticeMinLead)
		if ok, _ := rnPayments(t, site, account); ok != 1 {
			t.Fatalf("charged with a notice sent just now: %d payments", ok)
		}
		msgs := dnCount(t, site, account, "back after the renewal day", map[string]int{dnNotice: 1})
		if notices := dnWith(msgs, dnNotice); len(notices) == 1 {
			dnContains(t, notices[0], dnDate(site, moved))
		}
		got := rnSubByID(t, site, sub.ID)
		if got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(moved) {
			t.Fatalf("next charge %v, want a day after the notice, %s", got.NextAttemptAt, moved)
		}
		if !rnReadsInFull(t, device, story) {
			t.Error("past the paid term, waiting for the moved charge, the reader lost access")
		}
		if page := device.Get("/account"); !strings.Contains(page.Body, "on "+dnDate(site, moved)) {
			t.Error("the account page does not name the day of the moved charge")
		}

		dnAt(site, moved.Add(-time.Minute))
		if ok, _ := rnPayments(t, site, account); ok != 1 {
			t.Fatalf("charged less than a day after the notice: %d payments", ok)
		}
		if !rnReadsInFull(t, device, story) {
			t.Error("the reader lost access just before the moved charge")
		}
		dnAt(site, moved)
		if ok, _ := rnPayments(t, site, account); ok != 2 {
			t.Fatalf("on the moved day: %d payments, want the renewal", ok)
		}
		renewed := rnSubByID(t, site, sub.ID)
		if renewed.TermsPaid != 2 || renewed.GraceUntil != nil || !rnReadsInFull(t, device, story) {
			t.Errorf("after the moved charge: %d terms, grace %v", renewed.TermsPaid, renewed.GraceUntil)
		}
		dnCount(t, site, account, "after the moved charge", map[string]int{dnNotice: 1, dnReceipt: 1})
	})
}

// Two instances on one database find the same notice due at once: the
// reader gets one.
func TestRenewalNoticeAcrossInstances(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	sites := []*apptest.Site{apptest.NewSiteOn(t, dbURL, true), apptest.NewSiteOn(t, dbURL, false)}
	account := rnDemoAccountID(t, sites[0], "subscriber")
	sub := rnCurrentSub(t, sites[0], account)
	for _, s := range sites {
		s.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead - 3*dnDay))
	}
	var wg sync.WaitGroup
	for _, s := range sites {
		for range 2 {
			wg.Go(func() { s.RunJobs() })
		}
	}
	wg.Wait()
	dnCount(t, sites[0], account, "two instances", map[string]int{dnNotice: 1})
	job, done, err := sites[0].App.Store.JobByKey(renewalCtx, billing.RenewalNoticeKey(sub))
	if err != nil || !done || job.Attempts != 1 {
		t.Errorf("notice job: %+v, done %v, err %v; want done at the first attempt", job, done, err)
	}
}

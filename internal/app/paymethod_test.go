package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
)

var pmFormKey = regexp.MustCompile(`name="method_key" value="([^"]+)"`)

// pmPastDue subscribes the registered reader with a card that declines
// renewals and runs the term's renewal to its first declined attempt.
func pmPastDue(t *testing.T, site *apptest.Site) (int64, *billing.Subscription) {
	t.Helper()
	account, sub := dnSubscribedDeclining(t, site)
	charge := sub.PaidUntil.Add(-billing.RenewalLead)
	dnAt(site, charge.Add(-3*dnDay))
	dnAt(site, charge)
	sub = rnSubByID(t, site, sub.ID)
	if sub.Status != billing.PastDue || sub.RenewalFailures != 1 {
		t.Fatalf("after the first attempt: %s with %d failures", sub.Status, sub.RenewalFailures)
	}
	return account, sub
}

// pmOpenSetup presses "Update payment method" on the account page and
// returns the test gateway's page it leads to.
func pmOpenSetup(t *testing.T, device *apptest.Browser) apptest.Response {
	t.Helper()
	page := device.Get("/account")
	m := pmFormKey.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || m == nil {
		t.Fatalf("the account page (status %d) has no payment method form:\n%s", page.Status, page.Body)
	}
	resp := device.Post("/account/payment-method", url.Values{"method_key": {m[1]}})
	if resp.Status != http.StatusOK || resp.URL != billing.TestSetupPath+url.PathEscape(pmSetupKey(t, resp)) ||
		!strings.Contains(resp.Body, `id="testsetup-form"`) {
		t.Fatalf("update payment method led to %s (status %d):\n%s", resp.RequestURI, resp.Status, resp.Body)
	}
	return resp
}

// pmSetupKey is the setup key in the test gateway page's address.
func pmSetupKey(t *testing.T, page apptest.Response) string {
	t.Helper()
	key, err := url.PathUnescape(strings.TrimPrefix(page.URL, billing.TestSetupPath))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func pmCard(number string) url.Values {
	return url.Values{"card_number": {number}, "exp_month": {"12"}, "exp_year": {"2031"}, "cvc": {"123"}}
}

// pmRenewalCharges counts the test gateway's successful renewal charges of
// the account, by their keys.
func pmRenewalCharges(t *testing.T, site *apptest.Site, account int64) map[string]int {
	t.Helper()
	charges, err := site.App.Store.AuditTestCharges(renewalCtx, account)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range charges {
		if strings.HasPrefix(c.Key, "renewal:") {
			out[c.Key]++
		}
	}
	return out
}

func pmMethodCount(t *testing.T, site *apptest.Site, account int64) int {
	t.Helper()
	n, err := site.App.Store.CountPaymentMethods(renewalCtx, account)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A past-due reader replaces the card that declined on the test gateway's
// page: the subscription charges the new card from then on, and the
// overdue renewal is retried at once, on the new card, by the renewal
// engine under the attempt's own key: one charge, one more term. Coming
// back to the return address again, or the setup settled again as a
// webhook would, records nothing more and charges nothing more.
func TestPastDueReaderUpdatesPaymentMethod(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account, sub := pmPastDue(t, site)
		device := rnDeviceOf(t, site, account)
		if page := device.Get("/account"); !strings.Contains(page.Body, `id="payment-method">Visa ending 0341`) {
			t.Errorf("the account page does not name the card renewals charge:\n%s", page.Body)
		}
		declined := dnWith(dnMail(t, site, account), dnDeclined)
		if len(declined) != 1 {
			t.Fatalf("%d emails about the decline, want 1", len(declined))
		}
		dnContains(t, declined[0], site.URL+billing.UpdateMethodPath)
		methodsBefore := pmMethodCount(t, site, account)

		page := pmOpenSetup(t, device)
		key := pmSetupKey(t, page)
		done := device.Post(page.RequestURI, pmCard(billing.CardSucceeds))
		if done.Status != http.StatusOK || done.URL != "/account" || !strings.Contains(done.Body, "charging your overdue renewal") {
			t.Fatalf("after saving the card: %s (status %d):\n%s", done.RequestURI, done.Status, done.Body)
		}
		got := rnSubByID(t, site, sub.ID)
		if got.PaymentMethodID == sub.PaymentMethodID || got.NextAttemptAt == nil || got.NextAttemptAt.After(site.Clock.Now()) {
			t.Fatalf("after the update: method %d (was %d), next attempt %v, now %s",
				got.PaymentMethodID, sub.PaymentMethodID, got.NextAttemptAt, site.Clock.Now())
		}
		if n := pmMethodCount(t, site, account); n != methodsBefore+1 {
			t.Errorf("%d payment methods, want %d", n, methodsBefore+1)
		}
		if n := len(pmRenewalCharges(t, site, account)); n != 0 {
			t.Errorf("%d renewal charges before the renewal engine ran, want 0", n)
		}

		site.RunJobs()
		got = rnSubByID(t, site, sub.ID)
		if got.Status != billing.Active || got.TermsPaid != 2 || rnTermCount(t, site, sub.ID) != 2 {
			t.Fatalf("after the retry: %s with %d terms paid", got.Status, got.TermsPaid)
		}
		retry := billing.RenewalKey(&billing.Subscription{ID: sub.ID, TermsPaid: 1, RenewalFailures: 1})
		if charges := pmRenewalCharges(t, site, account); len(charges) != 1 || charges[retry] != 1 {
			t.Fatalf("renewal charges %v, want one under %s", charges, retry)
		}
		if page := device.Get("/account"); !strings.Contains(page.Body, `id="payment-method">Visa ending 4242`) {
			t.Errorf("the account page does not name the new card:\n%s", page.Body)
		}

		// The return reloaded, a webhook's settling, and the work run
		// again: nothing more.
		back := device.Get(billing.SetupReturnPath + "?" + url.Values{"key": {key}}.Encode())
		if back.Status != http.StatusOK || back.URL != "/account" {
			t.Errorf("the return reloaded: %s (status %d)", back.RequestURI, back.Status)
		}
		setup, err := site.App.Store.MethodSetupByKey(renewalCtx, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := site.App.Billing.SettleMethodSetup(renewalCtx, setup.ID); err != nil {
			t.Fatal(err)
		}
		again := device.Post(page.RequestURI, pmCard(billing.CardSucceeds))
		if again.URL != "/account" {
			t.Errorf("the test gateway's page sent again: %s (status %d)", again.RequestURI, again.Status)
		}
		site.RunJobs()
		if n := pmMethodCount(t, site, account); n != methodsBefore+1 {
			t.Errorf("after replays: %d payment methods, want %d", n, methodsBefore+1)
		}
		if charges := pmRenewalCharges(t, site, account); len(charges) != 1 {
			t.Errorf("after replays: renewal charges %v, want one", charges)
		}
		if latest := rnSubByID(t, site, sub.ID); latest.TermsPaid != 2 || latest.PaymentMethodID != got.PaymentMethodID ||
			latest.NextAttemptAt == nil || !latest.NextAttemptAt.Equal(*got.NextAttemptAt) {
			t.Errorf("after replays the subscription changed: %+v, was %+v", latest, got)
		}
	})
}

// A setup is its reader's alone: another signed-in reader who has its key
// cannot open its page, save a card on it or complete it, and a made-up
// key finds nothing. Only the reader who began it attaches the card.
func TestPaymentMethodSetupOfAnotherAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		victim, sub := pmPastDue(t, site)
		device := rnDeviceOf(t, site, victim)
		page := pmOpenSetup(t, device)
		key := pmSetupKey(t, page)

		attacker := rnDemoAccountID(t, site, "subscriber")
		other := rnDeviceOf(t, site, attacker)
		attackerSub := rnCurrentSub(t, site, attacker)
		back := billing.SetupReturnPath + "?" + url.Values{"key": {key}}.Encode()
		forged := "setup:" + strconv.FormatInt(victim, 10) + ":" + strings.Repeat("x", 22)
		for _, try := range []func() apptest.Response{
			func() apptest.Response { return other.Get(page.RequestURI) },
			func() apptest.Response { return other.Post(page.RequestURI, pmCard(billing.CardSucceeds)) },
			func() apptest.Response { return other.Get(back) },
			func() apptest.Response {
				return other.Get(billing.SetupReturnPath + "?" + url.Values{"key": {forged}}.Encode())
			},
			func() apptest.Response {
				return other.Get(billing.TestSetupPath + url.PathEscape(forged))
			},
		} {
			if resp := try(); resp.Status != http.StatusNotFound {
				t.Errorf("%s by another reader: status %d, want 404", resp.RequestURI, resp.Status)
			}
		}
		// Once the reader saved their card (but before they are back),
		// the other reader's return still finds nothing, and changes
		// neither subscription.
		if err := site.App.Billing.SaveTestSetupCard(renewalCtx, victim, key, rnGoodCard()); err != nil {
			t.Fatal(err)
		}
		if resp := other.Get(back); resp.Status != http.StatusNotFound {
			t.Errorf("another reader's return after the card was saved: status %d, want 404", resp.Status)
		}
		if got := rnSubByID(t, site, sub.ID); got.PaymentMethodID != sub.PaymentMethodID || got.RenewalFailures != 1 {
			t.Errorf("another reader changed the subscription: %+v", got)
		}
		if got := rnSubByID(t, site, attackerSub.ID); got.PaymentMethodID != attackerSub.PaymentMethodID {
			t.Errorf("the other reader's own subscription took the card: %+v", got)
		}
		// The reader who began it completes it.
		if resp := device.Get(back); resp.URL != "/account" || !strings.Contains(resp.Body, "new payment method is saved") {
			t.Errorf("the reader's own return: %s (status %d)", resp.RequestURI, resp.Status)
		}
		if got := rnSubByID(t, site, sub.ID); got.PaymentMethodID == sub.PaymentMethodID {
			t.Error("the reader's own setup did not attach the card")
		}
	})
}

// A setup that saves nothing changes nothing, and the account page says
// why: a reader who cancels on the provider's page, and a card the
// provider refuses, which the page lets them replace.
func TestPaymentMethodSetupCancelledOrDeclined(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account, sub := pmPastDue(t, site)
		device := rnDeviceOf(t, site, account)
		page := pmOpenSetup(t, device)
		key := pmSetupKey(t, page)

		declined := device.Post(page.RequestURI, pmCard(billing.CardDeclined))
		if declined.Status != http.StatusPaymentRequired || !strings.Contains(declined.Body, "declined") {
			t.Errorf("a declined card: status %d:\n%s", declined.Status, declined.Body)
		}
		cancelled := device.Get(billing.SetupReturnPath + "?" + url.Values{"key": {key}, "cancelled": {"1"}}.Encode())
		if cancelled.Status != http.StatusOK || !strings.Contains(cancelled.Body, "You cancelled before saving a new payment method") {
			t.Errorf("cancelled: status %d:\n%s", cancelled.Status, cancelled.Body)
		}
		site.RunJobs()
		if got := rnSubByID(t, site, sub.ID); got.PaymentMethodID != sub.PaymentMethodID || got.RenewalFailures != 1 ||
			!got.NextAttemptAt.Equal(*sub.NextAttemptAt) {
			t.Errorf("a setup that saved nothing changed the subscription: %+v", got)
		}
		if charges := pmRenewalCharges(t, site, account); len(charges) != 0 {
			t.Errorf("renewal charges %v, want none", charges)
		}
	})
}

// After the last retry was declined the subscription is past due with no
// retry left until its grace period ends. A new payment method brings the
// renewal back: it is charged at once, on the new card, once.
func TestPaymentMethodAfterTheLastRetry(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		account, sub := pmPastDue(t, site)
		charge := sub.PaidUntil.Add(-billing.RenewalLead)
		for _, at := range []int{1, 3, 5} {
			dnAt(site, charge.Add(pmDays(at)))
		}
		sub = rnSubByID(t, site, sub.ID)
		if sub.Status != billing.PastDue || sub.NextAttemptAt != nil || sub.RenewalFailures != 4 {
			t.Fatalf("after the last retry: %s, %d failures, next %v", sub.Status, sub.RenewalFailures, sub.NextAttemptAt)
		}
		device := rnDeviceOf(t, site, account)
		page := pmOpenSetup(t, device)
		if done := device.Post(page.RequestURI, pmCard(billing.CardSucceeds)); done.URL != "/account" {
			t.Fatalf("after saving the card: %s (status %d)", done.RequestURI, done.Status)
		}
		site.RunJobs()
		site.RunJobs()
		got := rnSubByID(t, site, sub.ID)
		if got.Status != billing.Active || got.TermsPaid != 2 {
			t.Fatalf("after the update: %s with %d terms paid", got.Status, got.TermsPaid)
		}
		retry := billing.RenewalKey(&billing.Subscription{ID: sub.ID, TermsPaid: 1, RenewalFailures: 4})
		if charges := pmRenewalCharges(t, site, account); len(charges) != 1 || charges[retry] != 1 {
			t.Errorf("renewal charges %v, want one under %s", charges, retry)
		}
	})
}

func pmDays(days int) time.Duration { return time.Duration(days) * dnDay }

package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
)

// crashAfterCharge is a gateway through which the charge goes through, and
// then the process dies before it hears the answer.
type crashAfterCharge struct{ billing.Gateway }

var errCrash = errors.New("process killed after the gateway took the money")

func (g crashAfterCharge) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	if _, err := g.Gateway.Charge(ctx, c); err != nil {
		return billing.ChargeResult{}, err
	}
	return billing.ChargeResult{}, errCrash
}

var crCheckoutKeyRE = regexp.MustCompile(`name="checkout_key" value="([^"]+)"`)

func crCheckoutKey(t *testing.T, b *apptest.Browser, plan string) string {
	t.Helper()
	m := crCheckoutKeyRE.FindStringSubmatch(b.Get("/subscribe/" + plan).Body)
	if m == nil {
		t.Fatal("no checkout_key in the checkout form")
	}
	return m[1]
}

func crCheckoutForm(key string) url.Values {
	return url.Values{"checkout_key": {key}}
}

const crWelcome = "Your subscription is active"

// A reader's checkout is charged and the process dies before recording it.
// Until recovery the pages say the payment is being processed, never that
// a subscription exists; the periodic work then settles it: one
// subscription with one term, one receipt, one charge.
func TestCheckoutCrashRecoveredByPeriodicWork(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		email, password := "crash@example.com", "crash-test-password"
		acct, err := site.App.Accounts.Register(ctx, email, password, "")
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		if resp := b.Post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}}); b.Cookie("bs_session") == "" {
			t.Fatalf("sign-in: status %d at %s", resp.Status, resp.URL)
		}
		key := crCheckoutKey(t, b, "smart-quarterly")

		// The request that submitted this form died after the charge.
		crashing := *site.App.Billing
		crashing.Gateway = crashAfterCharge{site.App.Billing.Gateway}
		if _, err := crashing.Checkout(ctx, acct.ID, "smart-quarterly", rnGoodCard(), key); !errors.Is(err, billing.ErrPaymentInProgress) {
			t.Fatalf("checkout through a crash: %v", err)
		}

		again := b.Get("/account")
		if again.Status != http.StatusOK {
			t.Fatalf("account page while the payment is pending: status %d", again.Status)
		}
		if strings.Contains(again.Body, crWelcome) || strings.Contains(again.Body, `id="plan-name"`) {
			t.Error("while the payment is pending the account page claims a subscription")
		}
		if !strings.Contains(again.Body, `id="payment-pending"`) {
			t.Error("the account page does not say the payment is being processed")
		}
		site.RunJobs()
		if n := coLive(t, site, acct.ID); n != 0 {
			t.Fatalf("recovered before the payment was left long enough: %d subscriptions", n)
		}
		site.Clock.Advance(billing.CheckoutRecoveryAfter)
		site.RunJobs()
		site.RunJobs()

		sub := rnCurrentSub(t, site, acct.ID)
		if n := rnTermCount(t, site, sub.ID); n != 1 {
			t.Errorf("%d terms, want 1", n)
		}
		if ok, failed := rnPayments(t, site, acct.ID); ok != 1 || failed != 0 {
			t.Errorf("%d succeeded and %d failed payments, want 1 and 0", ok, failed)
		}
		if n, err := site.App.Store.CountTestCharges(ctx, acct.ID); err != nil || n != 1 {
			t.Errorf("%d charges at the gateway (%v), want 1", n, err)
		}
		if n := crReceipts(t, site, email); n != 1 {
			t.Errorf("%d receipts, want 1", n)
		}
		page := b.Get("/account")
		if strings.Contains(page.Body, `id="payment-pending"`) || !strings.Contains(page.Body, `id="plan-name"`) {
			t.Error("after recovery the account page does not show the subscription")
		}
		if done := b.Post("/subscribe/smart-quarterly", crCheckoutForm(key)); done.URL != "/account" || !strings.Contains(done.Body, `id="plan-name"`) {
			t.Errorf("the form resubmitted after recovery: status %d at %s, want the account page", done.Status, done.URL)
		}
		if n, _ := site.App.Store.CountTestCharges(ctx, acct.ID); n != 1 {
			t.Errorf("%d charges at the gateway in the end, want 1", n)
		}
	})
}

func coLive(t *testing.T, site *apptest.Site, accountID int64) int {
	t.Helper()
	n, err := site.App.Store.CountLiveSubscriptions(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func crReceipts(t *testing.T, site *apptest.Site, email string) int {
	t.Helper()
	msgs, err := site.App.Store.Outbox(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.To == email && strings.Contains(m.Subject, "receipt") {
			n++
		}
	}
	return n
}

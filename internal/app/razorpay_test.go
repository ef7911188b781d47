package app_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/demo"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store/storetest"
)

var rpFieldRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// A reader subscribes through Razorpay's hosted checkout, faked on
// loopback: the site posts the checkout form to Razorpay, the reader pays
// there, Razorpay posts the reader back (a cross-site form, without the
// session cookie) and sends its webhook ten times. One payment captured,
// one subscription, the reader back on the story they came from; a forged
// webhook is refused.
func TestSubscribeThroughRazorpay(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			site, fake, rzpURL := razorpaySite(t, engine, false, "")
			acct, err := site.App.Accounts.Register(ctx, "payer@example.com", "payer-password-1", "")
			if err != nil {
				t.Fatal(err)
			}
			b := site.NewBrowser()
			b.Post("/login", url.Values{"email": {"payer@example.com"}, "password": {"payer-password-1"}, "next": {"/"}})

			page := b.Get("/subscribe/smart-quarterly?next=/section/markets")
			if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+rzpURL) {
				t.Errorf("the checkout page's policy does not let its form reach Razorpay: %q", csp)
			}
			post := b.Post("/subscribe/smart-quarterly", url.Values{"checkout_key": {crCheckoutKeyRE.FindStringSubmatch(page.Body)[1]}, "next": {"/section/markets"}})
			if post.Status != http.StatusOK || !strings.Contains(post.Body, `action="`+rzpURL+`/v1/checkout/embedded"`) {
				t.Fatalf("checkout: status %d, no form posting to Razorpay:\n%s", post.Status, post.Body)
			}
			fields := url.Values{}
			for _, m := range rpFieldRE.FindAllStringSubmatch(post.Body, -1) {
				fields.Set(m[1], html.UnescapeString(m[2]))
			}
			// The reader's browser posts the form to Razorpay and pays there.
			resp, err := http.PostForm(rzpURL+"/v1/checkout/embedded", fields)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("Razorpay's checkout page: %v %v", resp, err)
			}
			resp.Body.Close()
			callback, err := fake.CompleteCheckout(fields.Get("order_id"), "4111 1111 1111 1111")
			if err != nil {
				t.Fatal(err)
			}

			// Razorpay's webhook may come first, ten times over.
			payment := callback.Form.Get("razorpay_payment_id")
			header, body, err := fake.Webhook("payment.captured", payment)
			if err != nil {
				t.Fatal(err)
			}
			forged := b.Do(http.MethodPost, "/webhooks/razorpay", strings.NewReader(strings.Replace(string(body), "captured", "failed", 1)), header)
			if forged.Status != http.StatusBadRequest {
				t.Errorf("forged webhook: status %d, want 400", forged.Status)
			}
			for i := range 10 {
				if r := b.Do(http.MethodPost, "/webhooks/razorpay", strings.NewReader(string(body)), header); r.Status != http.StatusOK {
					t.Fatalf("webhook delivery %d: status %d", i+1, r.Status)
				}
			}
			site.RunJobs()

			// Back from Razorpay: a cross-site POST, with no cookie of ours.
			back, err := http.PostForm(callback.URL, callback.Form)
			if err != nil {
				t.Fatal(err)
			}
			back.Body.Close()
			if back.Request.URL.Path != "/section/markets" {
				t.Errorf("back from Razorpay at %s, want the page the reader came from", back.Request.URL.Path)
			}
			sub, err := site.App.Billing.Current(ctx, acct.ID)
			if err != nil || sub == nil {
				t.Fatalf("no subscription after paying at Razorpay: %v", err)
			}
			if n, _ := site.App.Store.CountSucceededPayments(ctx, acct.ID); n != 1 {
				t.Errorf("%d successful payments, want 1", n)
			}
			if n := fake.CapturedPayments(); n != 1 {
				t.Errorf("%d payments captured at Razorpay, want 1", n)
			}
			if acc := b.Get("/account"); !strings.Contains(acc.Body, `id="plan-name"`) {
				t.Error("the account page does not show the subscription")
			}
		})
	}
}

// The demo seeds its subscriber with Razorpay configured: the year is
// paid on the built-in test gateway, never at Razorpay, and does not renew,
// as Razorpay could not charge that card.
func TestDemoSeedsItsSubscriberWithRazorpayConfigured(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, fake, _ := razorpaySite(t, engine, true, "")
			var subscriber *demo.Account
			for i := range demo.Accounts {
				if strings.HasPrefix(demo.Accounts[i].Role, "subscriber") {
					subscriber = &demo.Accounts[i]
				}
			}
			acct, err := site.App.Store.AccountByEmail(context.Background(), subscriber.Email)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := site.App.Billing.Current(context.Background(), acct.ID)
			if err != nil || sub == nil || sub.AutoRenew || !sub.PaidUntil.After(site.Clock.Now()) {
				t.Fatalf("the demo subscriber's subscription: %+v (%v), want one paid ahead that does not renew", sub, err)
			}
			if n := fake.Payments(); n != 0 {
				t.Errorf("Razorpay recorded %d payments while the demo was seeded, want none", n)
			}
		})
	}
}

// razorpaySite starts a site whose payments go to a fake Razorpay on
// loopback, with the demo's plans (and the whole demo when seed is set);
// method is what its checkout offers ("" for cards). It returns the fake
// and its address.
func razorpaySite(t *testing.T, engine string, seed bool, method string) (*apptest.Site, *razorpaytest.Server, string) {
	t.Helper()
	fake := razorpaytest.New("rzp_test_key", "key-secret", "webhook-secret")
	rzp := httptest.NewServer(fake)
	t.Cleanup(rzp.Close)
	site := apptest.NewSiteWith(t, storetest.URL(t, engine), seed, func(c *config.Config) {
		c.Payments = config.Payments{Provider: "razorpay", RazorpayKeyID: "rzp_test_key", RazorpayKeySecret: "key-secret",
			RazorpayWebhookSecret: "webhook-secret", RazorpayBaseURL: rzp.URL, RazorpayMethod: method}
	})
	if err := demo.EnsurePlans(context.Background(), site.App.Store); err != nil {
		t.Fatal(err)
	}
	return site, fake, rzp.URL
}

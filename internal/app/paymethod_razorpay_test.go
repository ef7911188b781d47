package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store/storetest"
)

// A Razorpay subscriber replaces their mandate: the account page posts an
// authorisation transaction's form to Razorpay's hosted checkout (faked on
// loopback), the reader authorises a card there, Razorpay's webhook comes
// three times and the reader is posted back cross-site. The new token is
// recorded once, renewals charge it, and the ₹1 authorisation is refunded
// once.
func TestRazorpaySubscriberReplacesTheMandate(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			site, fake, rzpURL := razorpaySite(t, engine, false, "")
			acct, err := site.App.Accounts.Register(ctx, "payer@example.com", "payer-password-1", "")
			if err != nil {
				t.Fatal(err)
			}
			// Subscribed through Razorpay's checkout.
			page, err := site.App.Billing.StartCheckout(ctx, billing.CheckoutStart{AccountID: acct.ID, PlanCode: "smart-quarterly", FormKey: billing.NewFormKey()})
			if err != nil {
				t.Fatal(err)
			}
			opened := url.Values{}
			for k, v := range page.Fields {
				opened.Set(k, v)
			}
			if resp, err := http.PostForm(page.URL, opened); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("Razorpay's checkout page: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			if _, err := fake.CompleteCheckout(page.Ref, "4111 1111 1111 1111"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := site.App.Billing.CompleteCheckout(ctx, page.Fields["notes[broadsheet_key]"]); err != nil {
				t.Fatal(err)
			}
			sub := rnCurrentSub(t, site, acct.ID)
			methodsBefore := pmMethodCount(t, site, acct.ID)

			b := site.NewBrowser()
			b.Post("/login", url.Values{"email": {"payer@example.com"}, "password": {"payer-password-1"}, "next": {"/account"}})
			account := b.Get("/account")
			m := pmFormKey.FindStringSubmatch(account.Body)
			if m == nil {
				t.Fatalf("no payment method form on the account page:\n%s", account.Body)
			}
			post := b.Post("/account/payment-method", url.Values{"method_key": {m[1]}})
			if post.Status != http.StatusOK || !strings.Contains(post.Body, `action="`+rzpURL+`/v1/checkout/embedded"`) {
				t.Fatalf("update: status %d, no form posting to Razorpay:\n%s", post.Status, post.Body)
			}
			if csp := post.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+rzpURL) {
				t.Errorf("the page's policy does not let its form reach Razorpay: %q", csp)
			}
			fields := url.Values{}
			for _, f := range rpFieldRE.FindAllStringSubmatch(post.Body, -1) {
				fields.Set(f[1], html.UnescapeString(f[2]))
			}
			if fields.Get("amount") != "100" || fields.Get("recurring") != "1" {
				t.Errorf("the authorisation form: %v", fields)
			}
			resp, err := http.PostForm(rzpURL+"/v1/checkout/embedded", fields)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("Razorpay's checkout page: %v %v", resp, err)
			}
			resp.Body.Close()
			callback, err := fake.CompleteCheckout(fields.Get("order_id"), razorpaytest.CardSucceeds)
			if err != nil {
				t.Fatal(err)
			}
			authorisation := callback.Form.Get("razorpay_payment_id")
			header, body, err := fake.Webhook("payment.captured", authorisation)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if r := b.Do(http.MethodPost, "/webhooks/razorpay", strings.NewReader(string(body)), header); r.Status != http.StatusOK {
					t.Fatalf("webhook delivery %d: status %d", i+1, r.Status)
				}
			}
			site.RunJobs()
			if rnSubByID(t, site, sub.ID).PaymentMethodID == sub.PaymentMethodID {
				t.Error("the webhook did not settle the update")
			}
			// Back from Razorpay, twice (a reload): a cross-site POST
			// that goes on to the account page.
			for range 2 {
				back := b.Do(http.MethodPost, strings.TrimPrefix(callback.URL, site.URL), strings.NewReader(callback.Form.Encode()), http.Header{
					"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"},
				})
				if back.Status != http.StatusOK || back.URL != "/account" {
					t.Errorf("back from Razorpay: %s (status %d)", back.RequestURI, back.Status)
				}
			}
			got := rnSubByID(t, site, sub.ID)
			old, err := site.App.Store.PaymentMethodByID(ctx, sub.PaymentMethodID)
			if err != nil {
				t.Fatal(err)
			}
			method, err := site.App.Store.PaymentMethodByID(ctx, got.PaymentMethodID)
			if err != nil || got.PaymentMethodID == sub.PaymentMethodID || method.Gateway != "razorpay" || method.Token == old.Token {
				t.Fatalf("the subscription's method after the update: %+v, %v", method, err)
			}
			if n := pmMethodCount(t, site, acct.ID); n != methodsBefore+1 {
				t.Errorf("%d payment methods, want %d", n, methodsBefore+1)
			}
			if n, amount := fake.Refunds(), fake.RefundedAmount(authorisation); n != 1 || amount != 100 {
				t.Errorf("%d refunds, %d paise of the authorisation refunded; want the ₹1 once", n, amount)
			}
			if n := fake.CapturedPayments(); n != 2 {
				t.Errorf("%d payments captured, want the checkout and the authorisation", n)
			}
			// Renewals charge the new mandate.
			res, err := site.App.Billing.Gateway.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:test:2:1", Token: method.Token, Amount: 100000, Currency: "INR"})
			if err != nil || !res.Succeeded {
				t.Errorf("a charge on the new mandate: %+v, %v", res, err)
			}
		})
	}
}

package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store/storetest"
)

// A reader pays by UPI Autopay on a site that offers it. Razorpay takes
// the renewal a day before the term ends and debits it 25 hours later,
// after its own pre-debit notification. Across the term's end the reader
// reads premium stories in full while the site's background work runs
// every ten minutes without a failing job or a second charge; Razorpay's
// webhook about the debit then adds the term, once.
func TestUPIAutopayReaderReadsOnWhileTheDebitIsCollected(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			site, fake, _ := razorpaySite(t, engine, false, "upi")
			fake.SetClock(site.Clock.Now)
			st := site.App.Store
			acct, err := site.App.Accounts.Register(ctx, "upi@example.com", "upi-password-1", "")
			if err != nil {
				t.Fatal(err)
			}
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
			if _, err := fake.CompleteCheckout(page.Ref, razorpaytest.VPASucceeds); err != nil {
				t.Fatal(err)
			}
			if _, _, err := site.App.Billing.CompleteCheckout(ctx, page.Fields["notes[broadsheet_key]"]); err != nil {
				t.Fatal(err)
			}
			sub := rnCurrentSub(t, site, acct.ID)
			if m, err := st.PaymentMethodByID(ctx, sub.PaymentMethodID); err != nil || m.Brand != "UPI" {
				t.Fatalf("saved method %+v (%v), want the UPI mandate", m, err)
			}

			now := site.Clock.Now()
			section, err := st.AddSection(ctx, "markets", "Markets", now)
			if err != nil {
				t.Fatal(err)
			}
			story := &content.Article{Slug: "upi-premium", Headline: "A premium story", Summary: "Its standfirst",
				Body:      content.JoinParagraphs([]string{"First paragraph of the premium story.", "Second paragraph, for subscribers."}),
				SectionID: section.ID, Author: "Desk", Access: content.Premium, PublishedAt: now.Add(-1), UpdatedAt: now.Add(-1)}
			if story.ID, err = st.CreateArticle(ctx, story); err != nil {
				t.Fatal(err)
			}
			device := rnDeviceOf(t, site, acct.ID)
			path := "/article/" + story.Slug
			if !rnReadsInFull(t, device, path) || rnReadsInFull(t, site.NewBrowser(), path) {
				t.Fatal("the premium story is not for subscribers alone")
			}

			rnNoticed(t, sub, site)
			charged := sub.PaidUntil.Add(-billing.RenewalLead)
			for at := charged; at.Before(charged.Add(razorpaytest.UPIDebitDelay)); at = at.Add(10 * time.Minute) {
				site.Clock.Set(at)
				site.RunJobs()
				if at.After(sub.PaidUntil) && !rnReadsInFull(t, device, path) {
					t.Fatalf("at %s, past the term's end (%s) with the debit on its way, the reader hit the paywall", at, sub.PaidUntil)
				}
			}
			renewal, err := st.PaymentByKey(ctx, billing.RenewalKey(sub))
			if err != nil || renewal.Status != billing.PaymentPending {
				t.Fatalf("before the debit, renewal payment %+v (%v), want pending", renewal, err)
			}
			if n, captured := fake.Payments(), fake.CapturedPayments(); n != 2 || captured != 1 {
				t.Fatalf("before the debit, Razorpay has %d payments, %d captured; want the checkout's and one renewal", n, captured)
			}
			for _, key := range []string{billing.RenewalKey(sub), billing.CheckoutRecoveryKey(renewal.ID)} {
				job, done, err := st.JobByKey(ctx, key)
				if err != nil || !done || job.LastError != "" {
					t.Errorf("job %s: %+v, done %v, %v; want it done without an error", key, job, done, err)
				}
			}

			site.Clock.Set(charged.Add(razorpaytest.UPIDebitDelay))
			debited := fake.CollectDebits()
			if len(debited) != 1 {
				t.Fatalf("debits %v, want the renewal's", debited)
			}
			header, body, err := fake.Webhook("payment.captured", debited[0])
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if r := device.Do(http.MethodPost, "/webhooks/razorpay", strings.NewReader(string(body)), header); r.Status != http.StatusOK {
					t.Fatalf("webhook delivery %d: status %d", i+1, r.Status)
				}
			}
			site.RunJobs()
			got := rnSubByID(t, site, sub.ID)
			if got.TermsPaid != 2 || !got.PaidUntil.After(sub.PaidUntil) || got.GraceUntil != nil {
				t.Fatalf("after the debit: %+v, want the second term paid", got)
			}
			for range 12 {
				site.Clock.Set(site.Clock.Now().Add(6 * time.Hour))
				site.RunJobs()
			}
			if !rnReadsInFull(t, device, path) {
				t.Error("after the debit, the reader does not read the premium story")
			}
			if n, captured := fake.Payments(), fake.CapturedPayments(); n != 2 || captured != 2 {
				t.Errorf("Razorpay has %d payments, %d captured; want the checkout and one renewal", n, captured)
			}
			if ok, _ := rnPayments(t, site, acct.ID); ok != 2 {
				t.Errorf("%d succeeded payments, want 2", ok)
			}
			if n := rnTermCount(t, site, sub.ID); n != 2 {
				t.Errorf("%d terms, want 2", n)
			}
		})
	}
}

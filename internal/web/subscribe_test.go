package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/demo"
)

// coNoRedirect sends one request without following redirects.
func coNoRedirect(t *testing.T, site *apptest.Site, method, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, site.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

var coCheckoutKeyRE = regexp.MustCompile(`name="checkout_key" value="([^"]+)"`)

func coCheckoutKey(t *testing.T, body string) string {
	t.Helper()
	m := coCheckoutKeyRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no checkout_key in the checkout form:\n%s", body)
	}
	return m[1]
}

func coCardForm(number string) url.Values {
	return url.Values{"card_number": {number}, "exp_month": {"12"}, "exp_year": {"2030"}, "cvc": {"123"}}
}

// coSubscribe submits the checkout form with key and, when it leads to the
// test gateway's page, pays there with the card, as a reader does; it
// returns the page the reader lands on.
func coSubscribe(t *testing.T, b *apptest.Browser, plan, key, number string) apptest.Response {
	t.Helper()
	page := b.Post("/subscribe/"+plan, url.Values{"checkout_key": {key}})
	if !strings.HasPrefix(page.URL, billing.TestPayPath) {
		return page
	}
	return b.Post(page.RequestURI, coCardForm(number))
}

// coHTMLText is s as html/template writes it in element text.
func coHTMLText(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }

func TestPlansPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		resp := site.NewBrowser().Get("/subscribe")
		if resp.Status != http.StatusOK {
			t.Fatalf("GET /subscribe: status %d", resp.Status)
		}
		want := []string{
			"Smart Quarterly", "₹900", "3 Months", "₹300/Month",
			"Smart Essential", "₹2,700", "1 Year", "₹225/Month",
			"Super Saver", "₹3,900", "2 Years", "₹162/Month",
			"Renews automatically, cancel anytime",
			`href="/subscribe/smart-quarterly"`, `href="/subscribe/smart-essential"`, `href="/subscribe/super-saver"`,
			"Here’s what’s included in our digital subscription plans",
			"Exclusive premium stories online", "Over 30 premium stories daily, handpicked by our editors",
			"Complimentary Access to The New York Times", "Curated Newsletters", "Market Analysis &amp; Investment Insights",
			"Archives", "Repository of articles and publications dating back to 1997",
			"Ad-free Reading", "Seamless Access Across All Devices",
		}
		pub := site.App.Settings.Get().Publication
		want = append(want, coHTMLText(pub+" Epaper"), coHTMLText("Access "+pub+" across devices"))
		for _, s := range want {
			if !strings.Contains(resp.Body, s) {
				t.Errorf("/subscribe lacks %q", s)
			}
		}
		// ₹3,900 over 24 months is ₹162.50: the page rounds down.
		if strings.Contains(resp.Body, "₹163") || strings.Contains(resp.Body, "162.5") {
			t.Error("Super Saver's monthly price is not rounded down to ₹162")
		}
		if n := strings.Count(resp.Body, "Renews automatically, cancel anytime"); n != 3 {
			t.Errorf("renewal line appears %d times, want once per plan", n)
		}
		if strings.Contains(resp.Body, `id="subscribed"`) {
			t.Error("an anonymous reader is told they are subscribed")
		}
	})
}

func TestCheckoutRequiresSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		resp := coNoRedirect(t, site, http.MethodGet, "/subscribe/smart-quarterly")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("anonymous checkout: status %d, want 303", resp.StatusCode)
		}
		if got, want := resp.Header.Get("Location"), "/login?next="+url.QueryEscape("/subscribe/smart-quarterly"); got != want {
			t.Errorf("redirected to %q, want %q", got, want)
		}
	})
}

func TestCheckout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		reader := demoAccount(t, "registered reader")
		acct, err := site.App.Store.AccountByEmail(ctx, reader.Email)
		if err != nil {
			t.Fatal(err)
		}
		_, premium := stories(t, site)
		story := "/article/" + premium[0].Slug
		b := site.NewBrowser()
		logIn(t, b, reader, "/")

		if resp := b.Get("/subscribe/no-such-plan"); resp.Status != http.StatusNotFound {
			t.Errorf("unknown plan: status %d, want 404", resp.Status)
		}
		form := b.Get("/subscribe/smart-quarterly")
		if form.Status != http.StatusOK {
			t.Fatalf("checkout form: status %d", form.Status)
		}
		for _, s := range []string{"Smart Quarterly", "₹900", "3 Months", `name="checkout_key"`, "Continue to payment"} {
			if !strings.Contains(form.Body, s) {
				t.Errorf("checkout form lacks %q", s)
			}
		}
		key1 := coCheckoutKey(t, form.Body)
		if again := coCheckoutKey(t, b.Get("/subscribe/smart-quarterly").Body); again == key1 {
			t.Error("two renderings of the checkout form share a checkout_key")
		}
		if resp := b.Post("/subscribe/smart-quarterly", url.Values{"checkout_key": {""}}); resp.Status != http.StatusBadRequest {
			t.Errorf("checkout without its form key: status %d, want 400", resp.Status)
		}

		// The form leads to the test gateway's page, which takes the card.
		pay := b.Post("/subscribe/smart-quarterly", url.Values{"checkout_key": {key1}})
		if !strings.HasPrefix(pay.URL, billing.TestPayPath) || pay.Status != http.StatusOK {
			t.Fatalf("checkout: at %s (status %d), want the test gateway's page", pay.URL, pay.Status)
		}
		for _, s := range []string{"₹900", `name="card_number"`, `name="exp_month"`, `name="exp_year"`, `name="cvc"`, "4242 4242 4242 4242", "4000 0000 0000 0002"} {
			if !strings.Contains(pay.Body, s) {
				t.Errorf("the test gateway's page lacks %q", s)
			}
		}
		// A declined card: the page says so and takes another; nothing else changes.
		declined := b.Post(pay.RequestURI, coCardForm(billing.CardDeclined))
		if declined.Status != http.StatusPaymentRequired {
			t.Fatalf("declined card: status %d, want 402", declined.Status)
		}
		if !strings.Contains(declined.Body, "declined") || !strings.Contains(declined.Body, `id="checkout-error"`) {
			t.Error("declined card: no decline message on the form")
		}
		if strings.Contains(declined.Body, `value="`+billing.CardDeclined+`"`) {
			t.Error("the card number is echoed back into the form")
		}
		if sub, err := site.App.Billing.Current(ctx, acct.ID); err != nil || sub != nil {
			t.Fatalf("after a decline: subscription %+v, err %v", sub, err)
		}
		if n, _ := site.App.Store.CountSucceededPayments(ctx, acct.ID); n != 0 {
			t.Errorf("after a decline: %d successful payments", n)
		}
		if resp := b.Get(story); !strings.Contains(resp.Body, `id="paywall"`) {
			t.Error("after a decline the reader reads a premium story")
		}

		// A good card subscribes.
		ok := b.Post(pay.RequestURI, coCardForm("4242 4242 4242 4242"))
		if ok.URL != "/account" {
			t.Fatalf("after paying: at %s (status %d), want /account", ok.URL, ok.Status)
		}
		sub, err := site.App.Billing.Current(ctx, acct.ID)
		if err != nil || sub == nil || sub.Status != billing.Active {
			t.Fatalf("after paying: subscription %+v, err %v", sub, err)
		}
		plan, _ := site.App.Store.PlanByCode(ctx, "smart-quarterly")
		if sub.PlanID != plan.ID {
			t.Errorf("subscribed to plan %d, want %d", sub.PlanID, plan.ID)
		}
		full := b.Get(story)
		if full.Status != http.StatusOK || strings.Contains(full.Body, `id="paywall"`) {
			t.Errorf("subscriber's premium story: status %d, paywall shown: %v", full.Status, strings.Contains(full.Body, `id="paywall"`))
		}
		for _, path := range []string{"/", story, "/subscribe"} {
			if resp := b.Get(path); strings.Contains(resp.Body, `class="ad-slot"`) {
				t.Errorf("%s shows an ad to a subscriber", path)
			}
		}
		plans := b.Get("/subscribe")
		if !strings.Contains(plans.Body, `id="subscribed"`) || !strings.Contains(plans.Body, `href="/account"`) {
			t.Error("/subscribe does not tell a subscriber they are subscribed")
		}
		if strings.Contains(plans.Body, `href="/subscribe/smart-quarterly"`) {
			t.Error("/subscribe offers a subscriber the Choose buttons")
		}

		// The same form, and the same page, submitted again charge nothing.
		b.Post(pay.RequestURI, coCardForm("4242 4242 4242 4242"))
		again := coSubscribe(t, b, "smart-quarterly", key1, "4242 4242 4242 4242")
		if again.URL != "/account" {
			t.Errorf("double submit: at %s (status %d), want /account", again.URL, again.Status)
		}
		if n, _ := site.App.Store.CountSucceededPayments(ctx, acct.ID); n != 1 {
			t.Errorf("%d successful payments after a double submit, want 1", n)
		}
		if terms, _ := site.App.Store.Terms(ctx, sub.ID); len(terms) != 1 {
			t.Errorf("%d paid terms after a double submit, want 1", len(terms))
		}
		if resp := b.Get("/subscribe/smart-quarterly"); resp.URL != "/account" {
			t.Errorf("a subscriber opening checkout lands at %s, want /account", resp.URL)
		}
		// One receipt, though the form was submitted twice.
		site.RunJobs()
		msgs, err := site.App.Store.Outbox(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		receipts := 0
		for _, m := range msgs {
			if m.To == reader.Email && strings.Contains(m.Subject, "receipt") {
				receipts++
				if !strings.Contains(m.Body, "₹900") || !strings.Contains(m.Body, "Smart Quarterly") {
					t.Errorf("receipt body lacks the amount or plan: %q", m.Body)
				}
			}
		}
		if receipts != 1 {
			t.Errorf("%d receipts in the outbox for the reader, want 1", receipts)
		}
	})
}

// Two submits of one checkout form racing each other (a double click on a
// slow connection) charge once.
func TestCheckoutDoubleSubmitRace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		who := demo.Account{Email: "racer@example.com", Password: "racer-password-1"}
		acct, err := site.App.Accounts.Register(ctx, who.Email, who.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		logIn(t, b, who, "/")
		key := coCheckoutKey(t, b.Get("/subscribe/super-saver").Body)
		var wg sync.WaitGroup
		results := make([]apptest.Response, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = coSubscribe(t, b, "super-saver", key, billing.CardSucceeds)
			}()
		}
		wg.Wait()
		landed := 0
		for _, r := range results {
			switch {
			case r.URL == "/account":
				landed++
			case r.Status == http.StatusConflict:
			default:
				t.Errorf("racing submit: status %d at %s", r.Status, r.URL)
			}
		}
		if landed == 0 {
			t.Error("neither submit reached the account page")
		}
		if n, _ := site.App.Store.CountSucceededPayments(ctx, acct.ID); n != 1 {
			t.Errorf("%d successful payments from one form submitted twice, want 1", n)
		}
		sub, err := site.App.Billing.Current(ctx, acct.ID)
		if err != nil || sub == nil {
			t.Fatalf("no subscription after the race: %v", err)
		}
		if terms, _ := site.App.Store.Terms(ctx, sub.ID); len(terms) != 1 {
			t.Errorf("%d paid terms, want 1", len(terms))
		}
		site.RunJobs()
		site.RunJobs()
		if n := countReceipts(t, site, who.Email); n != 1 {
			t.Errorf("%d receipts for one form submitted twice at once, want 1", n)
		}
	})
}

// countReceipts counts the receipts in the outbox addressed to email.
func countReceipts(t *testing.T, site *apptest.Site, email string) int {
	t.Helper()
	msgs, err := site.App.Store.Outbox(context.Background(), 50)
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

// Thirty tabs of one account, each with its own checkout form, submitted
// and paid at once: at most one charge kept and one subscription, and
// every other tab told that a payment is already under way, that its
// checkout was replaced, or that the reader is subscribed.
func TestCheckoutParallelTabs(t *testing.T) {
	// A gateway that takes a moment to answer, as real ones do, keeps
	// every tab's request in flight together.
	t.Setenv("BROADSHEET_TEST_GATEWAY_DELAY", "20ms")
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		who := demo.Account{Email: "tabs@example.com", Password: "many-tabs-password"}
		acct, err := site.App.Accounts.Register(ctx, who.Email, who.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		logIn(t, b, who, "/")
		keys := make([]string, 30)
		for i := range keys {
			keys[i] = coCheckoutKey(t, b.Get("/subscribe/smart-quarterly").Body)
		}
		var wg sync.WaitGroup
		results := make([]apptest.Response, len(keys))
		for i, key := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = coSubscribe(t, b, "smart-quarterly", key, billing.CardSucceeds)
			}()
		}
		wg.Wait()
		for i, r := range results {
			switch {
			case r.Status >= 500:
				t.Errorf("tab %d: status %d", i, r.Status)
			case r.URL == "/account" && r.Status == http.StatusOK:
			case r.Status == http.StatusConflict && strings.Contains(r.Body, "already being processed"):
			case strings.HasPrefix(r.URL, "/subscribe/") && r.Status == http.StatusOK && strings.Contains(r.Body, `id="checkout-error"`):
			default:
				t.Errorf("tab %d: status %d at %s, with neither the account page nor a clear message", i, r.Status, r.URL)
			}
		}
		// Each tab's checkout may replace another's before it is paid, so
		// 30 at once may end with none paid; never with more than one, and
		// a charge made on a replaced checkout is refunded.
		paid, _ := site.App.Store.CountSucceededPayments(ctx, acct.ID)
		if paid > 1 {
			t.Errorf("%d successful payments from 30 tabs, want at most 1", paid)
		}
		refunds, err := site.App.Store.CountTestRefunds(ctx, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := coGatewayCharges(t, site, acct.ID); n-refunds != paid {
			t.Errorf("%d charges and %d refunds at the gateway for %d payments from 30 tabs", n, refunds, paid)
		}
		if n := coLiveSubscriptions(t, site, acct.ID); n != paid {
			t.Errorf("%d live subscriptions from %d payments", n, paid)
		}
	})
}

// coGatewayCharges counts what the test gateway charged the account at checkout.
func coGatewayCharges(t *testing.T, site *apptest.Site, accountID int64) int {
	t.Helper()
	n, err := site.App.Store.CountTestCharges(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// coLiveSubscriptions counts the account's subscriptions that have not ended.
func coLiveSubscriptions(t *testing.T, site *apptest.Site, accountID int64) int {
	t.Helper()
	n, err := site.App.Store.CountLiveSubscriptions(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var coChooseRE = regexp.MustCompile(`href="(/subscribe/smart-quarterly[^"]*)"`)

// A reader stopped by the paywall subscribes from its button and comes
// back to the story, now whole, with the welcome; the page they pass
// through on the way can be refreshed without paying again.
func TestSubscribingFromThePaywallReturnsToTheStory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		_, premium := stories(t, site)
		story := "/article/" + premium[0].Slug
		b := site.NewBrowser()
		logIn(t, b, demoAccount(t, "registered reader"), "/")

		gated := b.Get(story)
		m := regexp.MustCompile(`href="([^"]+)" id="paywall-subscribe"`).FindStringSubmatch(gated.Body)
		if m == nil {
			t.Fatal("no subscribe button on the paywall")
		}
		plans := b.Get(html.UnescapeString(m[1]))
		choose := coChooseRE.FindStringSubmatch(plans.Body)
		if choose == nil || !strings.Contains(choose[1], "next=") {
			t.Fatalf("the plans page does not carry the story on: %v", choose)
		}
		checkout := b.Get(html.UnescapeString(choose[1]))
		if !strings.Contains(checkout.Body, `name="next" value="`+story+`"`) {
			t.Fatal("the checkout form does not carry the story")
		}
		pay := b.Post("/subscribe/smart-quarterly", url.Values{"checkout_key": {coCheckoutKey(t, checkout.Body)}, "next": {story}})
		back := b.Post(pay.RequestURI, coCardForm(billing.CardSucceeds))
		if back.URL != story {
			t.Fatalf("after paying: at %s, want back at %s", back.URL, story)
		}
		if strings.Contains(back.Body, `id="paywall"`) || !strings.Contains(back.Body, "Your subscription is active") {
			t.Error("back at the story: not whole, or without the welcome")
		}
		// Refreshing the return address pays nothing more.
		u, err := url.Parse(pay.RequestURI)
		if err != nil {
			t.Fatal(err)
		}
		ret, err := url.Parse(u.Query().Get("return"))
		if err != nil || ret.Path != billing.ReturnPath {
			t.Fatalf("the test gateway's page has no return address: %q", u.Query().Get("return"))
		}
		if again := b.Get(ret.RequestURI()); again.URL != story || again.Status != http.StatusOK {
			t.Errorf("the return refreshed: status %d at %s", again.Status, again.URL)
		}
		returned := b.Get("/checkout/return?" + url.Values{"key": {}}.Encode())
		if returned.Status != http.StatusNotFound {
			t.Errorf("a return without a checkout: status %d, want 404", returned.Status)
		}
		acct := accountID(t, site, "registered reader")
		if n, _ := site.App.Store.CountSucceededPayments(ctx, acct); n != 1 {
			t.Errorf("%d payments, want 1", n)
		}
		// A next that leads off the site is dropped.
		if r := b.Get("/subscribe?next=//evil.example/"); strings.Contains(r.Body, "evil.example") {
			t.Error("the plans page carries a next that leads to another site")
		}
	})
}

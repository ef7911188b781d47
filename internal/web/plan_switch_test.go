package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

var switchNowRE = regexp.MustCompile(`(?s)<form method="post" action="/account/plan/now".*?name="plan" value="([^"]+)"><input type="hidden" name="amount" value="(\d+)"><input type="hidden" name="form_key" value="([^"]+)">`)

// switchNowForms reads the account page's "switch now" forms: plan code to
// the form's fields as the browser would send them.
func switchNowForms(t *testing.T, b *apptest.Browser) map[string]url.Values {
	t.Helper()
	page := b.Get("/account")
	out := map[string]url.Values{}
	for _, m := range switchNowRE.FindAllStringSubmatch(page.Body, -1) {
		out[m[1]] = url.Values{"plan": {m[1]}, "amount": {m[2]}, "form_key": {m[3]}}
	}
	return out
}

// A subscriber switches plans from the account page: at the next renewal
// (and back), or now, paying the amount the page named once however often
// the form is sent; an amount changed on the way charges nothing.
func TestSwitchPlansFromTheAccountPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		subscriber := demoAccount(t, "subscriber")
		id := acctID(t, site, subscriber.Email)
		b := site.NewBrowser()
		logIn(t, b, subscriber, "/account")

		page := b.Get("/account")
		for _, want := range []string{`id="switch-plan"`, "Super Saver (2 Years), ₹3,900", "Smart Quarterly (3 Months), ₹900",
			"Switch at my next renewal, for ₹900"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		forms := switchNowForms(t, b)
		if _, ok := forms["smart-quarterly"]; ok {
			t.Error("switching now to a plan cheaper than the unused term is offered")
		}
		upgrade, ok := forms["super-saver"]
		if !ok {
			t.Fatalf("no form to switch to Super Saver now:\n%s", page.Body)
		}

		resp := b.Post("/account/plan/renewal", url.Values{"plan": {"smart-quarterly"}})
		if resp.URL != "/account" || !strings.Contains(resp.Body, "At your next renewal you switch to Smart Quarterly") ||
			!strings.Contains(resp.Body, "Next charge: ₹900 on 14 November 2027") {
			t.Fatalf("after choosing a switch at renewal: status %d at %s", resp.Status, resp.URL)
		}
		resp = b.Post("/account/plan/renewal", url.Values{"plan": {"smart-essential"}, "undo": {"1"}})
		if strings.Contains(resp.Body, `id="switch-scheduled"`) || !strings.Contains(resp.Body, "Next charge: ₹2,700 on 14 November 2027") {
			t.Errorf("after staying on the plan the switch is still shown")
		}

		paid := func() int {
			n, err := site.App.Store.CountSucceededPayments(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := paid()
		tampered := url.Values{"plan": upgrade["plan"], "amount": {"100"}, "form_key": upgrade["form_key"]}
		if resp := b.Post("/account/plan/now", tampered); resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "nothing was charged") {
			t.Errorf("an amount changed on the way: status %d", resp.Status)
		}
		for range 2 {
			resp = b.Post("/account/plan/now", upgrade)
		}
		if resp.URL != "/account" || !strings.Contains(resp.Body, `id="plan-name">Super Saver<`) {
			t.Fatalf("after switching now: status %d at %s", resp.Status, resp.URL)
		}
		if got := paid(); got != before+1 {
			t.Errorf("%d payments after the switch sent twice, want %d", got, before+1)
		}
		sub, err := site.App.Billing.Current(ctx, id)
		if err != nil || sub == nil || sub.TermsPaid != 2 {
			t.Fatalf("after switching now: %+v (%v), want a second term", sub, err)
		}
		if strings.Count(resp.Body, `class="invoice-link"`) != 2 {
			t.Errorf("the account page does not list both invoices")
		}

		// A reader without a subscription has nothing to switch.
		r := site.NewBrowser()
		logIn(t, r, demoAccount(t, "registered"), "/")
		if resp := r.Post("/account/plan/now", upgrade); resp.Status != http.StatusBadRequest {
			t.Errorf("switch without a subscription: status %d", resp.Status)
		}
	})
}

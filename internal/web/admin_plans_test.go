package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// allPlans lists every plan, retired ones too, by code.
func allPlans(t *testing.T, site *apptest.Site) map[string]*billing.PlanUse {
	t.Helper()
	list, err := site.App.Billing.AllPlans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*billing.PlanUse{}
	for _, p := range list {
		out[p.Code] = p
	}
	return out
}

// planForm is the edit form of a plan as the console fills it in.
func planForm(p *billing.PlanUse) url.Values {
	f := url.Values{"code": {p.Code}, "name": {p.Name}, "price": {p.Price.Plain()}, "term": {fmt.Sprint(p.TermMonths)}}
	if p.Active {
		f.Set("active", "1")
	}
	return f
}

func planPath(p *billing.PlanUse) string { return fmt.Sprintf("/admin/plans/%d", p.ID) }

// Only admins edit the plans and the benefits: a visitor is sent to sign
// in, and readers, subscribers and editors are refused every page and
// form, which change nothing.
func TestPlansAndBenefitsEditorsAreForAdmins(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		plans := allPlans(t, site)
		essential := plans["smart-essential"]
		quarterly := plans["smart-quarterly"]
		benefits, err := site.App.Offer.Benefits(ctx)
		if err != nil || len(benefits) < 2 {
			t.Fatalf("benefits %v, %v", benefits, err)
		}
		first := fmt.Sprintf("/admin/benefits/%d", benefits[0].ID)
		second := fmt.Sprintf("/admin/benefits/%d", benefits[1].ID)
		edited := planForm(essential)
		edited.Set("price", "1")
		edited.Del("active")
		posts := []struct {
			path string
			form url.Values
		}{
			{"/admin/plans", url.Values{"name": {"Free for all"}, "code": {"free-for-all"}, "price": {"1"}, "term": {"60"}, "active": {"1"}}},
			{planPath(essential), edited},
			{planPath(quarterly) + "/delete", url.Values{"code": {quarterly.Code}}},
			{"/admin/benefits", url.Values{"title": {"Free for all"}}},
			{first, url.Values{"title": {"Free for all"}, "body": {"forged"}}},
			{first + "/delete", nil},
			{second + "/move", url.Values{"direction": {"up"}}},
		}
		gets := []string{"/admin/plans", "/admin/benefits"}
		for _, path := range gets {
			resp := coNoRedirect(t, site, http.MethodGet, path)
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(path) {
				t.Errorf("anonymous GET %s: status %d to %q, want 303 to sign in", path, resp.StatusCode, loc)
			}
		}
		for _, who := range []string{"registered reader", "subscriber", "editor"} {
			b := site.NewBrowser()
			logIn(t, b, demoAccount(t, who), "/")
			for _, path := range gets {
				if resp := b.Get(path); resp.Status != http.StatusForbidden {
					t.Errorf("%s GET %s: status %d, want 403", who, path, resp.Status)
				}
			}
			for _, p := range posts {
				if resp := b.Post(p.path, p.form); resp.Status != http.StatusForbidden {
					t.Errorf("%s POST %s: status %d, want 403", who, p.path, resp.Status)
				}
			}
			if body := b.Get("/admin").Body; strings.Contains(body, `href="/admin/plans"`) {
				t.Errorf("%s is shown the way to the plans editor", who)
			}
		}
		after := allPlans(t, site)
		if len(after) != len(plans) || after["smart-essential"].Price != essential.Price || !after["smart-essential"].Active ||
			after["smart-quarterly"] == nil || after["free-for-all"] != nil {
			t.Error("refused forms changed the plans")
		}
		now, err := site.App.Offer.Benefits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(now) != len(benefits) || now[0] != benefits[0] || now[1] != benefits[1] {
			t.Errorf("refused forms changed the benefits: %v", now)
		}

		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		for _, path := range gets {
			if resp := admin.Get(path); resp.Status != http.StatusOK {
				t.Errorf("admin GET %s: status %d", path, resp.Status)
			}
		}
		if body := admin.Get("/admin").Body; !strings.Contains(body, `href="/admin/plans"`) || !strings.Contains(body, `href="/admin/benefits"`) {
			t.Error("the console does not lead to the plans and benefits editors")
		}
	})
}

// An admin adds a plan with its price typed as a person writes it, and it
// is on offer; edits it; deletes it, since nobody bought it. A price that
// is no amount of rupees is refused with the reason and adds nothing.
func TestAdminAddsEditsAndDeletesAPlan(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		page := admin.Get("/admin/plans")
		for _, want := range []string{"Smart Quarterly", "Smart Essential", "Super Saver", `value="2,700"`,
			"A new price applies to new checkouts at once, and to existing subscribers from their next renewal",
			"each renewal charges the plan’s price on the day it falls due"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("/admin/plans lacks %q", want)
			}
		}
		// The demo subscriber's plan cannot be deleted; the others can.
		if strings.Contains(page.Body, `id="delete-smart-essential"`) || !strings.Contains(page.Body, `id="delete-smart-quarterly"`) {
			t.Error("the delete button is offered for the wrong plans")
		}

		add := func(price string) apptest.Response {
			return admin.Post("/admin/plans", url.Values{"name": {"Festive Offer"}, "code": {"festive"}, "price": {price}, "term": {"12"}, "active": {"1"}})
		}
		for _, c := range []struct{ price, problem string }{
			{"abc", `"abc" is not an amount in rupees such as 2,700 or 2700.50`},
			{"-5", `"-5" is not an amount in rupees`},
			{"0", "The price must be from ₹1 to ₹10,00,000, not ₹0."},
			{"1e9", `"1e9" is not an amount in rupees`},
			{"1,00,00,000", "The price must be from ₹1 to ₹10,00,000, not ₹1,00,00,000."},
			{"", "is not an amount in rupees"},
		} {
			resp := add(c.price)
			if resp.Status != http.StatusUnprocessableEntity || !contains(resp.Body, c.problem) || !strings.Contains(resp.Body, `id="plans-error"`) {
				t.Errorf("price %q: status %d, want 422 saying %q", c.price, resp.Status, c.problem)
			}
			if !strings.Contains(resp.Body, `value="Festive Offer"`) {
				t.Errorf("price %q: the refused form does not keep the name typed", c.price)
			}
		}
		for _, c := range []struct {
			form    url.Values
			problem string
		}{
			{url.Values{"name": {"Again"}, "code": {"smart-essential"}, "price": {"100"}, "term": {"1"}}, `A plan with the code "smart-essential" exists already`},
			{url.Values{"name": {"Bad"}, "code": {"Bad Code!"}, "price": {"100"}, "term": {"1"}}, `The code "Bad Code!" cannot be the plan's address`},
			{url.Values{"name": {""}, "code": {"nameless"}, "price": {"100"}, "term": {"1"}}, "The name must be one line"},
			{url.Values{"name": {"Long"}, "code": {"long"}, "price": {"100"}, "term": {"61"}}, "The term must be a whole number of months from 1 to 60"},
			{url.Values{"name": {"None"}, "code": {"none"}, "price": {"100"}, "term": {"0"}}, "The term must be a whole number of months from 1 to 60"},
		} {
			if resp := admin.Post("/admin/plans", c.form); resp.Status != http.StatusUnprocessableEntity || !contains(resp.Body, c.problem) {
				t.Errorf("%v: status %d, want 422 saying %q", c.form, resp.Status, c.problem)
			}
		}
		if n := len(allPlans(t, site)); n != 3 {
			t.Fatalf("refused plans were added: %d plans", n)
		}

		resp := add("2,700")
		if resp.Status != http.StatusOK || resp.URL != "/admin/plans" || !strings.Contains(resp.Body, "Plan added.") {
			t.Fatalf("add a plan: status %d at %s", resp.Status, resp.URL)
		}
		festive := allPlans(t, site)["festive"]
		if festive == nil || festive.Price != 270000 || festive.TermMonths != 12 || !festive.Active || festive.Bought {
			t.Fatalf("the plan added: %+v", festive)
		}
		offer := offerPage(t, site)
		if !strings.Contains(offer, `id="plan-festive"`) || !strings.Contains(offer, `href="/subscribe/festive"`) {
			t.Error("the plan added is not on offer")
		}
		for price, want := range map[string]money.Paise{"2700": 270000, "2700.50": 270050, "₹ 3,100.5": 310050} {
			f := planForm(festive)
			f.Set("price", price)
			if resp := admin.Post(planPath(festive), f); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Plan saved.") {
				t.Errorf("price %q: status %d", price, resp.Status)
			}
			if got := allPlans(t, site)["festive"].Price; got != want {
				t.Errorf("price %q saved as %d paise, want %d", price, got, want)
			}
		}
		f := planForm(festive)
		f.Set("name", "Festive Saver")
		f.Set("price", "1,999")
		f.Set("term", "6")
		if resp := admin.Post(planPath(festive), f); resp.Status != http.StatusOK {
			t.Fatalf("edit the plan: status %d", resp.Status)
		}
		offer = offerPage(t, site)
		section := offer[strings.Index(offer, `id="plan-festive"`):]
		section = section[:strings.Index(section, "</section>")]
		for _, want := range []string{"Festive Saver", "₹1,999", "6 Months", "₹333/Month"} {
			if !strings.Contains(section, want) {
				t.Errorf("the offer page's plan lacks %q after the edit", want)
			}
		}
		f.Set("price", "abc")
		if resp := admin.Post(planPath(festive), f); resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `value="abc"`) {
			t.Errorf("a bad price on the edit form: status %d, or the form does not keep it", resp.Status)
		}
		if got := allPlans(t, site)["festive"]; got.Price != 199900 || got.Name != "Festive Saver" {
			t.Errorf("a refused edit changed the plan: %+v", got)
		}

		// A form that names another plan's code changes nothing.
		other := planForm(festive)
		other.Set("code", "super-saver")
		if resp := admin.Post(planPath(festive), other); resp.Status != http.StatusNotFound {
			t.Errorf("an edit naming another plan's code: status %d, want 404", resp.Status)
		}
		resp = admin.Post(planPath(festive)+"/delete", url.Values{"code": {"festive"}})
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Plan deleted.") {
			t.Fatalf("delete a plan nobody bought: status %d", resp.Status)
		}
		if allPlans(t, site)["festive"] != nil || strings.Contains(offerPage(t, site), "Festive") {
			t.Error("the deleted plan is still there")
		}
		if resp := admin.Get("/subscribe/festive"); resp.Status != http.StatusNotFound {
			t.Errorf("the deleted plan's checkout: status %d, want 404", resp.Status)
		}
	})
}

// A plan with a subscriber is kept: the database refuses its deletion and
// the page says why; its term stays, its price may change.
func TestASubscribedPlanIsKept(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		essential := allPlans(t, site)["smart-essential"]
		if !essential.Bought || essential.Subscribers != 1 {
			t.Fatalf("the demo subscriber's plan: %+v", essential)
		}
		// The page offers no button; a form sent anyway is refused by the
		// database's foreign key.
		resp := admin.Post(planPath(essential)+"/delete", url.Values{"code": {essential.Code}})
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "Plan not deleted: Readers have subscribed to this plan or paid for it") ||
			!strings.Contains(resp.Body, "retire it instead") {
			t.Errorf("delete a subscribed plan: status %d, want 409 saying why", resp.Status)
		}
		if allPlans(t, site)["smart-essential"] == nil {
			t.Fatal("the subscribed plan was deleted")
		}

		f := planForm(essential)
		f.Set("term", "24")
		resp = admin.Post(planPath(essential), f)
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "its term cannot change") {
			t.Errorf("change a subscribed plan's term: status %d, want 409 saying why", resp.Status)
		}
		if got := allPlans(t, site)["smart-essential"]; got.TermMonths != 12 {
			t.Errorf("the subscribed plan's term is %d months", got.TermMonths)
		}
		f.Set("term", "12")
		f.Set("price", "3,000")
		if resp := admin.Post(planPath(essential), f); resp.Status != http.StatusOK {
			t.Errorf("reprice a subscribed plan: status %d", resp.Status)
		}
		if got := allPlans(t, site)["smart-essential"]; got.Price != 300000 {
			t.Errorf("the subscribed plan's price is %s", got.Price)
		}
	})
}

// A retired plan leaves the offer and takes no new checkout, while its
// subscriber keeps renewing at it, at its price of the day, as the plans
// page says.
func TestARetiredPlanRenewsForItsSubscribers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		essential := allPlans(t, site)["smart-essential"]

		// A reader opens the checkout before the plan is retired.
		reader := site.NewBrowser()
		logIn(t, reader, demoAccount(t, "registered reader"), "/")
		checkout := reader.Get("/subscribe/smart-essential")
		if checkout.Status != http.StatusOK {
			t.Fatalf("checkout before retiring: status %d", checkout.Status)
		}
		key := coCheckoutKey(t, checkout.Body)

		f := planForm(essential)
		f.Del("active")
		f.Set("price", "3,000")
		if resp := admin.Post(planPath(essential), f); resp.Status != http.StatusOK {
			t.Fatalf("retire the plan: status %d", resp.Status)
		}
		if got := allPlans(t, site)["smart-essential"]; got.Active || got.Price != 300000 {
			t.Fatalf("after retiring: %+v", got)
		}
		if body := admin.Get("/admin/plans").Body; !strings.Contains(body, "Retired") {
			t.Error("the plans page does not say the plan is retired")
		}
		offer := offerPage(t, site)
		if strings.Contains(offer, "Smart Essential") || strings.Contains(offer, "/subscribe/smart-essential") {
			t.Error("the retired plan is still on offer")
		}
		if !strings.Contains(offer, "Smart Quarterly") {
			t.Error("the plans still on offer are gone")
		}
		if resp := reader.Get("/subscribe/smart-essential"); resp.Status != http.StatusGone || !strings.Contains(resp.Body, "Smart Essential is no longer offered") {
			t.Errorf("the retired plan's checkout page: status %d, want 410", resp.Status)
		}
		resp := coSubscribe(t, reader, "smart-essential", key, billing.CardSucceeds)
		if resp.Status != http.StatusGone {
			t.Errorf("a checkout of the retired plan: status %d, want 410", resp.Status)
		}
		readerID := accountID(t, site, "registered reader")
		if sub, err := site.App.Billing.Current(ctx, readerID); err != nil || sub != nil {
			t.Errorf("the reader subscribed to a retired plan: %+v %v", sub, err)
		}
		if n, err := site.App.Store.CountSucceededPayments(ctx, readerID); err != nil || n != 0 {
			t.Errorf("the reader was charged %d times (%v)", n, err)
		}

		// The subscriber's renewal falls due: it is charged at the plan's
		// price when its notice went out, and the subscription goes on.
		subscriberID := accountID(t, site, "subscriber")
		sub, err := site.App.Billing.Current(ctx, subscriberID)
		if err != nil || sub == nil {
			t.Fatalf("the subscriber's subscription: %v %v", sub, err)
		}
		site.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead - billing.DefaultSchedule.Notice))
		site.RunJobs()
		site.Clock.Set(sub.PaidUntil.Add(-billing.RenewalLead).Add(time.Minute))
		site.RunJobs()
		renewed, err := site.App.Billing.Current(ctx, subscriberID)
		if err != nil || renewed == nil || renewed.TermsPaid != 2 || !renewed.PaidUntil.After(sub.PaidUntil) || renewed.PlanID != essential.ID {
			t.Fatalf("after the renewal fell due: %+v %v", renewed, err)
		}
		terms, err := site.App.Store.Terms(ctx, sub.ID)
		if err != nil || len(terms) != 2 {
			t.Fatalf("terms %v, %v", terms, err)
		}
		if terms[0].Amount != 270000 || terms[1].Amount != 300000 || terms[1].PlanID != essential.ID {
			t.Errorf("terms paid %s then %s, want ₹2,700 then the new price ₹3,000", terms[0].Amount, terms[1].Amount)
		}
		wantEnd := billing.AddMonths(sub.AnchorAt, 24, site.App.Settings.Get().Location)
		if !renewed.PaidUntil.Equal(wantEnd) {
			t.Errorf("renewed until %s, want two years from the start, %s", renewed.PaidUntil, wantEnd)
		}
	})
}

// A reader pays the price they were shown: if an admin reprices the plan
// while the checkout is open, the form is refused, nothing is charged, and
// the page shows the new price to pay.
func TestCheckoutIsAtThePriceShown(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		admin, reader := site.NewBrowser(), site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		logIn(t, reader, demoAccount(t, "registered reader"), "/")
		quarterly := allPlans(t, site)["smart-quarterly"]
		page := reader.Get("/subscribe/smart-quarterly")
		if !strings.Contains(page.Body, `name="plan_price" value="90000"`) {
			t.Fatal("the checkout form does not carry the price shown")
		}
		f := planForm(quarterly)
		f.Set("price", "1,000")
		if resp := admin.Post(planPath(quarterly), f); resp.Status != http.StatusOK {
			t.Fatalf("reprice: status %d", resp.Status)
		}
		form := url.Values{"checkout_key": {coCheckoutKey(t, page.Body)}}
		form.Set("plan_price", "90000")
		form.Set("plan_term", "3")
		resp := reader.Post("/subscribe/smart-quarterly", form)
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "changed since you opened this page, and nothing was charged") ||
			!strings.Contains(resp.Body, "Continue to payment: ₹1,000") {
			t.Fatalf("checkout at the old price: status %d, want 409 showing the new price", resp.Status)
		}
		readerID := accountID(t, site, "registered reader")
		if n, err := site.App.Store.CountSucceededPayments(ctx, readerID); err != nil || n != 0 {
			t.Fatalf("charged %d times (%v) at a price not shown", n, err)
		}
		again := url.Values{"checkout_key": {coCheckoutKey(t, resp.Body)}}
		again.Set("plan_price", "100000")
		again.Set("plan_term", "3")
		pay := reader.Post("/subscribe/smart-quarterly", again)
		if resp := reader.Post(pay.RequestURI, coCardForm(billing.CardSucceeds)); resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("checkout at the price shown: status %d at %s", resp.Status, resp.URL)
		}
		sub, err := site.App.Billing.Current(ctx, readerID)
		if err != nil || sub == nil {
			t.Fatalf("no subscription: %v", err)
		}
		if terms, err := site.App.Store.Terms(ctx, sub.ID); err != nil || len(terms) != 1 || terms[0].Amount != 100000 {
			t.Errorf("paid %v (%v), want ₹1,000", terms, err)
		}
	})
}

func accountID(t *testing.T, site *apptest.Site, role string) int64 {
	t.Helper()
	a, err := site.App.Store.AccountByEmail(context.Background(), demoAccount(t, role).Email)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

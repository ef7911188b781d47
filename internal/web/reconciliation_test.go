package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
)

// The differences the hourly reconciliation finds with the payment
// provider (here a charge under a key we never made and one of another
// amount) are listed once for admins at /admin/reconciliation, however
// often it runs; an admin marks one resolved and it goes. Nobody else
// reads or resolves them.
func TestAdminsReadAndResolveReconciliationReports(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		svc := site.App.Billing
		card, err := (&billing.TestGateway{Now: site.Clock.Now}).SaveCard(ctx, billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: "2035", CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		stray := "checkout:999999:stray"
		if _, err := svc.Gateway.Charge(ctx, billing.Charge{IdempotencyKey: stray, Token: card.Token, Amount: 49900}); err != nil {
			t.Fatal(err)
		}
		payer, err := site.App.Accounts.Register(ctx, "payer@example.com", "payer-password-1", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.StartCheckout(ctx, billing.CheckoutStart{AccountID: payer.ID, PlanCode: "smart-quarterly", FormKey: "form-1"}); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("checkout:%d:form-1", payer.ID)
		if _, err := svc.Gateway.Charge(ctx, billing.Charge{IdempotencyKey: key, Token: card.Token, Amount: 90100}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CompleteCheckout(ctx, key); err != nil {
			t.Fatal(err)
		}
		site.RunJobs()
		site.RunJobs()
		reports, err := svc.OpenReports(ctx)
		if err != nil || len(reports) != 2 {
			t.Fatalf("open reports %+v (%v), want two", reports, err)
		}

		path := "/admin/reconciliation"
		resolve := fmt.Sprintf("%s/%d/resolve", path, reports[0].ID)
		if resp := coNoRedirect(t, site, http.MethodGet, path); resp.StatusCode != http.StatusSeeOther ||
			resp.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("anonymous GET %s: status %d to %q, want 303 to sign in", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, who := range []string{"registered reader", "subscriber", "editor"} {
			b := site.NewBrowser()
			logIn(t, b, demoAccount(t, who), "/")
			if resp := b.Get(path); resp.Status != http.StatusForbidden || strings.Contains(resp.Body, stray) {
				t.Errorf("%s GET %s: status %d, want 403", who, path, resp.Status)
			}
			if resp := b.Post(resolve, nil); resp.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: status %d, want 403", who, resolve, resp.Status)
			}
		}
		if after, _ := svc.OpenReports(ctx); len(after) != 2 {
			t.Fatalf("refused forms resolved reports: %d open, want 2", len(after))
		}

		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		if body := admin.Get("/admin").Body; !strings.Contains(body, `href="/admin/reconciliation"`) {
			t.Error("the console does not lead to the reconciliation reports")
		}
		page := admin.Get(path)
		if page.Status != http.StatusOK {
			t.Fatalf("admin GET %s: status %d", path, page.Status)
		}
		body := html.UnescapeString(page.Body)
		for _, want := range []string{stray, key, "Money taken for no payment of ours", "Amount differs",
			"The test gateway took ₹901; our payment is for ₹900."} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		if n := strings.Count(body, `action="/admin/reconciliation/`); n != 2 {
			t.Errorf("%d reports listed, want 2", n)
		}

		done := admin.Post(resolve, nil)
		if done.Status != http.StatusOK || done.RequestURI != path || !strings.Contains(done.Body, "The report is marked resolved.") {
			t.Errorf("resolving: status %d at %s", done.Status, done.RequestURI)
		}
		if n := strings.Count(done.Body, `action="/admin/reconciliation/`); n != 1 || strings.Contains(done.Body, `id="report-`+fmt.Sprint(reports[0].ID)+`"`) {
			t.Errorf("after resolving one, %d listed, the resolved one among them", n)
		}
		site.RunJobs()
		if after, _ := svc.OpenReports(ctx); len(after) != 1 {
			t.Errorf("%d open reports after the next run, want 1: a resolved report is not filed again", len(after))
		}
		for _, bad := range []string{path + "/987654/resolve", path + "/x/resolve"} {
			if resp := admin.Post(bad, nil); resp.Status != http.StatusNotFound {
				t.Errorf("POST %s: status %d, want 404", bad, resp.Status)
			}
		}
	})
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/audit"
)

// An admin gives a reader a month of Smart Essential: the reader reads
// premium stories, their account says it is complimentary and when it
// ends, no payment or invoice is made, it cannot be made to renew, and it
// ends on its date. A reader with a subscription gets no second one, and
// the audit log says who gave it and why.
func TestComplimentarySubscription(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		registered := demoAccount(t, "registered")
		readerID := acctID(t, site, registered.Email)
		reader := site.NewBrowser()
		logIn(t, reader, registered, "/")
		if premiumGranted(t, site, reader) {
			t.Fatal("a reader without a subscription reads a premium story")
		}
		plan, err := site.App.Store.PlanByCode(ctx, "smart-essential")
		if err != nil {
			t.Fatal(err)
		}
		page := admin.Get("/admin/payments?email=" + url.QueryEscape(registered.Email))
		if !strings.Contains(page.Body, `id="gift-form"`) || !strings.Contains(page.Body, "No subscription.") {
			t.Fatalf("the payments page offers no gift:\n%s", page.Body)
		}
		gift := func(email, months, reason string) apptest.Response {
			return admin.Post("/admin/complimentary", url.Values{"email": {email}, "plan": {strconv.FormatInt(plan.ID, 10)},
				"months": {months}, "reason": {reason}})
		}
		for _, c := range []struct {
			months, reason string
			status         int
			says           string
		}{
			{"0", "Press pass", http.StatusUnprocessableEntity, "from 1 to 60"},
			{"61", "Press pass", http.StatusUnprocessableEntity, "from 1 to 60"},
			{"1", "", http.StatusUnprocessableEntity, "Give the reason"},
		} {
			if resp := gift(registered.Email, c.months, c.reason); resp.Status != c.status || !strings.Contains(resp.Body, c.says) {
				t.Errorf("%s months for %q: status %d, want %d saying %q", c.months, c.reason, resp.Status, c.status, c.says)
			}
		}
		if resp := gift("nobody@example.com", "1", "Press pass"); resp.Status != http.StatusNotFound {
			t.Errorf("a gift to no account: status %d", resp.Status)
		}

		resp := gift(registered.Email, "1", "Press pass for the election desk")
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Complimentary subscription given, until 15 December 2026.") ||
			!strings.Contains(resp.Body, "Smart Essential, complimentary, active until 15 December 2026, not renewing") {
			t.Fatalf("the gift: status %d:\n%s", resp.Status, resp.Body)
		}
		if !premiumGranted(t, site, reader) {
			t.Error("a complimentary subscription does not open a premium story")
		}
		account := reader.Get("/account")
		for _, want := range []string{"Active, complimentary", "Complimentary until 15 December 2026",
			"A complimentary subscription does not renew: access ends on 15 December 2026", `id="no-payments"`} {
			if !strings.Contains(account.Body, want) {
				t.Errorf("the account page lacks %q", want)
			}
		}
		if strings.Contains(account.Body, `id="resume-button"`) || strings.Contains(account.Body, `id="cancel-button"`) {
			t.Error("the account page offers to cancel or resume a complimentary subscription")
		}
		if resp := reader.Post("/account/resume", nil); resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "complimentary") {
			t.Errorf("resuming a complimentary subscription: status %d", resp.Status)
		}
		sub, err := site.App.Billing.Current(ctx, readerID)
		if err != nil || sub == nil || !sub.Complimentary || sub.AutoRenew || sub.PaymentMethodID != 0 {
			t.Fatalf("subscription %+v (%v)", sub, err)
		}
		terms, err := site.App.Store.Terms(ctx, sub.ID)
		if err != nil || len(terms) != 1 || terms[0].Amount != 0 || terms[0].PaymentID != 0 {
			t.Errorf("terms %+v (%v), want one of ₹0 paid by no payment", terms, err)
		}
		if history, err := site.App.Billing.PaymentHistory(ctx, readerID); err != nil || len(history) != 0 {
			t.Errorf("payments %v (%v), want none", history, err)
		}

		// No second subscription, for this reader or a paying one.
		if resp := gift(registered.Email, "3", "Again"); resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "already has a subscription") {
			t.Errorf("a second gift: status %d", resp.Status)
		}
		if resp := gift(demoAccount(t, "subscriber").Email, "3", "On top"); resp.Status != http.StatusConflict {
			t.Errorf("a gift to a subscriber: status %d", resp.Status)
		}
		if n, err := site.App.Store.CountLiveSubscriptions(ctx, readerID); err != nil || n != 1 {
			t.Errorf("%d live subscriptions (%v), want 1", n, err)
		}

		page2, err := site.App.Audit.Page(ctx, 0)
		if err != nil || len(page2.Entries) != 1 {
			t.Fatalf("audit %+v (%v), want one entry", page2, err)
		}
		e := page2.Entries[0]
		if e.Action != audit.ActionComplimentary || e.Subject != audit.SubjectSubscription || e.SubjectID != sub.ID ||
			e.ActorEmail != demoAccount(t, "admin").Email || e.Reason != "Press pass for the election desk" ||
			!hasDetail(e, "Reader", registered.Email) || !hasDetail(e, "Plan", "Smart Essential") || !hasDetail(e, "Until", "15 December 2026") {
			t.Errorf("audit entry %+v", *e)
		}
		if log := admin.Get("/admin/audit"); !strings.Contains(log.Body, "Complimentary subscription") || !strings.Contains(log.Body, "Press pass for the election desk") {
			t.Errorf("the audit page:\n%s", log.Body)
		}

		// It ends on its date: access at once, the record once the jobs run.
		site.Clock.Set(sub.PaidUntil.Add(time.Minute))
		if premiumGranted(t, site, reader) {
			t.Error("a complimentary subscription still opens premium stories after its date")
		}
		site.RunJobs()
		if n, err := site.App.Store.CountLiveSubscriptions(ctx, readerID); err != nil || n != 0 {
			t.Errorf("%d live subscriptions after the end (%v), want none", n, err)
		}
		if resp := gift(registered.Email, "1", "Another month"); resp.Status != http.StatusOK {
			t.Errorf("a gift once the first ended: status %d", resp.Status)
		}
	})
}

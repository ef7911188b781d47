package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/gst"
	"broadsheet/internal/money"
	"broadsheet/internal/refunds"
)

// rfFormRE finds a refund form on the admins' payments page: the payment
// it refunds and its one-time key.
var rfFormRE = regexp.MustCompile(`<form method="post" action="(/admin/payments/\d+/refund)" class="stacked refund-form">\s*<input type="hidden" name="key" value="([^"]+)">`)

// rfOpen opens the payments page of the reader with the email, as an admin
// does in a new tab, and returns the first refund form's path and key
// ("" when there is none) with the page.
func rfOpen(t *testing.T, admin *apptest.Browser, email string) (path, key string, page apptest.Response) {
	t.Helper()
	page = admin.Get("/admin/payments?email=" + url.QueryEscape(email))
	if page.Status != http.StatusOK {
		t.Fatalf("payments page of %s: status %d", email, page.Status)
	}
	if m := rfFormRE.FindStringSubmatch(page.Body); m != nil {
		return m[1], m[2], page
	}
	return "", "", page
}

func rfForm(key, email, amount, reason, endAccess string) url.Values {
	f := url.Values{"key": {key}, "email": {email}, "amount": {amount}, "reason": {reason}}
	if endAccess != "" {
		f.Set("end_access", endAccess)
	}
	return f
}

// rfState is what a reader's payment has become, from the database and
// the test gateway.
type rfState struct {
	payment  *billing.Payment
	refunds  []*refunds.Refund
	notes    []*billing.Invoice // credit notes, newest first
	invoice  *billing.Invoice
	provider money.Paise // what the test gateway gave back
	asked    int         // how many refunds the test gateway made
	live     int         // the reader's subscriptions that have not ended
	audit    []*audit.Entry
}

func rfStateOf(t *testing.T, site *apptest.Site, accountID int64) rfState {
	t.Helper()
	ctx := context.Background()
	history, err := site.App.Billing.PaymentHistory(ctx, accountID)
	if err != nil || len(history) == 0 {
		t.Fatalf("payments of %d: %v (%v)", accountID, history, err)
	}
	first := history[len(history)-1]
	s := rfState{payment: first.Payment, notes: first.CreditNotes, invoice: first.Invoice}
	if s.refunds, err = site.App.Store.RefundsOf(ctx, accountID); err != nil {
		t.Fatal(err)
	}
	if s.provider, err = site.App.Store.TestRefunded(ctx, s.payment.IdempotencyKey); err != nil {
		t.Fatal(err)
	}
	if s.asked, err = site.App.Store.CountTestRefundsOf(ctx, s.payment.IdempotencyKey); err != nil {
		t.Fatal(err)
	}
	if s.live, err = site.App.Store.CountLiveSubscriptions(ctx, accountID); err != nil {
		t.Fatal(err)
	}
	page, err := site.App.Audit.Page(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.audit = page.Entries
	return s
}

// premiumGranted reports whether the device reads the demo's first
// premium story in full.
func premiumGranted(t *testing.T, site *apptest.Site, b *apptest.Browser) bool {
	t.Helper()
	_, premium := stories(t, site)
	resp := b.Get("/article/" + premium[0].Slug)
	if resp.Status != http.StatusOK {
		t.Fatalf("premium story: status %d", resp.Status)
	}
	return !strings.Contains(resp.Body, `id="paywall"`)
}

// An admin refunds ₹1,000 of the demo subscriber's ₹2,700, then the rest,
// ending their access now: two credit notes that add up to the invoice,
// the provider refunded what Broadsheet recorded, the reader sees both
// refunds and credit notes, and the audit log says who did each and why.
func TestAdminRefundsAPaymentInPartThenInFull(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		if page := admin.Get("/admin"); !strings.Contains(page.Body, `href="/admin/payments"`) || !strings.Contains(page.Body, `href="/admin/audit"`) {
			t.Error("/admin links neither payments nor the audit log")
		}
		subscriber := demoAccount(t, "subscriber")
		reader := site.NewBrowser()
		logIn(t, reader, subscriber, "/")
		readerID := acctID(t, site, subscriber.Email)
		if !premiumGranted(t, site, reader) {
			t.Fatal("the subscriber cannot read a premium story before any refund")
		}

		path, key, page := rfOpen(t, admin, subscriber.Email)
		for _, want := range []string{"INV/2026-27/000001", "Smart Essential (1 Year)", "₹2,700", `name="amount" value="2,700"`,
			`value="now" checked> ends now (the default)`, "lasts to 15 November 2027"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the payments page lacks %q", want)
			}
		}
		if key == "" {
			t.Fatalf("no refund form:\n%s", page.Body)
		}
		resp := admin.Post(path, rfForm(key, subscriber.Email, "1,000", "Delivery complaint, goodwill", "now"))
		if resp.Status != http.StatusOK || resp.URL != "/admin/payments" || !strings.Contains(resp.Body, "Refunded ₹1,000: the credit note is issued") {
			t.Fatalf("partial refund: status %d at %s:\n%s", resp.Status, resp.URL, resp.Body)
		}
		s := rfStateOf(t, site, readerID)
		if len(s.refunds) != 1 || s.refunds[0].Status != refunds.Succeeded || s.refunds[0].EndAccess != refunds.KeepAccess ||
			len(s.notes) != 1 || s.notes[0].Total != 100000 || s.provider != 100000 || s.live != 1 {
			t.Fatalf("after ₹1,000: refunds %+v, notes %d, provider gave back %s, live %d", s.refunds, len(s.notes), s.provider, s.live)
		}
		if !premiumGranted(t, site, reader) {
			t.Error("a refund in part ended the subscriber's access")
		}

		// The rest, from the page as it is now.
		path, key, page = rfOpen(t, admin, subscriber.Email)
		if !strings.Contains(page.Body, `name="amount" value="1,700"`) || !strings.Contains(page.Body, "Refunded ₹1,000.") {
			t.Errorf("the page does not show what is left:\n%s", page.Body)
		}
		resp = admin.Post(path, rfForm(key, subscriber.Email, "1700", "Cancelled in the first month", "now"))
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Refunded ₹1,700") {
			t.Fatalf("refund of the rest: status %d:\n%s", resp.Status, resp.Body)
		}
		s = rfStateOf(t, site, readerID)
		var sum money.Paise
		var tax gst.Breakdown
		for _, n := range s.notes {
			sum += n.Total
			tax = gst.Breakdown{Taxable: tax.Taxable + n.Tax.Taxable, CGST: tax.CGST + n.Tax.CGST, SGST: tax.SGST + n.Tax.SGST, IGST: tax.IGST + n.Tax.IGST}
		}
		if len(s.notes) != 2 || sum != s.invoice.Total || tax != s.invoice.Tax || s.provider != s.invoice.Total || s.asked != 2 {
			t.Errorf("two credit notes of %s (tax %+v) for an invoice of %s (tax %+v); the provider gave back %s in %d refunds",
				sum, tax, s.invoice.Total, s.invoice.Tax, s.provider, s.asked)
		}
		if s.live != 0 || premiumGranted(t, site, reader) {
			t.Errorf("the whole refund chose to end access now, yet %d subscriptions are live", s.live)
		}
		if _, key, _ := rfOpen(t, admin, subscriber.Email); key != "" {
			t.Error("a payment refunded in full still offers a refund form")
		}

		// The reader sees both refunds, with their credit notes.
		account := reader.Get("/account")
		for _, want := range []string{"Refund of ₹1,000 on 15 November 2026", "Refund of ₹1,700 on 15 November 2026",
			"Credit note " + s.notes[0].Number, "Credit note " + s.notes[1].Number, "· Refunded ·"} {
			if !strings.Contains(account.Body, want) {
				t.Errorf("the account page lacks %q", want)
			}
		}
		if text := invPDFText(t, reader, billing.InvoicePath(s.notes[0].ID)); !strings.Contains(text, "CREDIT NOTE") {
			t.Errorf("the credit note's PDF:\n%s", text)
		}

		// The audit log, newest first, says who and why.
		log := admin.Get("/admin/audit")
		if log.Status != http.StatusOK {
			t.Fatalf("audit page: status %d", log.Status)
		}
		later, earlier := strings.Index(log.Body, "Cancelled in the first month"), strings.Index(log.Body, "Delivery complaint, goodwill")
		if later < 0 || earlier < later || strings.Count(log.Body, `class="audit-entry"`) != 2 {
			t.Errorf("the audit page does not list both refunds, newest first:\n%s", log.Body)
		}
		adminID := acctID(t, site, demoAccount(t, "admin").Email)
		if len(s.audit) != 2 {
			t.Fatalf("%d audit entries, want 2", len(s.audit))
		}
		e := s.audit[0]
		if e.Action != audit.ActionRefund || e.ActorID != adminID || e.ActorEmail != demoAccount(t, "admin").Email ||
			e.Subject != audit.SubjectPayment || e.SubjectID != s.payment.ID || e.Reason != "Cancelled in the first month" ||
			!hasDetail(e, "Amount", "₹1,700") || !hasDetail(e, "Access", "ended now") || !hasDetail(e, "Reader", subscriber.Email) ||
			!hasDetail(e, "Credit note", s.notes[0].Number) {
			t.Errorf("audit entry %+v", *e)
		}
	})
}

func hasDetail(e *audit.Entry, name, value string) bool {
	for _, d := range e.Details {
		if d.Name == name && d.Value == value {
			return true
		}
	}
	return false
}

// A whole refund of the current term can leave the reader their access to
// the end of the term, without renewal.
func TestWholeRefundCanKeepAccessToTheEndOfTheTerm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		subscriber := demoAccount(t, "subscriber")
		path, key, _ := rfOpen(t, admin, subscriber.Email)
		if resp := admin.Post(path, rfForm(key, subscriber.Email, "2,700", "Moving abroad; access to the end", "term_end")); resp.Status != http.StatusOK {
			t.Fatalf("whole refund: status %d", resp.Status)
		}
		sub, err := site.App.Billing.Current(context.Background(), acctID(t, site, subscriber.Email))
		if err != nil || sub == nil || sub.AutoRenew || sub.Status != billing.Active {
			t.Fatalf("subscription %+v (%v), want active and not renewing", sub, err)
		}
		reader := site.NewBrowser()
		logIn(t, reader, subscriber, "/")
		if !premiumGranted(t, site, reader) {
			t.Error("access ended though the admin chose the end of the term")
		}
		if e := rfStateOf(t, site, sub.AccountID).audit; len(e) != 1 || !hasDetail(e[0], "Access", "lasts to 15 November 2027, without renewal") {
			t.Errorf("audit %+v", e)
		}
	})
}

// The refund form sent from two tabs at once refunds once; the same form
// sent twice at once refunds once too.
func TestRefundFormsSentAtOnceRefundOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		subscriber := demoAccount(t, "subscriber")
		readerID := acctID(t, site, subscriber.Email)
		send := func(forms ...url.Values) []apptest.Response {
			path, _, _ := rfOpen(t, admin, subscriber.Email)
			out := make([]apptest.Response, len(forms))
			var wg sync.WaitGroup
			for i, f := range forms {
				wg.Go(func() { out[i] = admin.Post(path, f) })
			}
			wg.Wait()
			return out
		}

		// One form, sent twice at once (a double click).
		_, key, _ := rfOpen(t, admin, subscriber.Email)
		form := rfForm(key, subscriber.Email, "1,000", "Double-clicked goodwill", "")
		for _, r := range send(form, form) {
			if r.Status != http.StatusOK || r.URL != "/admin/payments" {
				t.Errorf("the same form twice: status %d at %s", r.Status, r.URL)
			}
		}
		if s := rfStateOf(t, site, readerID); len(s.refunds) != 1 || s.provider != 100000 || s.asked != 1 || len(s.notes) != 1 || len(s.audit) != 1 {
			t.Fatalf("one form sent twice: %d refunds, provider gave back %s in %d, %d notes, %d audit entries",
				len(s.refunds), s.provider, s.asked, len(s.notes), len(s.audit))
		}

		// Two tabs, each refunding all that is left.
		_, first, _ := rfOpen(t, admin, subscriber.Email)
		_, second, _ := rfOpen(t, admin, subscriber.Email)
		if first == second {
			t.Fatal("two tabs got one key")
		}
		done, refused := 0, 0
		for _, r := range send(rfForm(first, subscriber.Email, "1,700", "Tab one", "now"), rfForm(second, subscriber.Email, "1,700", "Tab two", "now")) {
			switch {
			case r.Status == http.StatusOK && strings.Contains(r.Body, "Refunded ₹1,700"):
				done++
			case r.Status == http.StatusConflict && strings.Contains(r.Body, "Nothing was refunded: Nothing is left to refund of this payment"):
				refused++
			default:
				t.Errorf("a tab: status %d:\n%s", r.Status, r.Body)
			}
		}
		s := rfStateOf(t, site, readerID)
		if done != 1 || refused != 1 || len(s.refunds) != 2 || s.provider != 270000 || s.asked != 2 || len(s.notes) != 2 || len(s.audit) != 2 {
			t.Errorf("two tabs: %d done, %d refused; %d refunds, provider gave back %s in %d, %d notes, %d audit entries",
				done, refused, len(s.refunds), s.provider, s.asked, len(s.notes), len(s.audit))
		}
	})
}

// A refund larger than what is left, or a form that does not say how much
// or why, is refused and changes nothing.
func TestRefundOverWhatIsLeftIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		subscriber := demoAccount(t, "subscriber")
		path, key, _ := rfOpen(t, admin, subscriber.Email)
		for _, c := range []struct {
			form   url.Values
			status int
			says   string
		}{
			{rfForm(key, subscriber.Email, "2,700.01", "Too much", ""), http.StatusConflict, "Only ₹2,700 is left to refund of this payment, not ₹2,700.01"},
			{rfForm(key, subscriber.Email, "0", "Nothing", ""), http.StatusUnprocessableEntity, "more than nothing"},
			{rfForm(key, subscriber.Email, "lots", "Garbled", ""), http.StatusUnprocessableEntity, "The amount"},
			{rfForm(key, subscriber.Email, "100", "   ", ""), http.StatusUnprocessableEntity, "Give the reason"},
			{rfForm("forged", subscriber.Email, "100", "No key", ""), http.StatusUnprocessableEntity, "no valid key"},
			{rfForm(key, subscriber.Email, "100", "Odd access", "tomorrow"), http.StatusUnprocessableEntity, "access ends"},
		} {
			resp := admin.Post(path, c.form)
			if resp.Status != c.status || !strings.Contains(resp.Body, c.says) {
				t.Errorf("amount %q, reason %q: status %d, want %d saying %q", c.form.Get("amount"), c.form.Get("reason"), resp.Status, c.status, c.says)
			}
		}
		// A refund of someone else's payment through this reader's form,
		// or of no payment, finds nothing to refund.
		if resp := admin.Post("/admin/payments/999999/refund", rfForm(key, subscriber.Email, "100", "Nobody's", "")); resp.Status != http.StatusNotFound {
			t.Errorf("a payment that does not exist: status %d", resp.Status)
		}
		s := rfStateOf(t, site, acctID(t, site, subscriber.Email))
		if len(s.refunds) != 0 || len(s.notes) != 0 || s.provider != 0 || len(s.audit) != 0 || s.live != 1 {
			t.Errorf("refused forms changed something: %d refunds, %d notes, provider gave back %s, %d audit entries, %d live",
				len(s.refunds), len(s.notes), s.provider, len(s.audit), s.live)
		}
		// The refused key still works: nothing was recorded under it.
		if resp := admin.Post(path, rfForm(key, subscriber.Email, "2,700", "All of it", "now")); resp.Status != http.StatusOK {
			t.Errorf("the form after refusals: status %d", resp.Status)
		}
	})
}

// Readers and editors cannot refund or give subscriptions, nor see the
// payments page or the audit log; nothing changes.
func TestOnlyAdminsRefundOrGive(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		subscriber := demoAccount(t, "subscriber")
		path, key, _ := rfOpen(t, admin, subscriber.Email)
		registered := demoAccount(t, "registered")
		plan, err := site.App.Store.PlanByCode(context.Background(), "smart-essential")
		if err != nil {
			t.Fatal(err)
		}
		gift := url.Values{"email": {registered.Email}, "plan": {strconv.FormatInt(plan.ID, 10)}, "months": {"12"}, "reason": {"A friend"}}
		for _, role := range []string{"subscriber", "registered", "editor"} {
			b := site.NewBrowser()
			logIn(t, b, demoAccount(t, role), "/")
			if resp := b.Post(path, rfForm(key, subscriber.Email, "2,700", "Refund myself", "now")); resp.Status != http.StatusForbidden {
				t.Errorf("%s posting the refund form: status %d", role, resp.Status)
			}
			if resp := b.Post("/admin/complimentary", gift); resp.Status != http.StatusForbidden {
				t.Errorf("%s posting the gift form: status %d", role, resp.Status)
			}
			for _, page := range []string{"/admin/payments?email=" + url.QueryEscape(subscriber.Email), "/admin/audit"} {
				if resp := b.Get(page); resp.Status != http.StatusForbidden || strings.Contains(resp.Body, "INV/2026-27/000001") {
					t.Errorf("%s opening %s: status %d", role, page, resp.Status)
				}
			}
		}
		if resp := coNoRedirect(t, site, http.MethodGet, "/admin/audit"); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("a visitor opening the audit log: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		s := rfStateOf(t, site, acctID(t, site, subscriber.Email))
		live, err := site.App.Store.CountLiveSubscriptions(context.Background(), acctID(t, site, registered.Email))
		if len(s.refunds) != 0 || s.provider != 0 || len(s.notes) != 0 || len(s.audit) != 0 || s.live != 1 || err != nil || live != 0 {
			t.Errorf("forbidden forms changed something: %d refunds, provider gave back %s, %d notes, %d audit entries; reader has %d live (%v)",
				len(s.refunds), s.provider, len(s.notes), len(s.audit), live, err)
		}
	})
}

// diesAfterRefund is a provider whose first refund goes through but whose
// answer never reaches the database: the process dies in between.
type diesAfterRefund struct {
	billing.Gateway
	died atomic.Bool
}

func (g *diesAfterRefund) Refund(ctx context.Context, r billing.RefundRequest) (string, error) {
	ref, err := g.Gateway.Refund(ctx, r)
	if err == nil && g.died.CompareAndSwap(false, true) {
		return "", errors.New("the process died before it recorded the refund")
	}
	return ref, err
}

// A refund the provider made but whose process died before recording it
// stays pending, takes its amount from what is left, and is finished by
// recovery, which asks the provider again under the same key: one refund
// at the provider, one credit note, one audit entry.
func TestRefundWhoseProcessDiedIsFinishedByRecovery(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		gateway := &diesAfterRefund{Gateway: site.App.Refunds.Gateway}
		site.App.Refunds.Gateway = gateway
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		subscriber := demoAccount(t, "subscriber")
		readerID := acctID(t, site, subscriber.Email)
		path, key, _ := rfOpen(t, admin, subscriber.Email)
		resp := admin.Post(path, rfForm(key, subscriber.Email, "2,700", "Charged in error", "now"))
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "has not confirmed it yet") || !gateway.died.Load() {
			t.Fatalf("refund whose answer was lost: status %d:\n%s", resp.Status, resp.Body)
		}
		s := rfStateOf(t, site, readerID)
		if len(s.refunds) != 1 || s.refunds[0].Status != refunds.Pending || s.provider != 270000 || len(s.notes) != 0 || len(s.audit) != 0 || s.live != 1 {
			t.Fatalf("after the crash: refunds %+v, provider gave back %s, %d notes, %d audit entries, %d live",
				s.refunds, s.provider, len(s.notes), len(s.audit), s.live)
		}
		if _, key, _ := rfOpen(t, admin, subscriber.Email); key != "" {
			t.Error("a payment whose whole refund is pending still offers a refund form")
		}
		// Not while the request may still be waiting for the provider.
		site.RunJobs()
		if s := rfStateOf(t, site, readerID); s.refunds[0].Status != refunds.Pending {
			t.Fatal("recovery took a refund that was only just asked for")
		}
		site.Clock.Advance(refunds.RecoverAfter + time.Minute)
		site.RunJobs()
		s = rfStateOf(t, site, readerID)
		if len(s.refunds) != 1 || s.refunds[0].Status != refunds.Succeeded || s.asked != 1 || s.provider != 270000 ||
			len(s.notes) != 1 || s.notes[0].RefundRef != s.refunds[0].GatewayRef || len(s.audit) != 1 || s.live != 0 {
			t.Fatalf("after recovery: refunds %+v, provider refunded %s in %d, %d notes, %d audit entries, %d live",
				s.refunds, s.provider, s.asked, len(s.notes), len(s.audit), s.live)
		}
		if e := s.audit[0]; e.Reason != "Charged in error" || e.ActorEmail != demoAccount(t, "admin").Email {
			t.Errorf("audit entry %+v", *e)
		}
		if page := admin.Get("/admin/payments?email=" + url.QueryEscape(subscriber.Email) + "&refund=" + url.QueryEscape(key)); !strings.Contains(page.Body, "Refunded ₹2,700") {
			t.Errorf("the payments page after recovery:\n%s", page.Body)
		}
	})
}

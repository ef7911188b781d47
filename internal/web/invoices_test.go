package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/invoicepdf/pdftest"
	"broadsheet/internal/settings"
)

var invLinkRE = regexp.MustCompile(`<a class="invoice-link" href="(/account/invoices/\d+\.pdf)" download>Tax invoice ([^ ]+) \(PDF\)</a>`)

// invLinks lists the tax invoices an account page links, number to path.
func invLinks(t *testing.T, b *apptest.Browser) map[string]string {
	t.Helper()
	page := b.Get("/account")
	if page.Status != http.StatusOK || page.URL != "/account" {
		t.Fatalf("account page: status %d at %s", page.Status, page.URL)
	}
	out := map[string]string{}
	for _, m := range invLinkRE.FindAllStringSubmatch(page.Body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// invPDFText downloads an invoice and returns its text, blanks squeezed.
func invPDFText(t *testing.T, b *apptest.Browser, path string) string {
	t.Helper()
	resp := b.Get(path)
	if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("GET %s: status %d, type %q, disposition %q, cache %q", path, resp.Status, resp.Header.Get("Content-Type"),
			resp.Header.Get("Content-Disposition"), resp.Header.Get("Cache-Control"))
	}
	return regexp.MustCompile(`[ \t]+`).ReplaceAllString(pdftest.Text(t, []byte(resp.Body)), " ")
}

var invTaxProfile = url.Values{
	settings.KeyTaxLegalName: {"Broadsheet Media Private Limited"},
	settings.KeyTaxAddress:   {"1 Marine Drive\r\nMumbai 400020"},
	settings.KeyTaxState:     {"27"},
	settings.KeyTaxGSTIN:     {"27AAPFU0939F1ZV"},
	settings.KeyTaxSAC:       {"998431"},
	settings.KeyTaxRate:      {"18"},
}

// An admin sets the publisher's tax profile at /admin; a GSTIN that does
// not check out is refused and changes nothing.
func TestAdminSetsTheTaxProfile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		page := admin.Get("/admin")
		for _, want := range []string{`name="tax_legal_name"`, `name="tax_gstin"`, `<select id="tax_state" name="tax_state">`,
			`<option value="27">Maharashtra (27)</option>`, `name="tax_sac" value="998431"`, `name="tax_rate" value="18"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("/admin lacks %q", want)
			}
		}
		bad := url.Values{}
		for k, v := range invTaxProfile {
			bad[k] = v
		}
		bad.Set(settings.KeyTaxGSTIN, "27AAPFU0939F1ZW")
		resp := admin.Post("/admin/settings", bad)
		if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "check character") {
			t.Errorf("a GSTIN with a wrong check character: status %d", resp.Status)
		}
		bad.Set(settings.KeyTaxGSTIN, "27AAPFU0939F1ZV")
		bad.Set(settings.KeyTaxState, "29")
		resp = admin.Post("/admin/settings", bad)
		if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "registered in Maharashtra") {
			t.Errorf("a GSTIN of another state: status %d", resp.Status)
		}
		if tax := site.App.Settings.Get().Tax; tax.GSTIN != "" || tax.State != "" || tax.LegalName == "Broadsheet Media Private Limited" {
			t.Fatalf("refused forms changed the profile: %+v", tax)
		}
		// A reader cannot set it.
		reader := site.NewBrowser()
		logIn(t, reader, demoAccount(t, "registered"), "/")
		if resp := reader.Post("/admin/settings", invTaxProfile); resp.Status != http.StatusForbidden && resp.Status != http.StatusNotFound {
			t.Errorf("a reader's settings form: status %d", resp.Status)
		}
		if tax := site.App.Settings.Get().Tax; tax.GSTIN != "" {
			t.Fatalf("a reader changed the profile: %+v", tax)
		}

		resp = admin.Post("/admin/settings", invTaxProfile)
		if resp.Status != http.StatusOK || resp.URL != "/admin" {
			t.Fatalf("saving the profile: status %d at %s", resp.Status, resp.URL)
		}
		tax := site.App.Settings.Get().Tax
		if tax.LegalName != "Broadsheet Media Private Limited" || tax.Address != "1 Marine Drive\nMumbai 400020" ||
			tax.GSTIN != "27AAPFU0939F1ZV" || tax.State != "27" || tax.RatePercent != 18 {
			t.Errorf("profile %+v", tax)
		}
		if !strings.Contains(resp.Body, `<option value="27" selected>Maharashtra (27)</option>`) {
			t.Error("the form does not show the chosen state")
		}
	})
}

// A reader gives billing details at /account, pays, and finds the payment
// with its tax invoice, which downloads as a PDF saying what was charged;
// no one else can download it, and a visitor is sent to sign in.
func TestAccountListsPaymentsAndInvoices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/admin")
		if resp := admin.Post("/admin/settings", invTaxProfile); resp.URL != "/admin" {
			t.Fatalf("saving the profile: status %d at %s", resp.Status, resp.URL)
		}
		account := demoAccount(t, "registered")
		reader := site.NewBrowser()
		logIn(t, reader, account, "/account")
		page := reader.Get("/account")
		for _, want := range []string{`id="no-payments"`, `action="/account/billing"`, `<option value="29">Karnataka</option>`, `name="gstin"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}

		// A GSTIN of another state is refused, the form kept as typed.
		resp := reader.Post("/account/billing", url.Values{"name": {"Bengaluru Analytics LLP"}, "state": {"27"}, "gstin": {"29AAGCB7383J1Z4"}})
		if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `id="billing-error"`) ||
			!strings.Contains(resp.Body, "registered in Karnataka, not Maharashtra") || !strings.Contains(resp.Body, `value="Bengaluru Analytics LLP"`) {
			t.Errorf("billing details refused: status %d", resp.Status)
		}
		acct, err := site.App.Store.AccountByEmail(ctx, account.Email)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := site.App.Billing.BillingDetails(ctx, acct.ID); err != nil || d != (billing.BillingDetails{}) {
			t.Fatalf("refused details were stored: %+v (%v)", d, err)
		}
		resp = reader.Post("/account/billing", url.Values{"name": {"Bengaluru Analytics LLP"}, "state": {""}, "gstin": {"29aagcb7383j1z4"}})
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, "Billing details saved.") ||
			!strings.Contains(resp.Body, `<option value="29" selected>Karnataka</option>`) || !strings.Contains(resp.Body, `value="29AAGCB7383J1Z4"`) {
			t.Fatalf("billing details saved: status %d at %s", resp.Status, resp.URL)
		}

		// A declined card is listed, with no invoice; the card that
		// goes through gets one.
		card := billing.Card{Number: billing.CardDeclinesLater, ExpMonth: "12", ExpYear: "2030", CVC: "123"}
		if _, err := site.App.Billing.Checkout(ctx, acct.ID, "smart-quarterly", card, "declined"); err == nil {
			t.Fatal("a declined card subscribed")
		}
		card.Number = billing.CardSucceeds
		if _, err := site.App.Billing.Checkout(ctx, acct.ID, "smart-quarterly", card, "invoice-test"); err != nil {
			t.Fatal(err)
		}
		page = reader.Get("/account")
		paid := strings.Index(page.Body, "<strong>Smart Quarterly (3 Months)</strong> · ₹900 · Paid · 15 November 2026")
		declined := strings.Index(page.Body, "<strong>Subscription</strong> · ₹900 · Not charged · 15 November 2026")
		if paid < 0 || declined < paid || strings.Contains(page.Body, `id="no-payments"`) {
			t.Errorf("the payments are not listed, newest first:\n%s", page.Body)
		}
		// The demo subscriber's checkout took the first number.
		links := invLinks(t, reader)
		path, ok := links["INV/2026-27/000002"]
		if len(links) != 1 || !ok {
			t.Fatalf("invoice links %v, want INV/2026-27/000002 alone", links)
		}
		text := invPDFText(t, reader, path)
		for _, want := range []string{"TAX INVOICE", "Tax invoice number: INV/2026-27/000002", "Broadsheet Media Private Limited",
			"GSTIN: 27AAPFU0939F1ZV", "Bengaluru Analytics LLP", "GSTIN: 29AAGCB7383J1Z4", "Place of supply: Karnataka (29)",
			"Smart Quarterly subscription (3 Months)", "SAC 998431", "Taxable value Rs. 762.71", "IGST at 18% Rs. 137.29",
			"Total (GST included) Rs. 900.00"} {
			if !strings.Contains(text, want) {
				t.Errorf("the invoice lacks %q:\n%s", want, text)
			}
		}

		// Another reader gets nothing, not even that it exists.
		subscriber := site.NewBrowser()
		logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
		if resp := subscriber.Get(path); resp.Status != http.StatusNotFound || strings.HasPrefix(resp.Body, "%PDF") {
			t.Errorf("another reader's invoice: status %d", resp.Status)
		}
		own := invLinks(t, subscriber)
		if len(own) != 1 || own["INV/2026-27/000001"] == "" {
			t.Fatalf("the subscriber's invoice links: %v", own)
		}
		if text := invPDFText(t, subscriber, own["INV/2026-27/000001"]); !strings.Contains(text, "INV/2026-27/000001") {
			t.Errorf("the subscriber's own invoice:\n%s", text)
		}
		if resp := reader.Get(own["INV/2026-27/000001"]); resp.Status != http.StatusNotFound {
			t.Errorf("the subscriber's invoice fetched by the reader: status %d", resp.Status)
		}
		// A visitor is sent to sign in, and back to the invoice after.
		visitor := coNoRedirect(t, site, http.MethodGet, path)
		if loc := visitor.Header.Get("Location"); visitor.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(path) {
			t.Errorf("a visitor: status %d to %q", visitor.StatusCode, loc)
		}
		for _, bad := range []string{"/account/invoices/abc.pdf", strings.TrimSuffix(path, ".pdf"), "/account/invoices/999999.pdf",
			"/account/invoices/0.pdf", "/account/invoices/-2.pdf", "/account/invoices/+2.pdf", path + ".pdf"} {
			if resp := reader.Get(bad); resp.Status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", bad, resp.Status)
			}
		}

		// A later change of profile rewrites no invoice.
		changed := url.Values{settings.KeyTaxLegalName: {"Someone Else Limited"}}
		if resp := admin.Post("/admin/settings", changed); resp.URL != "/admin" {
			t.Fatalf("changing the legal name: status %d", resp.Status)
		}
		if text := invPDFText(t, reader, path); !strings.Contains(text, "Broadsheet Media Private Limited") || strings.Contains(text, "Someone Else") {
			t.Errorf("the invoice changed with the settings:\n%s", text)
		}
	})
}

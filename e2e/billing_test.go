package e2e_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/invoicepdf/pdftest"
	"broadsheet/internal/settings"
)

// billingTaxProfile is the publisher's tax profile the billing journey's
// invoice is issued under: registered in Maharashtra, so a reader who
// gives no state pays CGST and SGST.
var billingTaxProfile = map[string]string{
	settings.KeyTaxLegalName: "Broadsheet Media Private Limited",
	settings.KeyTaxAddress:   "1 Marine Drive\nMumbai 400020",
	settings.KeyTaxState:     "27",
	settings.KeyTaxGSTIN:     "27AAPFU0939F1ZV",
	settings.KeyTaxSAC:       "998431",
	settings.KeyTaxRate:      "18",
}

// TestBillingJourney follows a new reader's money through the product in
// a real browser: from a premium story's paywall to the plans, an account
// made on the way, Smart Essential paid on the test gateway's page, and
// back to the story, whole, with a welcome. The account page lists the
// payment and its tax invoice; the invoice downloads through its link as
// a PDF whose text names the publisher, its GSTIN, the amount and the
// CGST and SGST. Auto-renewal is cancelled (access kept to the paid-until
// date) and resumed; a switch to the quarterly plan at the next renewal is
// chosen and taken back, and a switch to the two-year plan is paid now for
// the amount the page names; the database agrees with the page each time.
func TestBillingJourney(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
		ctx := context.Background()
		if err := site.App.Settings.Update(ctx, billingTaxProfile); err != nil {
			t.Fatal(err)
		}
		cfg := site.App.Settings.Get()
		const (
			email    = "new.subscriber@example.com"
			password = "a long enough password"
		)

		// A premium story, opened from the front page by a visitor.
		b.navigate("/")
		b.waitVisible(".latest")
		var links []string
		if err := b.eval(`Array.from(document.querySelectorAll('.latest a[href^="/article/"]')).map(a => a.getAttribute('href'))`, &links); err != nil {
			t.Fatal(err)
		}
		var story *content.Article
		for _, href := range links {
			a, err := site.App.Store.ArticleBySlug(ctx, strings.TrimPrefix(href, "/article/"), site.Clock.Now())
			if err != nil {
				t.Fatalf("front page links to %s: %v", href, err)
			}
			if a.Premium() && len(a.Paragraphs()) > cfg.LeadParagraphs {
				story = a
				break
			}
		}
		if story == nil {
			t.Fatalf("the front page links to no premium story with more than a lead (links: %v)", links)
		}
		storyURL := site.URL + "/article/" + story.Slug
		b.clickAndLoad(`.latest a[href="/article/` + story.Slug + `"]`)
		b.waitVisible("#paywall")

		// From the paywall's button to the plans, and a plan chosen: the
		// checkout asks for an account, made from the sign-in page.
		b.clickAndLoad("#paywall-subscribe")
		b.waitVisible(".plans")
		if got := b.location(); got != site.URL+"/subscribe?next=/article/"+story.Slug {
			t.Errorf("the paywall's button opened %s", got)
		}
		plan := b.text("#plan-smart-essential")
		for _, want := range []string{"Smart Essential", "₹2,700", "1 Year"} {
			if !strings.Contains(plan, want) {
				t.Errorf("Smart Essential reads %q, lacking %q", plan, want)
			}
		}
		b.clickAndLoad(`#plan-smart-essential a.button`)
		b.waitVisible("#login-email")
		b.clickAndLoad("#register-link")
		b.waitVisible("#register-form")
		b.typeInto("#register-email", email)
		b.typeInto("#register-password", password)
		b.clickAndLoad(`#register-form button[type="submit"]`)
		b.waitVisible("#checkout-form")
		if u, err := url.Parse(b.location()); err != nil || u.Path != "/subscribe/smart-essential" || u.Query().Get("next") != "/article/"+story.Slug {
			t.Errorf("after signing up, landed on %s, want Smart Essential's checkout for the story", u)
		}
		if got := b.text("#nav-email"); got != email {
			t.Errorf("signed in as %q, want %q", got, email)
		}
		if got := b.text("#checkout-continue"); got != "Continue to payment: ₹2,700" {
			t.Errorf("the checkout button reads %q", got)
		}

		// The test gateway's hosted page, the card typed in its form.
		b.clickAndLoad("#checkout-continue")
		b.waitVisible("#testpay-form")
		if got := b.location(); !strings.HasPrefix(got, site.URL+"/pay/test/") {
			t.Fatalf("continuing to payment opened %s, want the test gateway's page", got)
		}
		if got := b.text("#plan-summary"); !strings.Contains(got, "Smart Essential") || !strings.Contains(got, "₹2,700") {
			t.Errorf("the gateway's page offers %q", got)
		}
		b.typeInto("#card_number", "4242 4242 4242 4242")
		b.typeInto("#exp_month", "12")
		b.typeInto("#exp_year", strconv.Itoa(site.Clock.Now().Year()+3))
		b.typeInto("#cvc", "123")
		b.clickAndLoad(`#testpay-form button[type="submit"]`)

		// Back on the story: all of it, with the welcome.
		b.waitVisible(".story-body")
		if got := b.location(); got != storyURL {
			t.Fatalf("after paying, landed on %s, want the story %s", got, storyURL)
		}
		if got := b.text(".notice"); got != "Welcome! Your subscription is active. Your account page lists what it includes." {
			t.Errorf("after paying, the notice reads %q", got)
		}
		if n := b.count("#paywall"); n != 0 {
			t.Error("the new subscriber still sees the paywall")
		}
		text := b.pageText()
		for j, p := range story.Paragraphs() {
			if !strings.Contains(text, p) {
				t.Errorf("the paid-for story: paragraph %d is missing", j+1)
			}
		}
		acct, err := site.App.Store.AccountByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := site.App.Billing.Current(ctx, acct.ID)
		if err != nil || sub == nil {
			t.Fatalf("paid, but the new reader has no subscription (%v)", err)
		}
		if p, err := site.App.Billing.PlanOf(ctx, sub); err != nil || p.Code != "smart-essential" {
			t.Errorf("subscribed to %+v (%v), want Smart Essential", p, err)
		}
		if sub.Status != billing.Active || !sub.AutoRenew {
			t.Errorf("the new subscription is %s, auto-renewal %v; want active and renewing", sub.Status, sub.AutoRenew)
		}
		if days := sub.PaidUntil.Sub(site.Clock.Now()).Hours() / 24; days < 360 || days > 370 {
			t.Errorf("Smart Essential paid for %.0f days, want a year", days)
		}
		paidUntil := sub.PaidUntil.In(cfg.Location).Format("2 January 2006")
		today := site.Clock.Now().In(cfg.Location).Format("2 January 2006")
		history, err := site.App.Billing.PaymentHistory(ctx, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(history) != 1 || history[0].Invoice == nil {
			t.Fatalf("payments after one checkout: %+v, want one, invoiced", history)
		}
		payment, inv := history[0].Payment, history[0].Invoice
		if payment.Status != billing.PaymentSucceeded || payment.Amount != 270000 || inv.Total != 270000 {
			t.Errorf("the payment is %s of %s, its invoice of %s; want ₹2,700 paid and invoiced", payment.Status, payment.Amount, inv.Total)
		}
		if !regexp.MustCompile(`^INV/2026-27/\d{6}$`).MatchString(inv.Number) {
			t.Errorf("invoice number %q is not of the 2026-27 series", inv.Number)
		}

		// The account page: the plan, the payment and its invoice.
		b.clickAndLoad("#nav-account")
		b.waitVisible("#payments")
		if got := b.text("#plan-name"); got != "Smart Essential" {
			t.Errorf("plan = %q, want Smart Essential", got)
		}
		if got := b.text("#paid-until"); got != "Paid until "+paidUntil {
			t.Errorf("access = %q, want paid until %s", got, paidUntil)
		}
		if n := b.count("#payments li.payment"); n != 1 {
			t.Fatalf("the account page lists %d payments, want 1", n)
		}
		row := b.text("#payments li.payment")
		for _, want := range []string{"Smart Essential (1 Year)", "₹2,700", "Paid", today, "Tax invoice " + inv.Number + " (PDF)"} {
			if !strings.Contains(row, want) {
				t.Errorf("the payment reads %q, lacking %q", row, want)
			}
		}
		var href string
		if err := b.eval(`document.querySelector('#payments a.invoice-link').getAttribute('href')`, &href); err != nil {
			t.Fatal(err)
		}
		if href != billing.InvoicePath(inv.ID) {
			t.Errorf("the invoice links to %s, want %s", href, billing.InvoicePath(inv.ID))
		}

		// The invoice, downloaded by its link, read back as text.
		name, pdf := b.download("#payments a.invoice-link")
		if want := strings.ReplaceAll(inv.Number, "/", "-") + ".pdf"; name != want {
			t.Errorf("the invoice downloads as %q, want %q", name, want)
		}
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Fatalf("the download is not a PDF: %.40q", pdf)
		}
		text = regexp.MustCompile(`[ \t]+`).ReplaceAllString(pdftest.Text(t, pdf), " ")
		for _, want := range []string{
			"TAX INVOICE",
			"Tax invoice number: " + inv.Number,
			"Date: " + today,
			"Broadsheet Media Private Limited",
			"GSTIN: 27AAPFU0939F1ZV",
			"Place of supply: Maharashtra (27)",
			email,
			"Smart Essential subscription (1 Year)",
			"SAC 998431",
			"Taxable value Rs. 2,288.14",
			"CGST at 9% Rs. 205.93",
			"SGST at 9% Rs. 205.93",
			"Total (GST included) Rs. 2,700.00",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the invoice lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "IGST") {
			t.Errorf("a reader in the publisher's state is charged IGST:\n%s", text)
		}

		// Cancel auto-renewal: reading goes on to the paid-until date.
		b.clickAndLoad("#cancel-button")
		b.waitVisible("#resume-button")
		if got := b.text(".notice"); got != "Auto-renewal is off. You keep full access until the end of your paid term." {
			t.Errorf("after cancelling, the notice reads %q", got)
		}
		if got := b.text("#access-ends"); got != "Auto-renewal is off; access ends on "+paidUntil {
			t.Errorf("after cancelling, the page says %q, want access until %s", got, paidUntil)
		}
		if got := b.text("#subscription-status"); got != "Active" {
			t.Errorf("after cancelling, status = %q, want Active", got)
		}
		if n := b.count("#cancel-button") + b.count("#next-charge"); n != 0 {
			t.Error("after cancelling, the page still offers to cancel or names a next charge")
		}
		after, err := site.App.Billing.Current(ctx, acct.ID)
		if err != nil || after == nil {
			t.Fatalf("after cancelling: %v, %v", after, err)
		}
		if after.AutoRenew || after.Status != billing.Active || !after.PaidUntil.Equal(sub.PaidUntil) {
			t.Errorf("after cancelling: %s, auto-renewal %v, paid until %s; want active to %s, not renewing",
				after.Status, after.AutoRenew, after.PaidUntil, sub.PaidUntil)
		}

		// Resume it: renewing again, the next charge named.
		b.clickAndLoad("#resume-button")
		b.waitVisible("#cancel-button")
		if got := b.text(".notice"); got != "Auto-renewal is back on." {
			t.Errorf("after resuming, the notice reads %q", got)
		}
		nextCharge := sub.PaidUntil.Add(-billing.RenewalLead).In(cfg.Location).Format("2 January 2006")
		if got := b.text("#next-charge"); got != "Next charge: ₹2,700 on "+nextCharge {
			t.Errorf("after resuming, the page says %q, want the next charge of ₹2,700 on %s", got, nextCharge)
		}
		if n := b.count("#resume-button") + b.count("#access-ends"); n != 0 {
			t.Error("after resuming, the page still offers to resume or says access ends")
		}
		after, err = site.App.Billing.Current(ctx, acct.ID)
		if err != nil || after == nil {
			t.Fatalf("after resuming: %v, %v", after, err)
		}
		if !after.AutoRenew || after.Status != billing.Active || !after.PaidUntil.Equal(sub.PaidUntil) {
			t.Errorf("after resuming: %s, auto-renewal %v, paid until %s; want active to %s and renewing",
				after.Status, after.AutoRenew, after.PaidUntil, sub.PaidUntil)
		}
		if history, err := site.App.Billing.PaymentHistory(ctx, acct.ID); err != nil || len(history) != 1 {
			t.Errorf("cancelling and resuming left %d payments (%v), want the one", len(history), err)
		}

		// Switch plans: at the next renewal, to the quarterly plan, which
		// the next charge then names, and back; then now, to the two-year
		// plan, for the amount the page names.
		b.clickAndLoad(`.switch-option[data-plan="smart-quarterly"] .switch-at-renewal`)
		b.waitVisible("#switch-scheduled")
		if got := b.text("#next-charge"); got != "Next charge: ₹900 on "+nextCharge {
			t.Errorf("after choosing the quarterly plan for the renewal, the page says %q", got)
		}
		b.clickAndLoad("#switch-undo")
		b.waitVisible("#cancel-button")
		if b.count("#switch-scheduled") != 0 || b.text("#next-charge") != "Next charge: ₹2,700 on "+nextCharge {
			t.Errorf("after staying on the plan the page says %q", b.text("#next-charge"))
		}
		opts, err := site.App.Billing.SwitchOptions(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		var saver billing.SwitchOption
		for _, o := range opts {
			if o.Plan.Code == "super-saver" {
				saver = o
			}
		}
		if !saver.Upgrade {
			t.Fatalf("no switch now to Super Saver among %+v", opts)
		}
		terms := b.text(`.switch-option[data-plan="super-saver"] .switch-now-terms`)
		if want := "you pay " + saver.Amount.String() + " today, the price of ₹3,900 less " + saver.Credit.String(); !strings.Contains(terms, want) {
			t.Errorf("the switch now reads %q, want it to say %q", terms, want)
		}
		b.clickAndLoad(`.switch-option[data-plan="super-saver"] .switch-now`)
		b.waitVisible("#plan-name")
		if got := b.text("#plan-name"); got != "Super Saver" {
			t.Errorf("after switching now the plan reads %q", got)
		}
		if got := b.text(".notice"); !strings.Contains(got, "You switched plans") {
			t.Errorf("after switching now the notice reads %q", got)
		}
		if n := b.count(".invoice-link"); n != 2 {
			t.Errorf("%d invoices listed after switching, want the first payment's and the switch's", n)
		}
		switched, err := site.App.Billing.Current(ctx, acct.ID)
		if err != nil || switched == nil {
			t.Fatalf("after switching: %v, %v", switched, err)
		}
		if switched.TermsPaid != 2 || !switched.PaidUntil.Equal(billing.AddMonths(site.Clock.Now(), 24, cfg.Location)) {
			t.Errorf("after switching: %d terms, paid until %s; want 2, two years from now", switched.TermsPaid, switched.PaidUntil)
		}
		if history, err := site.App.Billing.PaymentHistory(ctx, acct.ID); err != nil || len(history) != 2 {
			t.Errorf("%d payments after switching (%v), want 2", len(history), err)
		}
	})
}

// download clicks a link the browser downloads, waits for the download to
// finish and returns the file's suggested name and its bytes.
func (b *tab) download(sel string) (string, []byte) {
	b.t.Helper()
	dir := b.t.TempDir()
	yes := true
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes,
	}); err != nil {
		b.t.Fatalf("allow downloads: %v", err)
	}
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	// Subscribed before the click, so no event is missed.
	begun := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	var start browser.EventDownloadWillBegin
	for ev, err := range begun {
		if err != nil {
			b.t.Fatalf("clicked %s, no download began: %v", sel, err)
		}
		start = ev
		break
	}
	if start.GUID == "" {
		b.t.Fatalf("clicked %s, no download began", sel)
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download of %s: %v", start.URL, err)
		}
		if ev.GUID != start.GUID {
			continue
		}
		switch ev.State {
		case browser.DownloadProgressStateCanceled:
			b.t.Fatalf("the download of %s was cancelled", start.URL)
		case browser.DownloadProgressStateCompleted:
			path := ev.FilePath
			if path == "" {
				path = filepath.Join(dir, start.GUID)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				b.t.Fatalf("read the download of %s: %v", start.URL, err)
			}
			return start.SuggestedFilename, data
		}
	}
	b.t.Fatalf("the download of %s never finished", start.URL)
	return "", nil
}

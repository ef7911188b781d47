package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
)

// TestReaderJourney walks a reader through the product in a real browser:
// three free stories with the meter counting down, the paywall on the
// fourth, signing in from the paywall, a declined card then a good one,
// the full story without ads, and cancelling and resuming auto-renewal.
func TestReaderJourney(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 60*time.Second), base: site.URL}
		ctx := context.Background()
		cfg := site.App.Settings.Get()
		if cfg.FreeLimit != 3 {
			t.Fatalf("the demo's free limit is %d, the journey expects 3", cfg.FreeLimit)
		}
		reader := demoReader(t)

		// Step 2: the front page lists the stories; pick four metered ones
		// long enough to have text behind the paywall.
		b.navigate("/")
		b.waitVisible(".latest")
		var links []string
		if err := b.eval(`Array.from(document.querySelectorAll('.latest a[href^="/article/"]')).map(a => a.getAttribute('href'))`, &links); err != nil {
			t.Fatal(err)
		}
		var stories []*content.Article
		for _, href := range links {
			a, err := site.App.Store.ArticleBySlug(ctx, strings.TrimPrefix(href, "/article/"), site.Clock.Now())
			if err != nil {
				t.Fatalf("front page links to %s: %v", href, err)
			}
			if a.Access == content.Metered && !a.Vertical && len(a.Paragraphs()) > cfg.LeadParagraphs {
				stories = append(stories, a)
			}
			if len(stories) == 4 {
				break
			}
		}
		if len(stories) < 4 {
			t.Fatalf("the front page links to %d metered stories with more than a lead (links: %v); the journey needs 4", len(stories), links)
		}

		// Three free stories, opened from the front page, each read in
		// full with the meter counting down.
		for i, a := range stories[:3] {
			if i > 0 {
				b.navigate("/")
			}
			b.clickAndLoad(`.latest a[href="/article/` + a.Slug + `"]`)
			b.waitVisible("#meter-notice")
			if got := b.location(); got != site.URL+"/article/"+a.Slug {
				t.Fatalf("clicked %q, landed on %s", a.Headline, got)
			}
			want := fmt.Sprintf("You have %d of 3 free stories left this month.", 2-i)
			if got := b.text("#meter-notice"); got != want {
				t.Errorf("story %d meter notice = %q, want %q", i+1, got, want)
			}
			if n := b.count("#paywall"); n != 0 {
				t.Errorf("story %d (%s) is free to read but shows a paywall", i+1, a.Slug)
			}
			body := b.pageText()
			for j, p := range a.Paragraphs() {
				if !strings.Contains(body, p) {
					t.Errorf("story %d (%s): paragraph %d is missing from a free read", i+1, a.Slug, j+1)
				}
			}
			if n := b.count("[data-ad-slot]"); n == 0 {
				t.Errorf("story %d: an anonymous reader sees no advertisement slot", i+1)
			}
		}

		// Step 3: the fourth story shows the lead and the paywall, and
		// the rest of the story is nowhere in the page.
		fourth := stories[3]
		b.navigate("/")
		b.clickAndLoad(`.latest a[href="/article/` + fourth.Slug + `"]`)
		b.waitVisible("#paywall")
		paywall := b.text("#paywall")
		for _, want := range []string{
			"You’ve reached your limit of 3 free articles this month.",
			"Subscribe now for unlimited access.",
			"Already subscribed? Log in",
			"Subscribe to read the full story →",
		} {
			if !strings.Contains(paywall, want) {
				t.Errorf("paywall text %q lacks %q", paywall, want)
			}
		}
		if got := b.text("#paywall-subscribe"); got != "Subscribe to read the full story →" {
			t.Errorf("paywall subscribe link = %q", got)
		}
		html := b.outerHTML("html")
		text := b.pageText()
		paragraphs := fourth.Paragraphs()
		for j, p := range paragraphs[:cfg.LeadParagraphs] {
			if !strings.Contains(text, p) {
				t.Errorf("paywalled story: lead paragraph %d is missing", j+1)
			}
		}
		for j, p := range paragraphs[cfg.LeadParagraphs:] {
			if strings.Contains(html, p) || strings.Contains(html, template.HTMLEscapeString(p)) || strings.Contains(text, p) {
				t.Errorf("paywalled story: paragraph %d, behind the paywall, is in the page", cfg.LeadParagraphs+j+1)
			}
		}
		if shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90)); err == nil {
			path := filepath.Join(t.TempDir(), "paywall.jpg")
			if err := os.WriteFile(path, shot, 0o644); err == nil {
				t.Logf("paywall screenshot: %s", path)
			}
		}

		// Step 4: log in from the paywall and come back to the story.
		b.clickAndLoad("#paywall-login")
		b.waitVisible("#login-email")
		b.typeInto("#login-email", reader.Email)
		b.typeInto("#login-password", reader.Password)
		b.clickAndLoad(`#password-form button[type="submit"]`)
		b.waitVisible("#nav-account")
		if got := b.location(); got != site.URL+"/article/"+fourth.Slug {
			t.Fatalf("after logging in from the paywall, landed on %s, want the story", got)
		}

		// Step 5: the offer, a declined card, then a good one.
		b.navigate("/subscribe")
		b.waitVisible(".plans")
		for code, want := range map[string][]string{
			"smart-quarterly": {"Smart Quarterly", "₹900", "3 Months"},
			"smart-essential": {"Smart Essential", "₹2,700", "1 Year"},
			"super-saver":     {"Super Saver", "₹3,900", "2 Years"},
		} {
			plan := b.text("#plan-" + code)
			for _, w := range want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan %s reads %q, lacking %q", code, plan, w)
				}
			}
		}
		b.clickAndLoad(`#plan-smart-quarterly a.button`)
		b.waitVisible("#checkout-form")
		if got := b.location(); got != site.URL+"/subscribe/smart-quarterly" {
			t.Fatalf("choosing Smart Quarterly opened %s", got)
		}
		// The reader pays on the payment provider's page: in the demo,
		// the test gateway's.
		b.clickAndLoad(`#checkout-continue`)
		b.waitVisible("#testpay-form")
		expYear := fmt.Sprint(site.Clock.Now().Year() + 3)
		b.typeInto("#card_number", "4000 0000 0000 0002")
		b.clear("#exp_month")
		b.typeInto("#exp_month", "12")
		b.clear("#exp_year")
		b.typeInto("#exp_year", expYear)
		b.typeInto("#cvc", "123")
		b.clickAndLoad(`#testpay-form button[type="submit"]`)
		b.waitVisible("#checkout-error")
		if got := b.text("#checkout-error"); !strings.Contains(got, "declined") {
			t.Errorf("declined card: message %q does not say so", got)
		}
		if sub := currentSubscription(t, site, reader.Email); sub != nil {
			t.Fatalf("a declined card started a subscription: %+v", sub)
		}
		// The form keeps the expiry but never echoes the card number.
		if got := b.value("#card_number"); got != "" {
			t.Errorf("card number echoed back after a decline: %q", got)
		}
		if got := b.value("#exp_year"); got != expYear {
			t.Errorf("expiry year after a decline = %q, want it kept as %q", got, expYear)
		}
		b.typeInto("#card_number", "4242 4242 4242 4242")
		b.clear("#cvc")
		b.typeInto("#cvc", "123")
		b.clickAndLoad(`#testpay-form button[type="submit"]`)
		b.waitVisible("#subscription-status")
		if got := b.location(); got != site.URL+"/account" {
			t.Errorf("after paying, landed on %s, want /account", got)
		}
		sub := currentSubscription(t, site, reader.Email)
		if sub == nil {
			t.Fatal("paid with a good card, but the reader has no subscription")
		}
		if days := sub.PaidUntil.Sub(site.Clock.Now()).Hours() / 24; days < 85 || days > 95 {
			t.Errorf("Smart Quarterly paid for %.0f days, want about three months", days)
		}
		if got := b.text("#subscription-status"); got != "Active" {
			t.Errorf("subscription status = %q, want Active", got)
		}
		if got := b.text("#plan-name"); got != "Smart Quarterly" {
			t.Errorf("plan = %q, want Smart Quarterly", got)
		}
		wantPaid := "Paid until " + sub.PaidUntil.In(cfg.Location).Format("2 January 2006")
		if got := b.text("#paid-until"); got != wantPaid {
			t.Errorf("paid until = %q, want %q", got, wantPaid)
		}

		// The fourth story again: all of it, no paywall, no ads.
		b.navigate("/article/" + fourth.Slug)
		b.waitVisible(".story-body")
		if n := b.count("#paywall"); n != 0 {
			t.Error("a subscriber still sees the paywall")
		}
		text = b.pageText()
		for j, p := range paragraphs {
			if !strings.Contains(text, p) {
				t.Errorf("subscriber's read: paragraph %d is missing", j+1)
			}
		}
		if n := b.count("[data-ad-slot]"); n != 0 {
			t.Errorf("a subscriber sees %d advertisement slots", n)
		}

		// Cancel auto-renewal, then resume it.
		b.navigate("/account")
		b.clickAndLoad("#cancel-button")
		b.waitVisible("#resume-button")
		if n := b.count("#cancel-button"); n != 0 {
			t.Error("after cancelling, the page still offers to cancel")
		}
		if sub := currentSubscription(t, site, reader.Email); sub == nil || sub.AutoRenew {
			t.Errorf("after cancelling, auto-renewal is still on: %+v", sub)
		}
		b.clickAndLoad("#resume-button")
		b.waitVisible("#cancel-button")
		if n := b.count("#resume-button"); n != 0 {
			t.Error("after resuming, the page still offers to resume")
		}
		if sub := currentSubscription(t, site, reader.Email); sub == nil || !sub.AutoRenew {
			t.Errorf("after resuming, auto-renewal is off: %+v", sub)
		}
	})
}

func demoReader(t *testing.T) demo.Account {
	for _, a := range demo.Accounts {
		if strings.HasPrefix(a.Email, "reader@") {
			return a
		}
	}
	t.Fatal("no demo reader account")
	return demo.Account{}
}

type subscription struct {
	PaidUntil time.Time
	AutoRenew bool
}

// currentSubscription asks the database, not the page, what the reader holds.
func currentSubscription(t *testing.T, site *apptest.Site, email string) *subscription {
	t.Helper()
	ctx := context.Background()
	acct, err := site.App.Store.AccountByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := site.App.Billing.Current(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub == nil {
		return nil
	}
	return &subscription{PaidUntil: sub.PaidUntil, AutoRenew: sub.AutoRenew}
}

// tab is one browser tab on the site; every step fails the test on error.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) navigate(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// clickAndLoad clicks what sel finds and waits for the page it leads to.
func (b *tab) clickAndLoad(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

func (b *tab) waitVisible(sel string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// clear empties a form field, as a reader selecting its text and deleting
// it would, so that typing replaces what the page filled in.
func (b *tab) clear(sel string) {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	var ok bool
	if err := b.eval(`(f => { if (!f) return false; f.value = ""; return true })(document.querySelector(`+string(q)+`))`, &ok); err != nil || !ok {
		b.t.Fatalf("clear %s: no such field (%v)", sel, err)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) value(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read the value of %s: %v", sel, err)
	}
	return s
}

func (b *tab) outerHTML(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read the HTML of %s: %v", sel, err)
	}
	return s
}

func (b *tab) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// pageText is all the text in the document, hidden or not.
func (b *tab) pageText() string {
	b.t.Helper()
	var s string
	if err := b.eval(`document.documentElement.textContent`, &s); err != nil {
		b.t.Fatal(err)
	}
	return s
}

// count is how many elements sel finds now, without waiting for one.
func (b *tab) count(sel string) int {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	var n int
	if err := b.eval(`document.querySelectorAll(`+string(q)+`).length`, &n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

func (b *tab) eval(expr string, out any) error {
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", expr, err)
	}
	return json.Unmarshal(raw, out)
}

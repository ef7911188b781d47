package e2e_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/wire"
)

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	Targets []string
}

// checkAccessible runs axe-core on the page open in b and fails the test
// for each serious or critical violation.
func (b *tab) checkAccessible(what, axe string) {
	b.t.Helper()
	var loaded bool
	if err := b.eval(axe+"\n;typeof axe === 'object'", &loaded); err != nil || !loaded {
		b.t.Fatalf("load axe-core into %s: %v", what, err)
	}
	run := `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, Targets: v.nodes.map(n => n.target.join(' '))})))`
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core on %s: %v", what, err)
	}
	for _, v := range found {
		b.t.Errorf("%s: %s (%s): %s at %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
	}
}

// TestPagesAreAccessibleAndFitAPhone opens the reader's and the staff's
// pages on a 390-pixel phone: axe-core finds no serious or critical
// violation, every page has a skip link to its content, and none scrolls
// sideways.
func TestPagesAreAccessibleAndFitAPhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		axe := e2e.AxeScript(t)
		b := &tab{t: t, ctx: e2e.NewTab(t, 120*time.Second), base: site.URL}
		b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		site.App.Schedule.RunOnce(t.Context()) // a server's first scheduled tasks: the newsletters' box under each story
		premium := storyWith(t, site, content.Premium)
		check := func(path string) {
			t.Helper()
			b.navigate(path)
			b.waitVisible("main")
			if b.count(`a.skip-link[href="#content"]`) != 1 || b.count("#content") != 1 {
				t.Errorf("%s has no skip link to its content", path)
			}
			b.checkAccessible(path, axe)
			b.assertFits(path)
		}
		vertical, err := site.App.Store.LatestArticles(t.Context(), site.Clock.Now(), "smart-investor", nil, 1)
		if err != nil || len(vertical) == 0 {
			t.Fatalf("the demo's vertical: %v", err)
		}
		for _, path := range []string{"/", "/section/markets", "/article/" + premium.Slug, "/subscribe", "/subscribe/smart-quarterly",
			"/login", "/register", "/password/forgot", "/archive", site.Clock.Now().Format("/archive/2006"),
			site.Clock.Now().Format("/archive/2006/01"), "/search?q=market", "/newsletters", "/newsletters/politics",
			"/insights", "/article/" + vertical[0].Slug} {
			check(path)
		}
		signInAs(b, demoAccount(t, "editor"))
		check("/admin/articles")
		check("/admin/articles/new")
		check("/admin/articles/" + strconv.FormatInt(premium.ID, 10))
		check("/admin/articles/" + strconv.FormatInt(premium.ID, 10) + "/preview")
		check("/admin/picks")
		check("/admin/authors")
		check("/admin/sections")
		// A feed the site may not fetch (on this machine): the console
		// shows its failure.
		feed, err := site.App.Wire.AddFeed(t.Context(), wire.FeedInput{URL: "http://127.0.0.1:9/rss.xml", Section: "markets"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := site.App.Wire.Poll(t.Context(), feed.ID); err != nil {
			t.Fatal(err)
		}
		check("/admin/feeds")
		check("/admin/feeds/" + strconv.FormatInt(feed.ID, 10))
		check("/admin/newsletters")
		check("/admin/newsletters/new")
		check("/account")
		signInAs(b, demoAccount(t, "admin"))
		check("/admin")
		check("/admin/staff")
		check("/admin/plans")
		check("/admin/benefits")
		check("/admin/partners")
		check("/admin/ads")
		// An email with a long address and a line that does not break,
		// as a receipt's or a link's can be.
		long := strings.Repeat("a", 60) + "@" + strings.Repeat("b", 60) + ".example"
		if err := site.App.Store.AddToOutbox(t.Context(), long, "Your receipt", "See https://example.com/"+strings.Repeat("x", 300), "", time.Now()); err != nil {
			t.Fatal(err)
		}
		check("/admin/outbox")
		fileStrayPayment(t, site)
		check("/admin/reconciliation")
		check("/admin/payments?email=" + demoAccount(t, "subscriber").Email)
		check("/admin/payments?email=" + demoAccount(t, "registered").Email)
		check("/admin/audit")
		signInAs(b, demoAccount(t, "subscriber"))
		check("/account")
	})
}

// storyWith returns a published demo story of the given access.
func storyWith(t *testing.T, site *apptest.Site, access content.Access) *content.Article {
	t.Helper()
	list, err := site.App.Store.LatestArticles(t.Context(), site.Clock.Now(), "", nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Access == access {
			return a
		}
	}
	t.Fatalf("the demo has no %s story", access)
	return nil
}

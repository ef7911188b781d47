package web_test

import (
	"encoding/json"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// Copy an admin writes is text on the page, whatever it holds: markup is
// shown escaped, and words that once marked where the page was cut (the
// story's slug in the paywall, the parts of the page around a story) break
// neither the page nor the paywall's log-in link.
func TestAdminCopyCannotBreakTheArticlePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		copy := map[string]string{
			settings.KeyPublication:    "The bsHoleStory7Q2 <Times>",
			settings.KeyMeterNotice:    "bsHoleNotice7Q2 <i>{{remaining}} left</i> bsSlug7Q2",
			settings.KeyPaywallHeading: `Spent <b>bsSlug7Q2</b> "{{used}}"`,
			settings.KeyPaywallBody:    "bsHolePath7Q2 & bsHoleStory7Q2",
			settings.KeyPaywallCTA:     "Join bsSlug7Q2",
			settings.KeyTagline:        "bsHoleTag7Q2 <u>daily</u>",
			settings.KeyPremiumHeading: `<i>Members</i> "only"`,
			settings.KeyLoginPrompt:    "Member? <b>bsSlug7Q2</b>",
			settings.KeyLoginLink:      `Sign <i>in</i> "here"`,
		}
		setCopy(t, site, copy)
		esc := template.HTMLEscapeString
		b := site.NewBrowser()

		for _, a := range free[:3] {
			resp := b.Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			if !strings.Contains(resp.Body, esc("bsHoleNotice7Q2 <i>")) {
				t.Errorf("%s: the meter notice is not shown escaped", a.Slug)
			}
		}
		gated := free[3]
		resp := b.Get("/article/" + gated.Slug)
		assertGated(t, resp, gated, 2)
		for _, want := range []string{
			`<a href="/login?next=/article/` + gated.Slug + `" id="paywall-login">`,
			esc(`Spent <b>bsSlug7Q2</b> "3"`),
			esc("bsHolePath7Q2 & bsHoleStory7Q2"),
			"Join bsSlug7Q2",
			"<title>" + esc(gated.Headline+" · The bsHoleStory7Q2 <Times>") + "</title>",
			`<p class="tagline" id="tagline">` + esc("bsHoleTag7Q2 <u>daily</u>") + "</p>",
			"<p>" + esc("Member? <b>bsSlug7Q2</b>") + ` <a href="/login?next=/article/` + gated.Slug + `" id="paywall-login">` + esc(`Sign <i>in</i> "here"`) + "</a></p>",
			`id="nav-login">` + esc(`Sign <i>in</i> "here"`) + "</a>",
		} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("the gated page lacks %s", want)
			}
		}
		for _, markup := range []string{"<b>bsSlug7Q2", "<Times>", "<i>", "<u>"} {
			if strings.Contains(resp.Body, markup) {
				t.Errorf("copy reached the page as markup: %s", markup)
			}
		}

		// A premium story's paywall leads back to it as well.
		resp = site.NewBrowser().Get("/article/" + premium[0].Slug)
		assertGated(t, resp, premium[0], 2)
		if !strings.Contains(resp.Body, `href="/login?next=/article/`+premium[0].Slug+`" id="paywall-login"`) {
			t.Error("a premium story's paywall does not lead back to it after signing in")
		}
		if !strings.Contains(resp.Body, "<h2>"+esc(`<i>Members</i> "only"`)+"</h2>") || strings.Contains(resp.Body, "<i>") {
			t.Error("a premium story's heading is not the admin's copy, as text")
		}
	})
}

// The article page is the layout every page shares, rendered for the
// reader asking: a signed-in reader sees their own address in the
// masthead, on the article page as on the front page, and never another
// reader's.
func TestArticlePageShowsTheSignedInReader(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		reader, subscriber := demoAccount(t, "registered"), demoAccount(t, "subscriber")
		rb, sb := site.NewBrowser(), site.NewBrowser()
		logIn(t, rb, reader, "/")
		logIn(t, sb, subscriber, "/")
		for _, c := range []struct {
			browser    *apptest.Browser
			email      string
			other      string
			subscriber bool
		}{
			{rb, reader.Email, subscriber.Email, false},
			{sb, subscriber.Email, reader.Email, true},
		} {
			for _, path := range []string{"/article/" + free[0].Slug, "/article/" + premium[0].Slug, "/"} {
				resp := c.browser.Get(path)
				if !strings.Contains(resp.Body, `id="nav-email">`+template.HTMLEscapeString(c.email)+`<`) {
					t.Errorf("%s for %s: the masthead does not show the reader's address", path, c.email)
				}
				if strings.Contains(resp.Body, c.other) {
					t.Errorf("%s for %s: the page shows another reader's address", path, c.email)
				}
				if offered := strings.Contains(resp.Body, `class="button" href="/subscribe"`); offered == c.subscriber {
					t.Errorf("%s for %s: Subscribe offered %v to a subscriber %v", path, c.email, offered, c.subscriber)
				}
			}
		}
		if body := site.NewBrowser().Get("/article/" + free[0].Slug).Body; strings.Contains(body, `id="nav-email"`) {
			t.Error("a signed-out reader's masthead shows an address")
		}
	})
}

// The article page and the API cut a story by one rule: with a lead
// setting longer than the story, a reader who may not read it gets its
// first half, the same paragraphs on the page as from the API.
func TestPageAndAPIShowTheSameLead(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		_, premium := stories(t, site)
		setCopy(t, site, map[string]string{settings.KeyLeadParagraphs: "20"})
		a := premium[0]
		ps := a.Paragraphs()
		half := len(ps) / 2
		if half == 0 || len(ps) > 20 {
			t.Fatalf("%s has %d paragraphs; the test wants 2 to 20", a.Slug, len(ps))
		}
		b := site.NewBrowser()
		assertGated(t, b.Get("/article/"+a.Slug), a, half)

		resp := b.Get("/api/v1/articles/" + a.Slug)
		var out struct {
			Article struct {
				Paragraphs []string `json:"paragraphs"`
			} `json:"article"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("API: status %d, %v", resp.Status, err)
		}
		if !slices.Equal(out.Article.Paragraphs, ps[:half]) {
			t.Errorf("the API shows %d paragraphs, the page the first %d", len(out.Article.Paragraphs), half)
		}
	})
}

// The parts of the article page kept with a story follow the settings: a
// new publication name and paywall copy show on the next view of a story
// already read (and so kept rendered), in the title, masthead and footer.
func TestSettingsChangeShowsOnAStoryAlreadyRead(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		read := []*content.Article{free[0], premium[0]}
		// naming is where the page names the publication.
		naming := func(a *content.Article, name string) []string {
			return []string{
				"<title>" + template.HTMLEscapeString(a.Headline) + " · " + name + "</title>",
				`<a class="brand" href="/">` + name + `</a>`,
				"<footer><p>" + name + " · ",
			}
		}
		b := site.NewBrowser()
		old := site.App.Settings.Get().Publication
		for _, a := range read {
			body := b.Get("/article/" + a.Slug).Body
			for _, want := range naming(a, old) {
				if !strings.Contains(body, want) {
					t.Fatalf("%s before the change lacks %s", a.Slug, want)
				}
			}
		}

		setCopy(t, site, map[string]string{
			settings.KeyPublication: "The Evening Lamp",
			settings.KeyPaywallBody: "Lamp readers keep the lights on.",
			settings.KeyPaywallCTA:  "Light the lamp",
		})
		for _, a := range read {
			body := b.Get("/article/" + a.Slug).Body
			for _, want := range naming(a, "The Evening Lamp") {
				if !strings.Contains(body, want) {
					t.Errorf("%s after the change lacks %s", a.Slug, want)
				}
			}
			for _, stale := range naming(a, old) {
				if strings.Contains(body, stale) {
					t.Errorf("%s after the change still shows %s", a.Slug, stale)
				}
			}
			if gated := a == premium[0]; gated {
				for _, want := range []string{"Lamp readers keep the lights on.", "Light the lamp"} {
					if !strings.Contains(body, want) {
						t.Errorf("%s: the paywall lacks the new copy %q", a.Slug, want)
					}
				}
			}
		}
	})
}

// The masthead is the reader's own on a story read by several readers in
// turn: a signed-out reader's Log in link leads back to the story they
// read, and a signed-in reader between them sees their address instead.
func TestArticleMastheadFollowsTheReader(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		reader := demoAccount(t, "registered")
		signedIn, signedOut := site.NewBrowser(), site.NewBrowser()
		logIn(t, signedIn, reader, "/")
		email := `id="nav-email">` + template.HTMLEscapeString(reader.Email) + `<`
		loginLink := func(a *content.Article) string {
			return `<a href="/login?next=` + url.QueryEscape("/article/"+a.Slug) + `" id="nav-login">`
		}
		for _, a := range []*content.Article{free[0], free[1], free[0]} {
			out := signedOut.Get("/article/" + a.Slug).Body
			if !strings.Contains(strings.ToLower(out), strings.ToLower(loginLink(a))) {
				t.Errorf("%s: a signed-out reader's Log in link does not lead back to it", a.Slug)
			}
			if strings.Contains(out, `id="nav-email"`) || strings.Contains(out, reader.Email) {
				t.Errorf("%s: a signed-out reader's masthead shows an address", a.Slug)
			}
			in := signedIn.Get("/article/" + a.Slug).Body
			if !strings.Contains(in, email) {
				t.Errorf("%s: the signed-in reader's masthead lacks their address", a.Slug)
			}
			if strings.Contains(in, `id="nav-login"`) {
				t.Errorf("%s: a signed-in reader is offered to log in", a.Slug)
			}
		}
	})
}

package e2e_test

import (
	"context"
	"html/template"
	"strings"
	"testing"
	"time"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// The words of TestArchiveSearchInABrowser: the first in the lead of the
// 1998 story and of a recent one, the second only past the 1998 story's
// lead.
const (
	leadWord   = "jutewallah"
	hiddenWord = "ropewalkite"
)

// TestArchiveSearchInABrowser: an anonymous reader searches from the
// masthead for a word, opens the 1998 story among the results, and meets
// the paywall that names the archive, with the lead and nothing past it;
// searching for a word that lies only past that lead finds the story but
// shows the word nowhere in the results. A subscriber signs in from the
// paywall and reads the same story in full.
func TestArchiveSearchInABrowser(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
		cfg := site.App.Settings.Get()
		old := addStory(t, site, "calcutta-jute-mills-1998", time.Date(1998, 3, 14, 9, 30, 0, 0, cfg.Location),
			"Jute mills of Calcutta wait for the rains",
			"Every "+leadWord+" on the Hooghly counts the bales.",
			"The mills along the river ran half their looms this week.",
			"Second paragraph of the mills.",
			"Third paragraph: the brokers met at noon.",
			"Fourth paragraph: the sacking went to Dundee.",
			"The old hands called the twine "+hiddenWord+", for its sheen.",
			"Sixth and last paragraph.")
		addStory(t, site, "jute-prices-now", site.Clock.Now().Add(-48*time.Hour),
			"Jute prices firm as the monsoon arrives", "A "+leadWord+" reports brisk trade.",
			"Prices rose on Monday.", "Traders expect more.")
		if got := old.Paragraphs(); len(got) <= cfg.LeadParagraphs+2 {
			t.Fatalf("the 1998 story has %d paragraphs, too few past a lead of %d", len(got), cfg.LeadParagraphs)
		}

		// Search from the masthead; open the result from 1998.
		b.navigate("/")
		b.typeInto(`.masthead-search input[name="q"]`, leadWord)
		b.clickAndLoad(`.masthead-search button[type="submit"]`)
		b.waitVisible("#search-results")
		if n := b.count(`#search-results li`); n != 2 {
			t.Errorf("searching %q: %d results, want the 1998 story and the recent one", leadWord, n)
		}
		b.clickAndLoad(`#search-results li:has(time[datetime^="1998-"]) h2 a`)
		if got := b.location(); got != site.URL+"/article/"+old.Slug {
			t.Fatalf("opened the 1998 result, landed on %s", got)
		}

		// The archive's paywall: the lead, the paywall naming the archive,
		// nothing past the lead anywhere in the page.
		b.waitVisible("#paywall")
		paywall := b.text("#paywall")
		for _, want := range []string{cfg.ArchiveHeading.Render(cfg.Vars(0)), cfg.ArchiveBody.Render(cfg.Vars(0))} {
			if want == "" || !strings.Contains(paywall, want) {
				t.Errorf("the paywall %q does not name the archive (%q)", paywall, want)
			}
		}
		if strings.Contains(paywall, "free articles this month") {
			t.Errorf("the archive's paywall speaks of the meter: %q", paywall)
		}
		assertLeadOnly(t, b, old, cfg.LeadParagraphs)
		if n := b.count("#meter-notice"); n != 0 {
			t.Errorf("an archive story shows the meter: %q", b.text("#meter-notice"))
		}

		// A word only past the lead finds the story, but is not shown.
		b.navigate("/search")
		b.typeInto("#search-q", hiddenWord)
		b.clickAndLoad(`#search-form button[type="submit"]`)
		b.waitVisible("#search-results")
		results := b.outerHTML("#search-results")
		if !strings.Contains(results, `href="/article/`+old.Slug+`"`) {
			t.Errorf("searching a word past the lead does not find the story: %s", results)
		}
		if strings.Contains(strings.ToLower(results), hiddenWord) {
			t.Errorf("the results show %q, which lies past the lead of a story the reader may not read: %s", hiddenWord, results)
		}

		// A subscriber signs in from the paywall and reads it all.
		b.navigate("/article/" + old.Slug)
		b.clickAndLoad("#paywall-login")
		subscriber := demoAccount(t, "subscriber")
		b.typeInto("#login-email", subscriber.Email)
		b.typeInto("#login-password", subscriber.Password)
		b.clickAndLoad(`#password-form button[type="submit"]`)
		b.waitVisible("#nav-account")
		if got := b.location(); got != site.URL+"/article/"+old.Slug {
			t.Fatalf("after signing in from the paywall, landed on %s, want the story", got)
		}
		if n := b.count("#paywall"); n != 0 {
			t.Errorf("a subscriber is shown the paywall: %q", b.text("#paywall"))
		}
		text := b.pageText()
		for i, p := range old.Paragraphs() {
			if !strings.Contains(text, p) {
				t.Errorf("a subscriber's 1998 story lacks paragraph %d", i+1)
			}
		}
		b.navigate("/search?q=" + hiddenWord)
		b.waitVisible("#search-results")
		if got := b.outerHTML("#search-results"); !strings.Contains(got, "<mark>"+hiddenWord+"</mark>") {
			t.Errorf("a subscriber's snippet does not show %q: %s", hiddenWord, got)
		}
	})
}

// addStory stores a published, metered story of the publication's first
// section, its paragraphs in order.
func addStory(t *testing.T, site *apptest.Site, slug string, at time.Time, headline, standfirst string, paragraphs ...string) *content.Article {
	t.Helper()
	ctx := context.Background()
	secs, err := site.App.Store.Sections(ctx)
	if err != nil || len(secs) == 0 {
		t.Fatalf("sections: %v %v", secs, err)
	}
	a := &content.Article{Slug: slug, Headline: headline, Summary: standfirst, Body: strings.Join(paragraphs, "\n\n"),
		SectionID: secs[0].ID, Author: "Archive Desk", Access: content.Metered, Status: content.StatusPublished,
		PublishedAt: at, UpdatedAt: at}
	if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// assertLeadOnly checks the open page shows story a's first lead
// paragraphs, and none of the rest in its text or its HTML.
func assertLeadOnly(t *testing.T, b *tab, a *content.Article, lead int) {
	t.Helper()
	html, text := b.outerHTML("html"), b.pageText()
	for i, p := range a.Paragraphs() {
		shown := strings.Contains(text, p)
		inHTML := strings.Contains(html, p) || strings.Contains(html, template.HTMLEscapeString(p))
		switch {
		case i < lead && !shown:
			t.Errorf("lead paragraph %d is missing", i+1)
		case i >= lead && (shown || inHTML):
			t.Errorf("paragraph %d, past the lead, is in the page", i+1)
		}
	}
	if strings.Contains(strings.ToLower(html), hiddenWord) {
		t.Errorf("%q, past the lead, is in the page", hiddenWord)
	}
}

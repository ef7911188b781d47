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
	"broadsheet/internal/content"
	"broadsheet/internal/offer"
)

// verticalStories are the demo's stories in the market-insights vertical
// (The Smart Investor), newest first.
func verticalStories(t *testing.T, site *apptest.Site) []*content.Article {
	t.Helper()
	all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "smart-investor", nil, 50)
	if err != nil || len(all) < 2 {
		t.Fatalf("the demo's vertical stories: %d, %v", len(all), err)
	}
	for _, a := range all {
		if !a.Vertical {
			t.Fatalf("%s, in The Smart Investor, is not in the vertical", a.Slug)
		}
	}
	return all
}

const verticalHeading = "<h2>Market Analysis &amp; Investment Insights</h2>"

// A story of the market-insights vertical is read in full only with that
// benefit (or by staff): a visitor, a registered reader with free stories
// left and a subscriber whose plan leaves it out get its lead and a
// paywall naming the vertical and the plans that include it, on the page,
// in the API and in search, and it spends none of their free stories.
func TestVerticalStoriesNeedTheMarketInsightsBenefit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		includeOnly(t, site, admin, "smart-quarterly", offer.Premium, offer.Archive, offer.AdFree)
		// A word of the demo's cement story, past its lead, and in no
		// other story.
		const secret = "grinding"
		var story *content.Article
		for _, a := range verticalStories(t, site) {
			if strings.Contains(a.Body, secret) {
				story = a
			}
		}
		lead := site.App.Settings.Get().LeadParagraphs
		if story == nil || strings.Contains(strings.Join(story.Paragraphs()[:lead], " "), secret) {
			t.Fatalf("no vertical story has %q past its lead", secret)
		}

		visitor := site.NewBrowser()
		quarterly := subscribeTo(t, site, "registered reader", "smart-quarterly")
		for name, b := range map[string]*apptest.Browser{"visitor": visitor, "Smart Quarterly subscriber": quarterly} {
			before := meterRows(t, site)
			page := b.Get("/article/" + story.Slug)
			assertGated(t, page, story, lead)
			if !strings.Contains(page.Body, verticalHeading) ||
				!strings.Contains(page.Body, `This story is part of <a href="/insights">Market Analysis &amp; Investment Insights</a>. It is included in Smart Essential and Super Saver.`) {
				t.Errorf("%s: the paywall does not name the vertical and the plans that include it", name)
			}
			if strings.Contains(page.Body, `id="meter-notice"`) || meterRows(t, site) != before {
				t.Errorf("%s: a vertical story was counted against the meter", name)
			}
			if search := b.Get("/search?q=" + url.QueryEscape(secret)); strings.Contains(search.Body, "<mark>"+secret+"</mark>") {
				t.Errorf("%s: search shows a vertical story's words past its lead", name)
			}
		}
		if art := apiStory(t, site, "", story.Slug); art.Access.Granted || art.Access.Reason != "market_insights" || art.Article.Body != nil ||
			len(art.Article.Paragraphs) > lead {
			t.Errorf("API, visitor: %+v, %d paragraphs", art.Access, len(art.Article.Paragraphs))
		}

		subscriber := site.NewBrowser()
		logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
		editor := site.NewBrowser()
		logIn(t, editor, demoAccount(t, "editor"), "/")
		for name, b := range map[string]*apptest.Browser{"Smart Essential subscriber": subscriber, "editor": editor} {
			assertFull(t, b.Get("/article/"+story.Slug), story)
			if search := b.Get("/search?q=" + url.QueryEscape(secret)); !strings.Contains(search.Body, "<mark>"+secret+"</mark>") {
				t.Errorf("%s: search does not show the words of a vertical story they may read", name)
			}
		}
		token := apiToken(t, site, demoAccount(t, "subscriber"))
		if art := apiStory(t, site, token, story.Slug); !art.Access.Granted || art.Article.Body == nil {
			t.Errorf("API, Smart Essential subscriber: %+v", art.Access)
		}

		// The admin includes it in Smart Quarterly: its subscriber reads
		// it from the next page, and the paywall names the three plans.
		includeOnly(t, site, admin, "smart-quarterly", offer.Premium, offer.Archive, offer.AdFree, offer.MarketInsights)
		assertFull(t, quarterly.Get("/article/"+story.Slug), story)
		if page := visitor.Get("/article/" + story.Slug); !strings.Contains(page.Body, "It is included in Smart Quarterly, Smart Essential and Super Saver.") {
			t.Error("the paywall does not follow the plans' benefits")
		}
	})
}

// The vertical has its own page listing its stories, and only them, to
// every reader; a section of it says so and links there.
func TestVerticalHasItsOwnPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		page := site.NewBrowser().Get("/insights")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "<h1>Market Analysis &amp; Investment Insights</h1>") ||
			!strings.Contains(page.Body, "In-depth market analysis &amp; insights with access to The Smart Investor") {
			t.Fatalf("/insights: status %d, or no name and words of the vertical", page.Status)
		}
		for _, a := range verticalStories(t, site) {
			if !strings.Contains(page.Body, `href="/article/`+a.Slug+`"`) {
				t.Errorf("/insights does not list %s", a.Slug)
			}
		}
		free, premium := stories(t, site)
		for _, a := range append(free, premium...) {
			if !a.Vertical && strings.Contains(page.Body, `href="/article/`+a.Slug+`"`) {
				t.Errorf("/insights lists %s, which is not in the vertical", a.Slug)
			}
		}
		if section := site.NewBrowser().Get("/section/smart-investor"); !strings.Contains(section.Body, `id="vertical-note"`) {
			t.Error("a section of the vertical does not say so")
		}
		if section := site.NewBrowser().Get("/section/markets"); strings.Contains(section.Body, `id="vertical-note"`) {
			t.Error("a section outside the vertical says it is in it")
		}
		if resp := site.NewBrowser().Get("/insights?before=forged"); resp.Status != http.StatusBadRequest {
			t.Errorf("/insights with a forged cursor: status %d, want 400, as for a section", resp.Status)
		}
	})
}

// An admin puts a section in the vertical, and its stories are gated from
// the moment the servers follow the change; an editor may not, and a
// forged form changes nothing.
func TestAdminPutsASectionInTheVertical(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		secs, err := site.App.Store.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var economy content.Section
		for _, s := range secs {
			if s.Slug == "economy" {
				economy = s
			}
		}
		path := fmt.Sprintf("/admin/sections/%d/vertical", economy.ID)
		editor := site.NewBrowser()
		logIn(t, editor, demoAccount(t, "editor"), "/")
		if resp := editor.Post(path, url.Values{"vertical": {"1"}}); resp.Status != http.StatusForbidden {
			t.Errorf("an editor puts a section in the vertical: status %d, want 403", resp.Status)
		}
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		if resp := admin.Post(path, url.Values{"vertical": {"yes"}}); resp.Status != http.StatusBadRequest {
			t.Errorf("a forged value: status %d, want 400", resp.Status)
		}
		if resp := admin.Post("/admin/sections/987654/vertical", url.Values{"vertical": {"1"}}); resp.Status != http.StatusNotFound {
			t.Errorf("a section that does not exist: status %d, want 404", resp.Status)
		}
		list, err := site.App.Store.LatestArticles(ctx, site.Clock.Now(), "economy", nil, 10)
		if err != nil || len(list) == 0 {
			t.Fatalf("economy's stories: %v", err)
		}
		story := list[0]
		visitor := site.NewBrowser()
		if page := visitor.Get("/article/" + story.Slug); strings.Contains(page.Body, verticalHeading) {
			t.Fatal("a story outside the vertical has the vertical's paywall")
		}
		if resp := admin.Post(path, url.Values{"vertical": {"1"}}); resp.Status != http.StatusOK || !strings.Contains(resp.Body, `id="vertical-economy"`) {
			t.Fatalf("put Economy in the vertical: status %d", resp.Status)
		}
		site.RunJobs() // the servers follow the content change log
		page := site.NewBrowser().Get("/article/" + story.Slug)
		assertGated(t, page, story, site.App.Settings.Get().LeadParagraphs)
		if !strings.Contains(page.Body, verticalHeading) {
			t.Error("a story of a section put in the vertical does not have its paywall")
		}
		if insights := site.NewBrowser().Get("/insights"); !strings.Contains(insights.Body, `href="/article/`+story.Slug+`"`) {
			t.Error("/insights does not list the stories of a section put in the vertical")
		}
		if resp := admin.Post(path, url.Values{"vertical": {"0"}}); resp.Status != http.StatusOK {
			t.Fatalf("take Economy out of the vertical: status %d", resp.Status)
		}
		site.RunJobs()
		if page := site.NewBrowser().Get("/article/" + story.Slug); strings.Contains(page.Body, verticalHeading) {
			t.Error("a story of a section taken out of the vertical keeps its paywall")
		}
	})
}

// A story of the vertical that is free to everyone otherwise is still
// gated by the vertical everywhere a visitor may look: its page, the API,
// the site's and the section's feeds, search; a subscriber with the
// benefit reads it whole.
func TestAFreeVerticalStoryLeaksNowhere(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		secs, err := site.App.Store.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sectionID int64
		for _, s := range secs {
			if s.Slug == "smart-investor" {
				sectionID = s.ID
			}
		}
		const secret = "quinquereme"
		at := site.Clock.Now().Add(-time.Hour)
		a := &content.Article{Slug: "free-in-the-vertical", Headline: "A free note for investors", Summary: "Open to all, but in the vertical.",
			Body:      "First paragraph for everyone.\n\nSecond paragraph.\n\nThird paragraph.\n\nFourth paragraph.\n\nThe " + secret + " is the point.\n\nSixth paragraph.",
			SectionID: sectionID, Access: content.Free, PublishedAt: at, UpdatedAt: at}
		if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		site.RunJobs()
		visitor := site.NewBrowser()
		for _, path := range []string{"/article/" + a.Slug, "/feed.xml", "/section/smart-investor/feed.xml", "/search?q=" + secret,
			"/api/v1/articles/" + a.Slug, "/api/v1/search?q=" + secret, "/insights"} {
			resp := visitor.Get(path)
			if resp.Status != http.StatusOK {
				t.Errorf("%s: status %d", path, resp.Status)
			}
			if strings.Contains(resp.Body, secret) && !strings.Contains(path, "q="+secret) {
				t.Errorf("%s: a free story of the vertical leaks past its lead to a visitor", path)
			}
			if strings.Contains(path, "q=") && strings.Contains(resp.Body, "<mark>"+secret+"</mark>") {
				t.Errorf("%s: search shows the vertical story's words past its lead", path)
			}
		}
		subscriber := site.NewBrowser()
		logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
		assertFull(t, subscriber.Get("/article/"+a.Slug), a)
	})
}

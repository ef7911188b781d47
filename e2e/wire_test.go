package e2e_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/store/storetest"
)

// agencyFeed is an agency's RSS feed of two items, one with a script
// and a handler in its HTML.
const agencyFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Global Wire Service</title><link>https://wire.example/</link><description>Business</description>
<item><title>Cement makers raise prices by ₹10 a bag</title><guid isPermaLink="false">GWS-1</guid>
<dc:creator>GWS Markets Desk</dc:creator>
<description><![CDATA[<p>Cement makers in the south raised prices by ₹10 a bag from Monday.</p><p onclick="steal()">Dealers expect demand to hold through the building season.</p><script>alert(1)</script>]]></description></item>
<item><title>Tea auction prices ease at Kochi</title><guid isPermaLink="false">GWS-2</guid>
<description><![CDATA[<p>Prices of leaf tea eased at the Kochi auction this week.</p>]]></description></item>
</channel></rss>`

// TestEditorPublishesAWireStory: an editor adds an agency's feed (served
// on this machine) to be held for editing; once the site has polled it,
// its items wait as drafts among the stories; the editor publishes one,
// and a reader reads it, made safe, with the feed's disclaimer; the other
// stays unseen.
func TestEditorPublishesAWireStory(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site := apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) { c.WireAllowPrivate = true })
			agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
				io.WriteString(w, agencyFeed)
			}))
			t.Cleanup(agency.Close)
			editor := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
			reader := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
			signInAs(editor, demoAccount(t, "editor"))

			editor.navigate("/admin/articles")
			editor.clickAndLoad("#feeds-link")
			editor.typeInto("#feed-url", agency.URL+"/business.xml")
			editor.setValue("#feed-section", "markets")
			editor.do("hold the feed's stories", chromedp.Click(chromedp.CSS("#feed-hold"), chromedp.NodeVisible))
			editor.typeInto("#feed-source", "Global Wire Service")
			editor.clickAndLoad("#add-feed")
			if got := editor.text(".notice"); !strings.HasPrefix(got, "Feed added.") {
				t.Fatalf("after adding the feed: notice %q", got)
			}
			if got := editor.text("#feeds"); !strings.Contains(got, "held as drafts") || !strings.Contains(got, "Not polled yet") {
				t.Errorf("the new feed reads %q", got)
			}

			site.RunJobs() // the site polls the feed
			editor.navigate("/admin/feeds")
			if got := editor.text("#feeds"); !strings.Contains(got, "2 new, 0 updated, 0 unchanged, 0 refused") {
				t.Errorf("after the poll the feed reads %q", got)
			}
			editor.navigate("/admin/articles?state=draft")
			drafts := editor.text("#stories")
			for _, h := range []string{"Cement makers raise prices by ₹10 a bag", "Tea auction prices ease at Kochi"} {
				if !strings.Contains(drafts, h) {
					t.Errorf("the drafts lack %q: %q", h, drafts)
				}
			}
			editor.navigate("/admin/articles?state=draft&q=cement")
			editor.clickAndLoad("#stories a")
			slug := editor.value("#slug")
			if body := editor.value("#body"); strings.Contains(body, "script") || strings.Contains(body, "onclick") {
				t.Errorf("the draft keeps the feed's script: %q", body)
			}
			editor.setValue("#status", "published")
			editor.clickAndLoad("#save-story")
			if got := editor.text(".notice"); got != "Story saved." {
				t.Fatalf("after publishing: notice %q", got)
			}

			site.RunJobs()
			reader.navigate("/section/markets")
			reader.clickAndLoad(`a[href="/article/` + slug + `"]`)
			story := reader.text("article")
			publication := site.App.Settings.Get().Publication
			for _, want := range []string{"Cement makers in the south raised prices", "Dealers expect demand to hold",
				"Disclaimer: No " + publication + " journalist was involved in creation of this content"} {
				if !strings.Contains(story, want) {
					t.Errorf("the reader's story lacks %q: %q", want, story)
				}
			}
			if html := reader.outerHTML("article"); strings.Contains(html, "onclick") || strings.Contains(html, "<script") {
				t.Errorf("the story carries the feed's script: %s", html)
			}
			if strings.Contains(reader.pageText(), "Tea auction prices") {
				t.Error("the draft left held is on the section page")
			}
		})
	}
}

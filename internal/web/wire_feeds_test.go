package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/app"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/markup"
	"broadsheet/internal/media"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/wire"
)

// wireSite is a demo site that may fetch feeds from loopback, where the
// tests' feed servers are, and its database's address.
func wireSite(t *testing.T, engine string) (*apptest.Site, string) {
	t.Helper()
	dbURL := storetest.URL(t, engine)
	return apptest.NewSiteWith(t, dbURL, true, func(c *config.Config) { c.WireAllowPrivate = true }), dbURL
}

// agencyServer serves a file of the wire's testdata as an agency's RSS
// feed, or a 500 while failing is set.
func agencyServer(t *testing.T, file string, failing *atomic.Bool) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile("../wire/testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing != nil && failing.Load() {
			http.Error(w, "upstream down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// storyMain is the <main> of a page: the story, without the page's own
// head (whose JSON-LD is a script element).
func storyMain(t *testing.T, page string) string {
	t.Helper()
	i, j := strings.Index(page, `<main id="content">`), strings.Index(page, "</main>")
	if i < 0 || j < i {
		t.Fatalf("no <main> in %.300s", page)
	}
	return page[i:j]
}

// Editors and admins add a feed at /admin/feeds, readers and strangers
// cannot; bad settings are refused and add nothing. The running server
// polls it on its own; its stories are on the site, their hostile HTML
// made safe and their disclaimer at the end, and the console shows what
// the poll brought and what it refused, with why.
func TestEditorsAddWireFeedsReadersReadTheirStories(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, _ := wireSite(t, engine)
			ctx := context.Background()
			agency := agencyServer(t, "agency_rss.xml", nil)
			form := url.Values{"url": {agency.URL + "/business/rss.xml"}, "section": {"markets"}, "access": {"free"},
				"every": {"5m"}, "source": {"Global Wire Service"}, "disclaimer": {"Disclaimer: {{source}} copy, not edited by {{publication}}"}}

			if resp := site.NewBrowser().Get("/admin/feeds"); resp.URL != "/login" {
				t.Errorf("a stranger at /admin/feeds ends at %s", resp.URL)
			}
			reader := signedIn(t, site, "registered")
			if resp := reader.Get("/admin/feeds"); resp.Status != http.StatusForbidden {
				t.Errorf("a reader at /admin/feeds: %d", resp.Status)
			}
			if resp := reader.Post("/admin/feeds", form); resp.Status != http.StatusForbidden {
				t.Errorf("a reader adding a feed: %d", resp.Status)
			}
			editor := signedIn(t, site, "editor")
			bad := url.Values{"url": {"javascript:alert(1)"}, "section": {"nowhere"}, "every": {"1s"},
				"disclaimer": {"By {{nobody}}"}}
			resp := editor.Post("/admin/feeds", bad)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad settings: %d", resp.Status)
			}
			for _, field := range []string{"url", "section", "every", "disclaimer"} {
				if !strings.Contains(resp.Body, `data-field="`+field+`"`) {
					t.Errorf("no reason given for %s", field)
				}
			}
			if feeds, _ := site.App.Wire.Feeds(ctx); len(feeds) != 0 {
				t.Fatalf("a reader's or a bad feed was added: %d feeds", len(feeds))
			}
			if resp := editor.Post("/admin/feeds", form); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Feed added.") {
				t.Fatalf("add a feed: %d %s", resp.Status, resp.URL)
			}
			if resp := editor.Post("/admin/feeds", form); resp.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(resp.Body, "already configured") {
				t.Errorf("the same feed again: %d", resp.Status)
			}

			site.RunJobs() // the scheduler finds it due, and a worker polls it
			list := editor.Get("/admin/feeds").Body
			for _, want := range []string{"4 new, 0 updated, 0 unchanged, 3 refused", "neither a GUID nor a link to know it by",
				"it has no title", "no text once its HTML is made safe", "Global Wire Service"} {
				if !strings.Contains(list, want) {
					t.Errorf("the console does not say %q", want)
				}
			}

			site.RunJobs() // the lists follow the change log
			section := site.NewBrowser().Get("/section/markets").Body
			if !strings.Contains(section, "Rupee firms 12 paise to 83.14 against US dollar in early trade") {
				t.Errorf("the section does not list the wire story")
			}
			rupee := storyBySlugPrefix(t, site, "rupee-firms-12-paise")
			page := site.NewBrowser().Get("/article/" + rupee)
			if page.Status != http.StatusOK {
				t.Fatalf("the wire story: %d", page.Status)
			}
			main := storyMain(t, page.Body)
			publication := site.App.Settings.Get().Publication
			for _, want := range []string{"foreign fund inflows &amp; a dip in crude prices", "Global Wire Service",
				"Disclaimer: Global Wire Service copy, not edited by " + publication} {
				if !strings.Contains(main, want) {
					t.Errorf("the story page lacks %q", want)
				}
			}
			for _, bad := range []string{"<script", "onclick", "onerror", "onmouseover", "<iframe", "style="} {
				if strings.Contains(main, bad) {
					t.Errorf("the story page carries %q", bad)
				}
			}
			for _, bad := range []string{"javascript:alert", "evil.example", "ads.example", "document.cookie"} {
				if strings.Contains(page.Body, bad) {
					t.Errorf("the page carries %q", bad)
				}
			}
			hindi := site.NewBrowser().Get("/article/" + url.PathEscape(storyBySlugPrefix(t, site, "सेंसेक्स")))
			if !strings.Contains(hindi.Body, "बीएसई सेंसेक्स 200 अंक चढ़कर") {
				t.Errorf("the Hindi story: %d", hindi.Status)
			}
		})
	}
}

// storyBySlugPrefix is the slug of the story whose slug starts so.
func storyBySlugPrefix(t *testing.T, site *apptest.Site, prefix string) string {
	t.Helper()
	all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "", nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if strings.HasPrefix(a.Slug, prefix) {
			return a.Slug
		}
	}
	t.Fatalf("no published story at %s…", prefix)
	return ""
}

// A feed that fails shows the reason and the time in the console, and is
// polled again after its back-off; once its server answers, its stories
// come and the failure goes. A held feed's stories are drafts no reader
// can open.
func TestWireFeedFailuresShowInTheConsole(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, _ := wireSite(t, engine)
			var failing atomic.Bool
			failing.Store(true)
			agency := agencyServer(t, "agency_rss.xml", &failing)
			editor := signedIn(t, site, "editor")
			editor.Post("/admin/feeds", url.Values{"url": {agency.URL + "/rss"}, "section": {"markets"}, "hold": {"1"}, "every": {"15m"}})
			site.RunJobs()
			list := editor.Get("/admin/feeds").Body
			if !strings.Contains(list, "the feed&#39;s server answered 500 Internal Server Error") ||
				!strings.Contains(list, "Failed 15 Nov 2026 10:00") || !strings.Contains(list, "Next try 15 Nov 2026 10:01") {
				t.Errorf("the console does not show the failure: %s", storyMain(t, list))
			}
			failing.Store(false)
			site.RunJobs()
			if !strings.Contains(editor.Get("/admin/feeds").Body, "Failed") {
				t.Errorf("polled again before its back-off was over")
			}
			site.Clock.Advance(time.Minute)
			site.RunJobs()
			list = editor.Get("/admin/feeds").Body
			if strings.Contains(list, "feed-error") || !strings.Contains(list, "4 new, 0 updated") ||
				!strings.Contains(list, "held as drafts") {
				t.Errorf("the console after the feed recovered: %s", storyMain(t, list))
			}
			drafts, err := site.App.Store.ListStories(context.Background(), content.StoryFilter{State: "draft", Limit: 50, Now: site.Clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			held := 0
			for _, a := range drafts {
				if a.WireSource != "" {
					held++
					if resp := site.NewBrowser().Get("/article/" + url.PathEscape(a.Slug)); resp.Status != http.StatusNotFound {
						t.Errorf("a held story answers %d to a reader", resp.Status)
					}
				}
			}
			if held != 4 {
				t.Errorf("%d wire drafts, want 4", held)
			}
		})
	}
}

// `broadsheet ingest` beside a running server, on the same database:
// the server serves the stories it ingests, and a newer version of one
// replaces the copy it kept, as the change log tells it.
func TestIngestBesideARunningServerIsServed(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, dbURL := wireSite(t, engine)
			ctx := context.Background()
			version := atomic.Value{}
			version.Store("first")
			agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><item>
					<title>Port strike ends</title><guid>urn:strike</guid>
					<description><![CDATA[<p>Dockworkers returned to work, the `+version.Load().(string)+` report said.</p>]]></description>
					</item></channel></rss>`)
			}))
			t.Cleanup(agency.Close)

			// Another process: its own store on the database, and the
			// wire as the command line builds it.
			st, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			cache, err := settings.NewCache(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			news := &newsroom.Service{Store: st, Media: media.Dir(t.TempDir()), Now: site.Clock.Now, Markup: markup.New()}
			cli := app.NewWire(st, news, &config.Config{WireAllowPrivate: true, BaseURL: "http://cli"}, site.Clock, cache,
				slog.New(slog.NewTextHandler(io.Discard, nil)))
			if _, err := cli.AddFeed(ctx, wire.FeedInput{URL: agency.URL, Section: "markets", Access: "free"}); err != nil {
				t.Fatal(err)
			}
			ingest := func() {
				t.Helper()
				if err := cli.PollAll(ctx, func(r wire.Result) {
					if r.Err != nil {
						t.Errorf("ingest: %v", r.Err)
					}
				}); err != nil {
					t.Fatal(err)
				}
			}
			ingest()
			reader := site.NewBrowser()
			if page := reader.Get("/article/port-strike-ends"); !strings.Contains(page.Body, "the first report said") {
				t.Fatalf("the running server does not serve the ingested story: %d", page.Status)
			}
			version.Store("second")
			site.Clock.Advance(wire.DefaultEvery)
			ingest()
			site.RunJobs() // the server follows the change log
			if page := reader.Get("/article/port-strike-ends"); !strings.Contains(page.Body, "the second report said") {
				t.Errorf("the running server still serves the first version")
			}
		})
	}
}

// A section a wire feed files into is not deleted from under it: the
// editor is told why, and the feed and section stay. Admins manage feeds
// as editors do.
func TestSectionOfAFeedIsNotDeleted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := signedIn(t, site, "admin")
		desk := addSection(t, site, admin, "Wire Desk")
		if resp := admin.Post("/admin/feeds", url.Values{"url": {"https://agency.example/rss"}, "section": {desk.Slug},
			"every": {"1h"}}); resp.Status != http.StatusOK {
			t.Fatalf("an admin adds a feed: %d", resp.Status)
		}
		resp := admin.Post("/admin/sections/"+strconv.FormatInt(desk.ID, 10), url.Values{"do": {"delete"}})
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "a wire feed files into it") {
			t.Errorf("delete a feed's section: %d", resp.Status)
		}
		feeds, err := site.App.Wire.Feeds(context.Background())
		if err != nil || len(feeds) != 1 || feeds[0].SectionSlug != desk.Slug {
			t.Fatalf("the feed after the refused delete: %v %v", feeds, err)
		}
		// Once the feed is deleted, the section may go.
		admin.Post("/admin/feeds/"+strconv.FormatInt(feeds[0].ID, 10), url.Values{"do": {"delete"}})
		resp = admin.Post("/admin/sections/"+strconv.FormatInt(desk.ID, 10), url.Values{"do": {"delete"}})
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Sections saved.") {
			t.Errorf("delete the section of a deleted feed: %d", resp.Status)
		}
	})
}

// An editor changes a feed's settings (bad ones refused, changing
// nothing), asks for a poll now, and deletes it: its stories stay. A
// reader can do none of it; a feed that is not there is 404.
func TestEditorsChangePollAndDeleteFeeds(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, _ := wireSite(t, engine)
			ctx := context.Background()
			agency := agencyServer(t, "agency_rss.xml", nil)
			editor := signedIn(t, site, "editor")
			editor.Post("/admin/feeds", url.Values{"url": {agency.URL}, "section": {"markets"}, "every": {"30m"}})
			feeds, _ := site.App.Wire.Feeds(ctx)
			if len(feeds) != 1 {
				t.Fatalf("%d feeds", len(feeds))
			}
			path := "/admin/feeds/" + strconv.FormatInt(feeds[0].ID, 10)
			site.RunJobs()
			form := editor.Get(path)
			if form.Status != http.StatusOK || !strings.Contains(form.Body, `value="30m"`) || !strings.Contains(form.Body, "4 new") {
				t.Fatalf("the feed's page: %d", form.Status)
			}
			reader := signedIn(t, site, "registered")
			for _, do := range []string{"save", "poll", "delete"} {
				if resp := reader.Post(path, url.Values{"do": {do}, "url": {"https://x.example/"}, "section": {"markets"}}); resp.Status != http.StatusForbidden {
					t.Errorf("a reader's %s: %d", do, resp.Status)
				}
			}
			if resp := editor.Post(path, url.Values{"do": {"save"}, "url": {agency.URL}, "section": {"markets"}, "every": {"2d"}}); resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("a bad interval: %d", resp.Status)
			}
			if f, _ := site.App.Wire.Feed(ctx, feeds[0].ID); f.Every != 30*time.Minute {
				t.Errorf("a refused change changed the interval to %s", f.Every)
			}
			if resp := editor.Post(path, url.Values{"do": {"save"}, "url": {agency.URL}, "section": {"markets"}, "every": {"1h"},
				"access": {"premium"}, "hold": {"1"}}); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Feed saved.") {
				t.Errorf("save: %d", resp.Status)
			}
			f, _ := site.App.Wire.Feed(ctx, feeds[0].ID)
			if f.Every != time.Hour || f.Access != "premium" || !f.Hold || !f.NextPollAt.Equal(site.Clock.Now().Add(30*time.Minute)) {
				t.Errorf("after saving: %+v", f)
			}
			// A shorter interval counts from the last poll.
			editor.Post(path, url.Values{"do": {"save"}, "url": {agency.URL}, "section": {"markets"}, "every": {"10m"}})
			if f, _ := site.App.Wire.Feed(ctx, feeds[0].ID); !f.NextPollAt.Equal(site.Clock.Now().Add(10 * time.Minute)) {
				t.Errorf("after a shorter interval the next poll is at %s", f.NextPollAt)
			}
			if resp := editor.Post(path, url.Values{"do": {"poll"}}); !strings.Contains(resp.Body, "polled within a minute") {
				t.Errorf("poll now: %d", resp.Status)
			}
			if f, _ := site.App.Wire.Feed(ctx, feeds[0].ID); !f.NextPollAt.Equal(site.Clock.Now()) {
				t.Errorf("poll now leaves the next poll at %s", f.NextPollAt)
			}
			if resp := editor.Post(path, url.Values{"do": {"shout"}}); resp.Status != http.StatusBadRequest {
				t.Errorf("an unknown action: %d", resp.Status)
			}
			if resp := editor.Post(path, url.Values{"do": {"delete"}}); !strings.Contains(resp.Body, "Feed deleted.") {
				t.Errorf("delete: %d", resp.Status)
			}
			if left, _ := site.App.Wire.Feeds(ctx); len(left) != 0 {
				t.Errorf("%d feeds after deleting", len(left))
			}
			if resp := site.NewBrowser().Get("/article/" + storyBySlugPrefix(t, site, "rupee-firms")); resp.Status != http.StatusOK {
				t.Errorf("a deleted feed's story: %d", resp.Status)
			}
			for _, p := range []string{path, "/admin/feeds/0", "/admin/feeds/x"} {
				if resp := editor.Get(p); resp.Status != http.StatusNotFound {
					t.Errorf("GET %s: %d", p, resp.Status)
				}
			}
			// Added again, the feed comes back knowing its items: none is
			// published a second time.
			if resp := editor.Post("/admin/feeds", url.Values{"url": {agency.URL}, "section": {"markets"}}); !strings.Contains(resp.Body, "Feed added.") {
				t.Fatalf("add the deleted feed again: %d", resp.Status)
			}
			site.RunJobs()
			if list := editor.Get("/admin/feeds").Body; !strings.Contains(list, "0 new, 0 updated, 4 unchanged, 3 refused") {
				t.Errorf("the feed added again: %s", storyMain(t, list))
			}
			wireStories := 0
			all, _ := site.App.Store.ListStories(ctx, content.StoryFilter{Limit: 200, Now: site.Clock.Now()})
			for _, a := range all {
				if a.WireSource != "" && a.WireSource != "Global Wire Service" {
					wireStories++
				}
			}
			if wireStories != 4 {
				t.Errorf("%d wire stories after the feed came back, want 4", wireStories)
			}
		})
	}
}

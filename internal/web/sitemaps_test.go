package web_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/store/storetest"
)

type sitemapIndex struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Maps    []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

type urlSet struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			Name     string `xml:"publication>name"`
			Language string `xml:"publication>language"`
			Date     string `xml:"publication_date"`
			Title    string `xml:"title"`
		} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
	} `xml:"url"`
}

// getXML fetches path and reads it into v, failing unless it is served as
// XML.
func getXML(t *testing.T, site *apptest.Site, path string, v any) string {
	t.Helper()
	resp := site.NewBrowser().Get(path)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("%s: status %d, type %q", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	if err := xml.Unmarshal([]byte(resp.Body), v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, resp.Body)
	}
	return resp.Body
}

// eachSiteWith runs fn on a demo site per engine, configured by configure.
func eachSiteWith(t *testing.T, configure func(*config.Config), fn func(t *testing.T, site *apptest.Site)) {
	t.Helper()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { fn(t, apptest.NewSiteWith(t, storetest.URL(t, engine), true, configure)) })
	}
}

// storySitemaps reads the sitemap index and every stories file it names,
// and returns the stories' addresses in the files' order, failing if a
// file lists more than perFile or an address twice.
func storySitemaps(t *testing.T, site *apptest.Site, perFile int) []string {
	t.Helper()
	var idx sitemapIndex
	getXML(t, site, "/sitemap.xml", &idx)
	if len(idx.Maps) < 2 || idx.Maps[0].Loc != site.URL+"/sitemaps/pages.xml" || idx.Maps[1].Loc != site.URL+"/sitemaps/news.xml" {
		t.Fatalf("the index does not start with the pages and news sitemaps: %+v", idx.Maps)
	}
	var locs []string
	seen := map[string]bool{}
	for i, m := range idx.Maps[2:] {
		path := "/sitemaps/stories/" + strconv.Itoa(i+1) + ".xml"
		if m.Loc != site.URL+path {
			t.Fatalf("file %d of the index is %s, want %s", i+1, m.Loc, path)
		}
		var set urlSet
		getXML(t, site, path, &set)
		if len(set.URLs) == 0 || len(set.URLs) > perFile {
			t.Errorf("%s lists %d stories, want 1 to %d", path, len(set.URLs), perFile)
		}
		for _, u := range set.URLs {
			if seen[u.Loc] {
				t.Errorf("%s lists %s again", path, u.Loc)
			}
			if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
				t.Errorf("%s: %s lastmod %q: %v", path, u.Loc, u.LastMod, err)
			}
			seen[u.Loc] = true
			locs = append(locs, u.Loc)
		}
	}
	return locs
}

// The sitemap index names files of at most the configured number of
// stories (here 4, 50,000 in production), which together list every
// published story once, oldest first, and none that is not out: a draft,
// a story scheduled for later. A story scheduled comes into the sitemap
// when its time comes, with no change to tell of it.
func TestSitemapIndexSplitsTheStories(t *testing.T) {
	eachSiteWith(t, func(c *config.Config) { c.SitemapURLs = 4 }, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		seoStory{slug: "map-premium", access: content.Premium, age: time.Hour, secret: true}.add(t, site)
		scheduled := seoStory{slug: "map-scheduled", access: content.Free, age: -5 * time.Minute}.add(t, site)
		draft := seoStory{slug: "map-draft", access: content.Free, age: time.Hour}.add(t, site)
		d := *draft
		d.Status = content.StatusDraft
		if err := site.App.Store.SaveStory(ctx, &d, 0, nil, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		published, err := site.App.Store.LatestArticles(ctx, site.Clock.Now(), "", nil, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		// Fill the last file, so that the scheduled story needs a file of
		// its own.
		for i := range (4 - len(published)%4) % 4 {
			seoStory{slug: "map-filler-" + strconv.Itoa(i), access: content.Free, age: time.Minute}.add(t, site)
		}
		refresh(site)
		if published, err = site.App.Store.LatestArticles(ctx, site.Clock.Now(), "", nil, 10_000); err != nil {
			t.Fatal(err)
		}
		locs := storySitemaps(t, site, 4)
		if want := len(published); len(locs) != want {
			t.Fatalf("the sitemaps list %d stories, want the %d published", len(locs), want)
		}
		// Oldest first: the reverse of the newest-first list.
		for i, a := range published {
			if want := site.URL + "/article/" + a.Slug; locs[len(locs)-1-i] != want {
				t.Errorf("place %d of the sitemaps is %s, want %s", len(locs)-1-i, locs[len(locs)-1-i], want)
			}
		}
		files := (len(published) + 3) / 4
		for _, bad := range []string{"0.xml", strconv.Itoa(files+1) + ".xml", "1", "one.xml", "-1.xml"} {
			if resp := site.NewBrowser().Get("/sitemaps/stories/" + bad); resp.Status != http.StatusNotFound {
				t.Errorf("/sitemaps/stories/%s: status %d, want 404", bad, resp.Status)
			}
		}
		body := strings.Join(locs, "\n")
		for _, a := range []*content.Article{scheduled, draft} {
			if strings.Contains(body, "/article/"+a.Slug) {
				t.Errorf("the sitemaps list %s, which is not out", a.Slug)
			}
		}

		// Sooner than the index is built again in any case.
		site.Clock.Advance(6 * time.Minute)
		locs = storySitemaps(t, site, 4)
		if len(locs) != len(published)+1 || locs[len(locs)-1] != site.URL+"/article/"+scheduled.Slug {
			t.Errorf("once out, the scheduled story is not last in the sitemaps (%d listed)", len(locs))
		}
		var set urlSet
		getXML(t, site, "/sitemaps/stories/"+strconv.Itoa(files+1)+".xml", &set)
		if len(set.URLs) != 1 {
			t.Errorf("the file after the full ones lists %d stories, want the one scheduled", len(set.URLs))
		}

		var pages urlSet
		getXML(t, site, "/sitemaps/pages.xml", &pages)
		secs, _ := site.App.Store.Sections(ctx)
		if len(pages.URLs) < 2+len(secs) || pages.URLs[0].Loc != site.URL+"/" ||
			!strings.Contains(pages.URLs[2+len(secs)].Loc, "/author/") {
			t.Errorf("the pages' sitemap lists %+v", pages.URLs)
		}
	})
}

// The news sitemap lists the stories of the last 48 hours, newest first,
// by headline and date: a story drops out when it turns 48 hours old, and
// one scheduled comes in when it is out.
func TestNewsSitemapCoversTwoDays(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		hour := seoStory{slug: "news-an-hour-ago", access: content.Premium, age: time.Hour, secret: true}.add(t, site)
		two := seoStory{slug: "news-47-hours-ago", access: content.Metered, age: 48*time.Hour - 5*time.Minute, secret: true}.add(t, site)
		old := seoStory{slug: "news-49-hours-ago", access: content.Free, age: 49 * time.Hour}.add(t, site)
		soon := seoStory{slug: "news-in-five-minutes", access: content.Free, age: -5 * time.Minute}.add(t, site)
		refresh(site)

		news := func() (map[string]string, string) {
			var set urlSet
			body := getXML(t, site, "/sitemaps/news.xml", &set)
			now := site.Clock.Now()
			titles := map[string]string{}
			var last time.Time
			for i, u := range set.URLs {
				at, err := time.Parse(time.RFC3339, u.News.Date)
				if err != nil || at.After(now) || now.Sub(at) > 48*time.Hour || i > 0 && at.After(last) {
					t.Errorf("%s: publication date %q (%v) outside the last 48 hours or out of order", u.Loc, u.News.Date, err)
				}
				last = at
				if u.News.Name != site.App.Settings.Get().Publication || u.News.Language != "en" {
					t.Errorf("%s: publication %q, language %q", u.Loc, u.News.Name, u.News.Language)
				}
				titles[strings.TrimPrefix(u.Loc, site.URL+"/article/")] = u.News.Title
			}
			return titles, body
		}
		titles, body := news()
		for _, a := range []*content.Article{hour, two} {
			if titles[a.Slug] != a.Headline {
				t.Errorf("the news sitemap lists %s as %q, want %q", a.Slug, titles[a.Slug], a.Headline)
			}
		}
		for _, a := range []*content.Article{old, soon} {
			if _, ok := titles[a.Slug]; ok {
				t.Errorf("the news sitemap lists %s", a.Slug)
			}
		}
		if strings.Contains(body, gatedWord) || strings.Contains(body, paragraph(hour.Slug, 1)) {
			t.Error("the news sitemap carries a story's text")
		}

		// Sooner than the news sitemap is built again in any case.
		site.Clock.Advance(6 * time.Minute)
		titles, _ = news()
		if _, ok := titles[two.Slug]; ok {
			t.Error("a story just over 48 hours old is still in the news sitemap")
		}
		if _, ok := titles[soon.Slug]; !ok {
			t.Error("a story out a minute ago is not in the news sitemap")
		}
	})
}

// robots.txt keeps crawlers out of accounts, checkout and the console,
// and points them to the sitemap index.
func TestRobots(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		resp := site.NewBrowser().Get("/robots.txt")
		if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("status %d, type %q", resp.Status, resp.Header.Get("Content-Type"))
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(resp.Body, "\n") {
			lines[l] = true
		}
		for _, want := range []string{"User-agent: *", "Disallow: /admin", "Disallow: /account", "Disallow: /api/", "Disallow: /checkout/",
			"Sitemap: " + site.URL + "/sitemap.xml"} {
			if !lines[want] {
				t.Errorf("robots.txt lacks %q:\n%s", want, resp.Body)
			}
		}
		for l := range lines {
			if rule, ok := strings.CutPrefix(l, "Disallow: "); ok && (strings.HasPrefix("/article/", rule) || rule == "/" || strings.HasPrefix("/section/", rule)) {
				t.Errorf("robots.txt keeps crawlers from stories: %q", l)
			}
		}
	})
}

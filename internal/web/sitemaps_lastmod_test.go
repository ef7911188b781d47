package web_test

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
)

type datedIndex struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Maps    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

// indexDates reads the sitemap index as each file's lastmod by path,
// failing on a file without one.
func indexDates(t *testing.T, site *apptest.Site) map[string]time.Time {
	t.Helper()
	var idx datedIndex
	getXML(t, site, "/sitemap.xml", &idx)
	out := map[string]time.Time{}
	for _, m := range idx.Maps {
		at, err := time.Parse(time.RFC3339, m.LastMod)
		if err != nil {
			t.Fatalf("%s has lastmod %q: %v", m.Loc, m.LastMod, err)
		}
		out[strings.TrimPrefix(m.Loc, site.URL)] = at
	}
	return out
}

// The sitemap index gives each file its lastmod: a stories file the latest
// change among its stories (each of which its file dates too), the pages
// the latest change of all. A story edited dates its own file anew and
// leaves the others as they were. The pages' sitemap lists the author of
// each story out, and not an author of drafts alone, whose name is not
// public yet.
func TestSitemapsSayWhenEachFileLastChanged(t *testing.T) {
	eachSiteWith(t, func(c *config.Config) { c.SitemapURLs = 4 }, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		draft := seoStory{slug: "lastmod-draft", access: content.Free, age: time.Hour, author: "Zubin Unpublished"}.add(t, site)
		d := *draft
		d.Status = content.StatusDraft
		if err := site.App.Store.SaveStory(ctx, &d, 0, nil, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		refresh(site)
		before := indexDates(t, site)
		var newest time.Time
		first := ""
		for path, at := range before {
			if !strings.HasPrefix(path, "/sitemaps/stories/") {
				continue
			}
			var set urlSet
			getXML(t, site, path, &set)
			var latest time.Time
			for _, u := range set.URLs {
				when, _ := time.Parse(time.RFC3339, u.LastMod)
				if when.After(latest) {
					latest = when
				}
			}
			if !at.Equal(latest) {
				t.Errorf("%s is dated %s in the index, its latest story %s", path, at, latest)
			}
			if at.After(newest) {
				newest = at
			}
			if path == "/sitemaps/stories/1.xml" {
				first = strings.TrimPrefix(set.URLs[0].Loc, site.URL+"/article/")
			}
		}
		if len(before) < 4 || !before["/sitemaps/pages.xml"].Equal(newest) || before["/sitemaps/news.xml"].After(newest) {
			t.Fatalf("the index's dates: %v", before)
		}

		// The oldest story, in the first file, is corrected.
		site.Clock.Advance(time.Hour)
		pub, err := site.App.Store.ArticleBySlug(ctx, first, site.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		a, err := site.App.Store.StoryByID(ctx, pub.ID)
		if err != nil {
			t.Fatal(err)
		}
		a.Headline += " (corrected)"
		if err := site.App.Store.SaveStory(ctx, a, 0, []string{"headline"}, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		refresh(site)
		after := indexDates(t, site)
		now := site.Clock.Now().UTC().Truncate(time.Second)
		for path, at := range after {
			switch path {
			case "/sitemaps/stories/1.xml", "/sitemaps/pages.xml":
				if !at.Equal(now) {
					t.Errorf("%s is dated %s after a story in it changed at %s", path, at, now)
				}
			default:
				if !at.Equal(before[path]) {
					t.Errorf("%s was dated %s, now %s, though none of its stories changed", path, before[path], at)
				}
			}
		}

		var pages urlSet
		body := getXML(t, site, "/sitemaps/pages.xml", &pages)
		if !strings.Contains(body, "<loc>"+site.URL+"/author/meera-iyer</loc>") || strings.Contains(body, "zubin") {
			t.Errorf("the pages' sitemap lists the wrong authors:\n%s", body)
		}
		for _, u := range pages.URLs[:2] {
			if at, err := time.Parse(time.RFC3339, u.LastMod); err != nil || !at.Equal(now) {
				t.Errorf("%s is dated %q", u.Loc, u.LastMod)
			}
		}
	})
}

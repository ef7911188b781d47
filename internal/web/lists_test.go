package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

var (
	listedStory = regexp.MustCompile(`<li><a href="/article/([^"]+)">`)
	olderLink   = regexp.MustCompile(`<a href="([^"]+)" id="older" rel="next">`)
)

// walkPages reads a list page and each older page after it, and returns
// the story slugs in the order listed and how many pages there were.
func walkPages(t *testing.T, b *apptest.Browser, path string) (slugs []string, pages int) {
	t.Helper()
	for path != "" && pages < 20 {
		resp := b.Get(path)
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.Status)
		}
		pages++
		on := listedStory.FindAllStringSubmatch(resp.Body, -1)
		if len(on) > content.PageSize {
			t.Errorf("%s lists %d stories, more than a page's %d", path, len(on), content.PageSize)
		}
		for _, m := range on {
			slugs = append(slugs, m[1])
		}
		path = ""
		if m := olderLink.FindStringSubmatch(resp.Body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return slugs, pages
}

// newestFirst is the slugs of the stories readers may find at now, newest
// first, later id first among stories of one time.
func newestFirst(list []*content.Article, now time.Time) []string {
	var out []*content.Article
	for _, a := range list {
		if a.Visible(now) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PublishedAt.Equal(out[j].PublishedAt) {
			return out[i].PublishedAt.After(out[j].PublishedAt)
		}
		return out[i].ID > out[j].ID
	})
	slugs := make([]string, len(out))
	for i, a := range out {
		slugs[i] = a.Slug
	}
	return slugs
}

// The pages of a section, an author and a tag list only the stories
// readers may find, newest first, and walking their "Older stories" links
// shows each exactly once, ties in time included.
func TestSectionAuthorAndTagPagesWalkEveryPublishedStoryOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		if resp := editor.Post("/admin/sections", url.Values{"name": {"Monsoon Desk"}}); resp.Status != http.StatusOK {
			t.Fatalf("add a section: status %d", resp.Status)
		}
		var desk content.Section
		secs, _ := site.App.Store.Sections(ctx)
		for _, sec := range secs {
			if sec.Slug == "monsoon-desk" {
				desk = sec
			}
		}
		if desk.ID == 0 {
			t.Fatalf("no section monsoon-desk among %v", secs)
		}

		// 120 stories by one author with one tag, three at each time so
		// that pages end inside a tie, imported in one go.
		now := site.Clock.Now()
		var imported []*content.Article
		for i := range 120 {
			imported = append(imported, &content.Article{
				Slug: "rain-report-" + strconv.Itoa(i), Headline: "Rain report " + strconv.Itoa(i), Body: "It rained.",
				SectionID: desk.ID, Author: "Asha Rao", Tags: []content.Tag{{Name: "Monsoon"}}, Access: content.Free,
				PublishedAt: now.Add(-time.Duration(i/3) * time.Hour), UpdatedAt: now,
			})
		}
		if err := site.App.Store.ImportArticles(ctx, imported); err != nil {
			t.Fatal(err)
		}
		// Stories readers may not find, saved through the console: a
		// draft, one scheduled for tomorrow, one taken down.
		hidden := []url.Values{
			storyFields("headline", "Draft about the rain", "section", "monsoon-desk", "authors", "Asha Rao", "tags", "Monsoon", "status", "draft"),
			storyFields("headline", "Rain tomorrow", "section", "monsoon-desk", "authors", "Asha Rao", "tags", "Monsoon",
				"status", "scheduled", "publish_at", "2026-11-16T09:00"),
			storyFields("headline", "Rain withdrawn", "section", "monsoon-desk", "authors", "Asha Rao", "tags", "Monsoon", "status", "unpublished"),
		}
		var all []*content.Article
		for _, f := range hidden {
			all = append(all, storyByID(t, site, newStory(t, editor, f)))
		}
		all = append(all, imported...)
		want := newestFirst(all, site.Clock.Now())
		if len(want) != 120 {
			t.Fatalf("%d stories readers may find, want 120", len(want))
		}

		site.RunJobs() // the new section is read anew
		reader := site.NewBrowser()
		for _, path := range []string{"/section/monsoon-desk", "/author/asha-rao", "/tag/monsoon"} {
			got, pages := walkPages(t, reader, path)
			if !slices.Equal(got, want) {
				t.Errorf("%s over %d pages lists %d stories, want the %d published newest first, each once:\ngot  %v\nwant %v",
					path, pages, len(got), len(want), got, want)
			}
			if pages != 3 {
				t.Errorf("%s: %d pages, want 3 of at most %d", path, pages, content.PageSize)
			}
		}
		for _, path := range []string{"/author/asha-rao?before=yesterday", "/tag/monsoon?before=1.x"} {
			if resp := reader.Get(path); resp.Status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, resp.Status)
			}
		}
	})
}

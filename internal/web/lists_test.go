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
		// A cursor this site did not write, however it is made, is a
		// clear 400 on every list, and never a 500.
		for _, before := range []string{
			"yesterday", "1.x", "1.0", "1.-5", "1", ".", "1.2.3", " 1.2", "1.2 ", "%00", "1e9.1",
			"9223372036854775808.1", "1.9223372036854775808", "0x10.1", "１.１", strings.Repeat("9", 10_000) + ".1",
		} {
			for _, list := range []string{"/section/monsoon-desk", "/author/asha-rao", "/tag/monsoon"} {
				path := list + "?before=" + url.QueryEscape(before)
				resp := reader.Get(path)
				if resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "That page of stories does not exist") {
					t.Errorf("GET %s: status %d, want 400 saying the page does not exist", path, resp.Status)
				}
			}
		}
	})
}

// A reader paging back through a section, an author or a tag while the
// newsroom publishes, backdates and schedules stories sees each story
// that stays where it was exactly once: the next page starts after the
// last story shown, not at a count of stories that has moved. A story
// backdated to 1998 through the console moves to the end of each list,
// and a scheduled one joins the top when its time comes.
func TestListPagesHoldTheirPlaceWhileTheNewsroomWorks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		now := site.Clock.Now()
		secs, err := site.App.Store.Sections(ctx)
		if err != nil || len(secs) == 0 {
			t.Fatalf("sections: %v %v", secs, err)
		}
		var stories []*content.Article
		for i := range 70 {
			stories = append(stories, &content.Article{
				Slug: "port-call-" + strconv.Itoa(i), Headline: "Port call " + strconv.Itoa(i), Body: "A ship came in.",
				SectionID: secs[0].ID, Author: "Zarin Vakil", Tags: []content.Tag{{Name: "Dry Docks"}},
				Access: content.Free, PublishedAt: now.Add(-time.Duration(i/2) * time.Hour), UpdatedAt: now,
			})
		}
		if err := site.App.Store.ImportArticles(ctx, stories); err != nil {
			t.Fatal(err)
		}
		site.RunJobs()
		lists := []string{"/author/zarin-vakil", "/tag/dry-docks"}
		reader := site.NewBrowser()
		var firstPages [][]string
		var older []string
		for _, path := range lists {
			resp := reader.Get(path)
			var slugs []string
			for _, m := range listedStory.FindAllStringSubmatch(resp.Body, -1) {
				slugs = append(slugs, m[1])
			}
			m := olderLink.FindStringSubmatch(resp.Body)
			if resp.Status != http.StatusOK || len(slugs) != content.PageSize || m == nil {
				t.Fatalf("GET %s: status %d, %d stories, older link %v", path, resp.Status, len(slugs), m)
			}
			firstPages = append(firstPages, slugs)
			older = append(older, strings.ReplaceAll(m[1], "&amp;", "&"))
		}

		// Meanwhile: two new stories, one of the first page's moved to
		// 1998, one scheduled for two hours on.
		for i := range 2 {
			newStory(t, editor, storyFields("headline", "Fresh cargo "+strconv.Itoa(i), "authors", "Zarin Vakil", "tags", "Dry Docks"))
		}
		moved := stories[10]
		a := storyByID(t, site, moved.ID)
		form := storyFields("headline", a.Headline, "body", a.Body, "authors", "Zarin Vakil", "tags", "Dry Docks",
			"access", "free", "publish_at", "1998-03-04T09:00", "revision", strconv.Itoa(a.Revision))
		if resp := editor.Post("/admin/articles/"+strconv.FormatInt(a.ID, 10), form); resp.Status != http.StatusOK {
			t.Fatalf("backdate a story: status %d", resp.Status)
		}
		newStory(t, editor, storyFields("headline", "Cargo due", "authors", "Zarin Vakil", "tags", "Dry Docks",
			"status", "scheduled", "publish_at", now.Add(2*time.Hour).Format(time.RFC3339)))
		site.RunJobs()

		for i, path := range lists {
			rest, _ := walkPages(t, reader, older[i])
			seen := map[string]int{}
			for _, slug := range append(slices.Clone(firstPages[i]), rest...) {
				seen[slug]++
			}
			for _, st := range stories {
				if n := seen[st.Slug]; n != 1 && st != moved {
					t.Errorf("%s, read on while stories arrived: %s listed %d times, want once", path, st.Slug, n)
				}
			}
			if last := rest[len(rest)-1]; last != moved.Slug {
				t.Errorf("%s: the last of the older pages is %s, want %s, backdated to 1998", path, last, moved.Slug)
			}
			if seen["cargo-due"] != 0 {
				t.Errorf("%s lists the story scheduled for later", path)
			}
		}

		site.Clock.Advance(3 * time.Hour)
		for _, path := range lists {
			slugs, _ := walkPages(t, site.NewBrowser(), path)
			want := []string{"cargo-due", "fresh-cargo-1", "fresh-cargo-0"}
			if len(slugs) != 73 || !slices.Equal(slugs[:3], want) || slugs[72] != moved.Slug {
				t.Errorf("%s once the scheduled story is out: %d stories beginning %v, ending %s; want 73 beginning %v, ending %s",
					path, len(slugs), slugs[:min(3, len(slugs))], slugs[len(slugs)-1], want, moved.Slug)
			}
		}
	})
}

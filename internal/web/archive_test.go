package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// ist is the demo publication's time zone.
func ist(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// archiveStory is a free story in the site's first section published at
// at, in status (published when "").
func archiveStory(t *testing.T, site *apptest.Site, slug string, at time.Time, status content.Status) *content.Article {
	return &content.Article{
		Slug: slug, Headline: "Headline " + slug, Summary: "Standfirst of " + slug, Body: "It happened.",
		SectionID: sections(t, site)[0].ID, Author: "Asha Rao", Access: content.Free, Status: status,
		PublishedAt: at, UpdatedAt: at,
	}
}

func importStories(t *testing.T, site *apptest.Site, stories ...*content.Article) {
	t.Helper()
	if err := site.App.Store.ImportArticles(context.Background(), stories); err != nil {
		t.Fatal(err)
	}
}

var archiveEntry = regexp.MustCompile(`<a href="(/archive/[0-9/]+)">([^<]+)</a> <span class="count">\((\d+)\)</span>`)

// archiveEntries lists a period page's entries as "address label (count)".
func archiveEntries(t *testing.T, b *apptest.Browser, path string) []string {
	t.Helper()
	resp := b.Get(path)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.Status)
	}
	var out []string
	for _, m := range archiveEntry.FindAllStringSubmatch(resp.Body, -1) {
		out = append(out, fmt.Sprintf("%s %s (%s)", m[1], m[2], m[3]))
	}
	return out
}

var archiveStoryLink = regexp.MustCompile(`<li id="story-\d+"><a href="/article/([^"]+)">`)

// Readers browse the archive by year, month and day, each with its count,
// in the publication's time zone; drafts and stories scheduled for later
// are neither counted nor listed.
func TestArchiveByDate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		loc := ist(t)
		importStories(t, site,
			archiveStory(t, site, "noon-first", time.Date(2001, 3, 1, 12, 0, 0, 0, loc), ""),
			archiveStory(t, site, "late-first", time.Date(2001, 3, 1, 23, 59, 0, 0, loc), ""),
			// 00:30 IST on the 2nd is still the 1st in UTC.
			archiveStory(t, site, "just-after-midnight", time.Date(2001, 3, 2, 0, 30, 0, 0, loc), ""),
			archiveStory(t, site, "july", time.Date(2001, 7, 10, 10, 0, 0, 0, loc), ""),
			archiveStory(t, site, "new-year", time.Date(2002, 1, 1, 0, 10, 0, 0, loc), ""),
			archiveStory(t, site, "draft-first", time.Date(2001, 3, 1, 13, 0, 0, 0, loc), content.StatusDraft),
			archiveStory(t, site, "draft-april", time.Date(2001, 4, 1, 13, 0, 0, 0, loc), content.StatusDraft),
			archiveStory(t, site, "taken-down", time.Date(2001, 3, 1, 14, 0, 0, 0, loc), content.StatusUnpublished),
			archiveStory(t, site, "day-after-tomorrow", site.Clock.Now().AddDate(0, 0, 2), ""),
			archiveStory(t, site, "far-future", time.Date(2031, 6, 1, 9, 0, 0, 0, loc), ""),
		)
		reader := site.NewBrowser()

		years := archiveEntries(t, reader, "/archive")
		i2002, i2001 := slices.Index(years, "/archive/2002 2002 (1)"), slices.Index(years, "/archive/2001 2001 (4)")
		if i2002 < 0 || i2001 < 0 || i2002 > i2001 {
			t.Errorf("/archive lists %v, want 2002 (1) before 2001 (4)", years)
		}
		for _, y := range years {
			if strings.HasPrefix(y, "/archive/2031") {
				t.Errorf("/archive lists a year whose only story is scheduled: %v", years)
			}
		}
		if got, want := archiveEntries(t, reader, "/archive/2001"), []string{"/archive/2001/03 March (3)", "/archive/2001/07 July (1)"}; !slices.Equal(got, want) {
			t.Errorf("/archive/2001 lists %v, want %v", got, want)
		}
		if got, want := archiveEntries(t, reader, "/archive/2001/03"), []string{"/archive/2001/03/01 1 March (2)", "/archive/2001/03/02 2 March (1)"}; !slices.Equal(got, want) {
			t.Errorf("/archive/2001/03 lists %v, want %v", got, want)
		}
		first := reader.Get("/archive/2001/03/01")
		if got, want := slugsListed(first.Body), []string{"noon-first", "late-first"}; !slices.Equal(got, want) {
			t.Errorf("1 March 2001 lists %v, want %v in publication order", got, want)
		}
		for _, want := range []string{"Standfirst of noon-first", "Asha Rao", sections(t, site)[0].Name, "12:00"} {
			if !strings.Contains(first.Body, want) {
				t.Errorf("1 March 2001 does not show %q", want)
			}
		}
		if got := slugsListed(reader.Get("/archive/2001/03/02").Body); !slices.Equal(got, []string{"just-after-midnight"}) {
			t.Errorf("2 March 2001 lists %v, want the story published at 00:30 IST", got)
		}
		if got := slugsListed(reader.Get("/archive/2002/01/01").Body); !slices.Equal(got, []string{"new-year"}) {
			t.Errorf("1 January 2002 lists %v, want the story published at 00:10 IST", got)
		}
		later := site.Clock.Now().In(loc).AddDate(0, 0, 2)
		for _, path := range []string{"/archive/2001/04", "/archive/2031", fmt.Sprintf("/archive/%04d/%02d/%02d", later.Year(), later.Month(), later.Day())} {
			if resp := reader.Get(path); resp.Status != http.StatusNotFound {
				t.Errorf("GET %s, a period of drafts or scheduled stories only: status %d, want 404", path, resp.Status)
			}
		}
		if home := reader.Get("/"); !strings.Contains(home.Body, `href="/archive"`) {
			t.Error("the home page does not link to the archive")
		}
	})
}

func slugsListed(body string) []string {
	var out []string
	for _, m := range archiveStoryLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var moreLink = regexp.MustCompile(`<a href="([^"]+)" id="more" rel="next">More</a>`)

// A day of 60 stories, some published at the same second, is listed a page
// at a time in publication order, each story once.
func TestArchiveDayPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		loc := ist(t)
		start := time.Date(2003, 5, 5, 0, 0, 0, 0, loc)
		var stories []*content.Article
		var want []string
		for i := range 60 {
			slug := fmt.Sprintf("busy-day-%02d", i)
			stories = append(stories, archiveStory(t, site, slug, start.Add(time.Duration(i/3)*time.Hour), ""))
			want = append(want, slug)
		}
		importStories(t, site, stories...)
		reader := site.NewBrowser()
		var got []string
		pages := 0
		for path := "/archive/2003/05/05"; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("the day's pages do not end")
			}
			resp := reader.Get(path)
			if resp.Status != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, resp.Status)
			}
			got = append(got, slugsListed(resp.Body)...)
			path = ""
			if m := moreLink.FindStringSubmatch(resp.Body); m != nil {
				path = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if pages != 2 || !slices.Equal(got, want) {
			t.Errorf("over %d pages the day lists %v, want 2 pages of %v", pages, got, want)
		}
		if got := archiveEntries(t, reader, "/archive/2003/05"); !slices.Equal(got, []string{"/archive/2003/05/05 5 May (60)"}) {
			t.Errorf("May 2003 lists %v", got)
		}
	})
}

// Dates that do not exist, numbers that are not, and cursors the archive
// did not write are answered with a page saying so, never an error.
func TestArchiveHostilePaths(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		loc := ist(t)
		importStories(t, site, archiveStory(t, site, "leap", time.Date(2004, 2, 29, 9, 0, 0, 0, loc), ""))
		reader := site.NewBrowser()
		if resp := reader.Get("/archive/2004/02/29"); resp.Status != http.StatusOK {
			t.Fatalf("a leap day's stories: status %d", resp.Status)
		}
		outside := content.Cursor{PublishedAt: time.Date(2004, 3, 1, 9, 0, 0, 0, loc), ID: 1}
		for path, want := range map[string]int{
			"/archive/0":                     http.StatusNotFound,
			"/archive/0000":                  http.StatusNotFound,
			"/archive/99999":                 http.StatusNotFound,
			"/archive/abcd":                  http.StatusNotFound,
			"/archive/-2004":                 http.StatusNotFound,
			"/archive/+2004":                 http.StatusNotFound,
			"/archive/2004/13":               http.StatusNotFound,
			"/archive/2004/00":               http.StatusNotFound,
			"/archive/2004/1x":               http.StatusNotFound,
			"/archive/2004/002":              http.StatusNotFound,
			"/archive/2003/02/29":            http.StatusNotFound,
			"/archive/2004/02/30":            http.StatusNotFound,
			"/archive/2004/02/31":            http.StatusNotFound,
			"/archive/2004/04/31":            http.StatusNotFound,
			"/archive/2004/02/00":            http.StatusNotFound,
			"/archive/2004/02/29/more":       http.StatusNotFound,
			"/archive/2004/%20%202/29":       http.StatusNotFound,
			"/archive/1999/01/01":            http.StatusNotFound,
			"/archive/2004/02/29?after=x":    http.StatusBadRequest,
			"/archive/2004/02/29?after=1.-1": http.StatusBadRequest,
			"/archive/2004/02/29?after=99999999999999999999.1": http.StatusBadRequest,
			"/archive/2004/02/29?after=" + outside.String():    http.StatusBadRequest,
		} {
			resp := reader.Get(path)
			if resp.Status != want {
				t.Errorf("GET %s: status %d, want %d", path, resp.Status, want)
			}
			if !strings.Contains(resp.Body, "</html>") || !(strings.Contains(resp.Body, "does not exist") || strings.Contains(resp.Body, "No stories were published then")) {
				t.Errorf("GET %s: no page saying why: %.300s", path, resp.Body)
			}
		}
	})
}

// yearCount is the count /archive shows for year, or -1.
func yearCount(t *testing.T, b *apptest.Browser, year int) int {
	t.Helper()
	for _, e := range archiveEntries(t, b, "/archive") {
		var y, n int
		if _, err := fmt.Sscanf(e, "/archive/%d %d (%d)", &y, &y, &n); err == nil && y == year {
			return n
		}
	}
	return -1
}

// The years' counts, kept between views, follow stories published since:
// through the change feed, and when a scheduled story's time comes.
func TestArchiveYearsFollowChanges(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		loc := ist(t)
		reader := site.NewBrowser()
		year := site.Clock.Now().In(loc).Year()
		before := yearCount(t, reader, year)
		if yearCount(t, reader, 1995) != -1 {
			t.Fatal("1995 is listed before any story of 1995")
		}
		importStories(t, site,
			archiveStory(t, site, "old-news", time.Date(1995, 8, 15, 9, 0, 0, 0, loc), ""),
			archiveStory(t, site, "in-an-hour", site.Clock.Now().Add(time.Hour), ""))
		site.Clock.Advance(10 * time.Second)
		site.RunJobs() // the change feed is read
		if got := yearCount(t, reader, 1995); got != 1 {
			t.Errorf("after the feed, 1995 shows %d stories, want 1", got)
		}
		if got := yearCount(t, reader, year); got != before {
			t.Errorf("%d shows %d stories before the scheduled one is out, want %d", year, got, before)
		}
		site.Clock.Advance(time.Hour)
		if got := yearCount(t, reader, year); got != before+1 {
			t.Errorf("%d shows %d stories once the scheduled one is out, want %d", year, got, before+1)
		}
	})
}

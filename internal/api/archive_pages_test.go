package api_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// walkAPI follows a list's next_cursor from path to its last page and
// returns the slugs in order, checking every page on the way.
func walkAPI(t *testing.T, b *apptest.Browser, path string, check func(apptest.Response, map[string]any)) []string {
	t.Helper()
	var slugs []string
	next := path
	for pages := 0; next != "" && pages < 10; pages++ {
		resp, out := call(t, b, "GET", next, nil, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", next, resp.Status, resp.Body)
		}
		check(resp, out)
		got := slugsOf(out)
		if len(got) > content.PageSize {
			t.Errorf("GET %s: %d stories, more than a page's %d", next, len(got), content.PageSize)
		}
		slugs = append(slugs, got...)
		next = ""
		if c, _ := out["next_cursor"].(string); c != "" {
			next = path + "?cursor=" + url.QueryEscape(c)
		}
	}
	return slugs
}

// An app reads a day of the archive and a section a page at a time:
// every story published that day (the publication's day, from its
// midnight) or in that section appears once, in order, ties in time
// included, and nothing else; summaries only, never a word of a body.
// A date that does not exist, a day without stories, an unknown section
// or a cursor the API did not give out for that list is a clear 404 or
// 400, never a 500.
func TestAPIArchiveDayAndSectionPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		loc := site.App.Settings.Get().Location
		secID, err := site.App.Store.CreateSection(ctx, content.Section{Slug: "archive-desk", Name: "Archive Desk"})
		if err != nil {
			t.Fatal(err)
		}
		midnight := time.Date(1998, 3, 14, 0, 0, 0, 0, loc)
		story := func(slug string, at time.Time, access content.Access, status content.Status) *content.Article {
			return &content.Article{Slug: slug, Headline: "Ledger " + slug, Summary: "From the ledgers.",
				Body:      "First of the ledger.\n\nSecond of the ledger.\n\nThird.\n\nFourth.\n\nThe grain was " + secretWord + ".",
				SectionID: secID, Author: "Archive Desk", Access: access, Status: status, PublishedAt: at, UpdatedAt: at}
		}
		var day []*content.Article
		day = append(day, story("at-midnight", midnight, content.Metered, content.StatusPublished))
		for i := range 60 {
			access := content.Metered
			if i%4 == 0 {
				access = content.Premium
			}
			// Three stories at each time, so a page ends inside a tie.
			at := midnight.Add(9*time.Hour + time.Duration(i/3)*time.Minute)
			day = append(day, story("ledger-"+strconv.Itoa(i), at, access, content.StatusPublished))
		}
		next := story("next-day", time.Date(1998, 3, 15, 0, 30, 0, 0, loc), content.Metered, content.StatusPublished)
		draft := story("draft", midnight.Add(10*time.Hour), content.Metered, content.StatusDraft)
		all := append(slices.Clone(day), next, draft)
		if err := site.App.Store.ImportArticles(ctx, all); err != nil {
			t.Fatal(err)
		}
		site.RunJobs() // the new section is read anew
		b := site.NewBrowser()

		noBodies := func(resp apptest.Response, out map[string]any) {
			t.Helper()
			if strings.Contains(resp.Body, secretWord) || strings.Contains(resp.Body, "Second of the ledger") {
				t.Errorf("a list carries a story's body: %.300s", resp.Body)
			}
			for _, item := range out["articles"].([]any) {
				if _, ok := item.(map[string]any)["body"]; ok {
					t.Errorf("a list item has a body: %v", item)
				}
			}
		}
		order := func(list []*content.Article, newest bool) []string {
			sorted := slices.Clone(list)
			sort.Slice(sorted, func(i, j int) bool {
				a, b := sorted[i], sorted[j]
				if !a.PublishedAt.Equal(b.PublishedAt) {
					return a.PublishedAt.Before(b.PublishedAt) != newest
				}
				return (a.ID < b.ID) != newest
			})
			var slugs []string
			for _, a := range sorted {
				slugs = append(slugs, a.Slug)
			}
			return slugs
		}

		got := walkAPI(t, b, "/api/v1/archive/1998/03/14", func(resp apptest.Response, out map[string]any) {
			noBodies(resp, out)
			if out["date"] != "1998-03-14" {
				t.Errorf("date %v, want 1998-03-14", out["date"])
			}
		})
		if want := order(day, false); !slices.Equal(got, want) {
			t.Errorf("the day's pages list %d stories, want the %d of that day oldest first, each once:\ngot  %v\nwant %v", len(got), len(want), got, want)
		}
		got = walkAPI(t, b, "/api/v1/sections/archive-desk/articles", func(resp apptest.Response, out map[string]any) {
			noBodies(resp, out)
			if sec, _ := out["section"].(map[string]any); sec["slug"] != "archive-desk" || sec["name"] != "Archive Desk" {
				t.Errorf("section %v", out["section"])
			}
		})
		if want := order(append(slices.Clone(day), next), true); !slices.Equal(got, want) {
			t.Errorf("the section's pages list %d stories, want the %d published newest first, each once:\ngot  %v\nwant %v", len(got), len(want), got, want)
		}

		cursor := func(raw string) string { return url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(raw))) }
		nextDay := strconv.FormatInt(next.PublishedAt.UnixNano(), 10) + ":" + strconv.FormatInt(next.ID, 10)
		for _, c := range []struct {
			path   string
			status int
		}{
			{"/api/v1/archive/1998/02/29", http.StatusNotFound},
			{"/api/v1/archive/1998/13/01", http.StatusNotFound},
			{"/api/v1/archive/1998/00/14", http.StatusNotFound},
			{"/api/v1/archive/19981/03/14", http.StatusNotFound},
			{"/api/v1/archive/+998/03/14", http.StatusNotFound},
			{"/api/v1/archive/1998/03/14x", http.StatusNotFound},
			{"/api/v1/archive/1998/03/%2014", http.StatusNotFound},
			{"/api/v1/archive/1997/01/01", http.StatusNotFound},
			{"/api/v1/archive/1998/03", http.StatusNotFound},
			{"/api/v1/archive/1998/03/14?cursor=!!!", http.StatusBadRequest},
			{"/api/v1/archive/1998/03/14?cursor=" + cursor("abc:1"), http.StatusBadRequest},
			{"/api/v1/archive/1998/03/14?cursor=" + cursor("1:"), http.StatusBadRequest},
			{"/api/v1/archive/1998/03/14?cursor=" + cursor("99999999999999999999:1"), http.StatusBadRequest},
			{"/api/v1/archive/1998/03/14?cursor=" + cursor(nextDay), http.StatusBadRequest},
			{"/api/v1/sections/nowhere/articles", http.StatusNotFound},
			{"/api/v1/sections/archive-desk/articles?cursor=zzz", http.StatusBadRequest},
			{"/api/v1/sections/archive-desk/articles?cursor=" + cursor("1:-5"), http.StatusBadRequest},
		} {
			resp, out := call(t, b, "GET", c.path, nil, nil)
			if resp.Status != c.status {
				t.Errorf("GET %s: status %d, want %d: %.200s", c.path, resp.Status, c.status, resp.Body)
				continue
			}
			wantError(t, resp, out, c.status)
		}
	})
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// secretWord appears only past the lead of addSecretStory's premium story.
const secretWord = "zanzibarite"

// addSecretStory stores a premium story whose lead speaks of a lighthouse
// and whose fifth paragraph holds secretWord.
func addSecretStory(t *testing.T, site *apptest.Site) *content.Article {
	t.Helper()
	ctx := context.Background()
	secs, err := site.App.Store.Sections(ctx)
	if err != nil || len(secs) == 0 {
		t.Fatalf("sections: %v %v", secs, err)
	}
	at := site.Clock.Now().Add(-time.Hour)
	a := &content.Article{Slug: "harbour-report", Headline: "The harbour's <old> lighthouse report",
		Summary: "What the keepers saw.",
		Body: "The lighthouse keepers wrote every night.\n\nThey counted the ships.\n\nThird paragraph.\n\nFourth paragraph.\n\n" +
			"The cargo was " + secretWord + ", they found.\n\nSixth paragraph.",
		SectionID: secs[0].ID, Access: content.Premium, PublishedAt: at, UpdatedAt: at}
	if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// results is the part of a search page after the form, which repeats the
// query.
func results(t *testing.T, body string) string {
	t.Helper()
	_, form, ok := strings.Cut(body, `id="search-form"`)
	_, after, found := strings.Cut(form, "</form>")
	if !ok || !found {
		t.Fatalf("no search form: %.300s", body)
	}
	return after
}

// A word past the lead of a premium story finds it, but a visitor's
// results show the headline and never the word; a subscriber's snippet,
// drawn from the whole story, may.
func TestSearchPageShowsOnlyWhatTheSearcherMayRead(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		addSecretStory(t, site)
		visitor := site.NewBrowser()
		resp := visitor.Get("/search?q=" + secretWord)
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d: %.300s", resp.Status, resp.Body)
		}
		got := results(t, resp.Body)
		if !strings.Contains(got, `href="/article/harbour-report"`) || !strings.Contains(got, "The harbour&#39;s &lt;old&gt; lighthouse report") {
			t.Errorf("the story is not found: %s", got)
		}
		if strings.Contains(strings.ToLower(got), secretWord) {
			t.Errorf("a visitor's results show the word past the lead: %s", got)
		}
		// A word of the lead is shown, marked.
		got = results(t, visitor.Get("/search?q=lighthouse").Body)
		if !strings.Contains(got, "<mark>lighthouse</mark> keepers") || !strings.Contains(got, "&lt;old&gt; <mark>lighthouse</mark>") {
			t.Errorf("lead match not highlighted: %s", got)
		}

		sub := site.NewBrowser()
		logIn(t, sub, demoAccount(t, "subscriber"), "/")
		got = results(t, sub.Get("/search?q="+secretWord).Body)
		if !strings.Contains(got, "<mark>"+secretWord+"</mark>") {
			t.Errorf("a subscriber's snippet should show the word: %s", got)
		}
	})
}

// Whatever is typed, the page answers with results, none, or a clear
// message, never a server error; the masthead offers the search.
func TestSearchPageHostileQueries(t *testing.T) {
	site := apptest.NewSite(t, "sqlite")
	b := site.NewBrowser()
	if resp := b.Get("/"); !strings.Contains(resp.Body, `action="/search"`) {
		t.Error("no search form in the masthead")
	}
	if resp := b.Get("/search"); resp.Status != http.StatusOK || strings.Contains(resp.Body, `id="search-problem"`) {
		t.Errorf("the empty form: %d", resp.Status)
	}
	for _, q := range []string{`"unbalanced`, `-`, `*`, `-word`, strings.Repeat("x", 10_000), `'); DROP TABLE articles; --`,
		`a:* | !b <-> c`, `NEAR(a b)`, `"" "" ""`, `zzzznothing`} {
		resp := b.Get("/search?" + url.Values{"q": {q}}.Encode())
		switch {
		case resp.Status >= 500:
			t.Errorf("%.30q: status %d", q, resp.Status)
		case resp.Status == http.StatusBadRequest && !strings.Contains(resp.Body, `id="search-problem"`):
			t.Errorf("%.30q: refused without saying why: %.300s", q, resp.Body)
		case resp.Status == http.StatusOK && !strings.Contains(resp.Body, `id="no-results"`) && !strings.Contains(resp.Body, `id="search-results"`):
			t.Errorf("%.30q: neither results nor none: %.300s", q, resp.Body)
		}
	}
	for _, bad := range []string{"q=rain&sort=sideways", "q=rain&from=yesterday", "q=rain&from=2020-02-02&to=2020-01-01", "q=rain&cursor=!!"} {
		if resp := b.Get("/search?" + bad); resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, `id="search-problem"`) {
			t.Errorf("%s: status %d", bad, resp.Status)
		}
	}
}

// The next-page link carries the search and a cursor, and pages through
// every match once.
func TestSearchPageNextPage(t *testing.T) {
	site := apptest.NewSite(t, "sqlite")
	ctx := context.Background()
	secs, _ := site.App.Store.Sections(ctx)
	for i := range 45 {
		at := site.Clock.Now().Add(-time.Duration(i+1) * time.Hour)
		a := &content.Article{Slug: "kite-" + strings.Repeat("x", i+1), Headline: "Kite festival", Body: "Kites.",
			SectionID: secs[0].ID, Access: content.Free, PublishedAt: at, UpdatedAt: at}
		if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	b := site.NewBrowser()
	seen := map[string]bool{}
	next := "/search?q=kite&sort=date&section=" + secs[0].Slug
	for pages := 0; next != "" && pages < 5; pages++ {
		body := b.Get(next).Body
		for _, part := range strings.Split(body, `href="/article/`)[1:] {
			slug, _, _ := strings.Cut(part, `"`)
			if seen[slug] {
				t.Errorf("%s twice", slug)
			}
			seen[slug] = true
		}
		next = ""
		for _, part := range strings.Split(body, `<a href="`)[1:] {
			if href, rest, _ := strings.Cut(part, `"`); strings.HasPrefix(rest, ` id="next-page"`) {
				next = strings.ReplaceAll(href, "&amp;", "&")
			}
		}
	}
	if len(seen) != 45 {
		t.Errorf("%d stories over the pages, want 45", len(seen))
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

const secretWord = "zanzibarite"

// A word past the lead of a premium story finds it over the API, but an
// anonymous app receives the headline and never the word; a subscriber's
// snippet may hold it.
func TestAPISearchShowsOnlyWhatTheSearcherMayRead(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		secs, err := site.App.Store.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		at := site.Clock.Now().Add(-time.Hour)
		if _, err := site.App.Store.CreateArticle(ctx, &content.Article{Slug: "harbour-report", Headline: "Harbour lighthouse report",
			Summary:   "What the keepers saw.",
			Body:      "The lighthouse keepers wrote.\n\nThey counted ships.\n\nThird.\n\nFourth.\n\nThe cargo was " + secretWord + ".\n\nSixth.",
			SectionID: secs[0].ID, Access: content.Premium, PublishedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		before := meterRows(t, site)
		resp, out := call(t, b, "GET", "/api/v1/search?q="+secretWord, nil, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
		list, _ := out["results"].([]any)
		if len(list) != 1 {
			t.Fatalf("results %v", out["results"])
		}
		hit := list[0].(map[string]any)
		if hit["slug"] != "harbour-report" || hit["headline"] != "Harbour lighthouse report" || hit["premium"] != true {
			t.Errorf("hit %v", hit)
		}
		raw, _ := json.Marshal(out["results"])
		if strings.Contains(strings.ToLower(string(raw)), secretWord) {
			t.Errorf("an anonymous app is shown the word past the lead: %s", raw)
		}
		if resp.Header.Get("X-Reader-Id") != "" {
			t.Error("a search hands out a reader id")
		}
		// Metered stories found are not opened: nothing counts.
		if _, out := call(t, b, "GET", "/api/v1/search?q=the&limit=50", nil, nil); len(out["results"].([]any)) == 0 {
			t.Error("no demo story has \"the\"")
		}
		if after := meterRows(t, site); after != before {
			t.Errorf("searching wrote %d meter rows", after-before)
		}

		_, out = call(t, b, "GET", "/api/v1/search?q=lighthouse", nil, nil)
		if hit := out["results"].([]any)[0].(map[string]any); !strings.Contains(hit["snippet_html"].(string), "<mark>lighthouse</mark> keepers") ||
			hit["headline_html"] != "Harbour <mark>lighthouse</mark> report" {
			t.Errorf("lead match: %v", hit)
		}

		sub := demoAccount(t, "subscriber")
		_, out = call(t, b, "GET", "/api/v1/search?q="+secretWord, nil, bearer(signIn(t, b, sub.Email, sub.Password)))
		if hit := out["results"].([]any)[0].(map[string]any); !strings.Contains(hit["snippet_html"].(string), "<mark>"+secretWord+"</mark>") {
			t.Errorf("a subscriber's snippet should show the word: %v", hit)
		}
	})
}

// Hostile or malformed searches are a 400 with a message or an empty
// list, never a server error.
func TestAPISearchHostileQueries(t *testing.T) {
	site := apptest.NewSite(t, "sqlite")
	b := site.NewBrowser()
	for _, q := range []string{`"unbalanced`, `-`, `*`, ``, `-word`, strings.Repeat("x", 10_000), `'); DROP TABLE articles; --`,
		`a:* | !b <-> c`, `zzzznothing`} {
		resp := b.Do("GET", "/api/v1/search?"+url.Values{"q": {q}}.Encode(), nil, nil)
		var out map[string]any
		json.Unmarshal([]byte(resp.Body), &out)
		switch resp.Status {
		case http.StatusOK:
			if _, ok := out["results"].([]any); !ok {
				t.Errorf("%.30q: %s", q, resp.Body)
			}
		case http.StatusBadRequest, http.StatusRequestURITooLong:
			if resp.Status == http.StatusBadRequest {
				wantError(t, resp, out, http.StatusBadRequest)
			}
		default:
			t.Errorf("%.30q: status %d: %.200s", q, resp.Status, resp.Body)
		}
	}
	for _, bad := range []string{"q=rain&sort=sideways", "q=rain&to=31-12-1998", "q=rain&cursor=bm90IGEgY3Vyc29y", "q=rain&limit=1000"} {
		resp, out := call(t, b, "GET", "/api/v1/search?"+bad, nil, nil)
		wantError(t, resp, out, http.StatusBadRequest)
	}
}

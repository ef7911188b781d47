package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// A story past the archive cut-off comes over the API as its lead, with a
// reason naming the archive, to an app reader with free stories left, and
// spends none of them; a subscriber and staff receive it whole; a search
// snippet of it shows an anonymous app its lead only.
func TestAPIArchiveStories(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		secs, err := site.App.Store.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		add := func(slug string, age time.Duration) *content.Article {
			at := site.Clock.Now().Add(-age)
			a := &content.Article{Slug: slug, Headline: "The old mill's ledger", Summary: "What the miller wrote.",
				Body:      "The miller kept a ledger.\n\nHe wrote in the evenings.\n\nThird of the ledger.\n\nFourth of the ledger.\n\nThe grain was " + secretWord + ".\n\nSixth of the ledger.",
				SectionID: secs[0].ID, Access: content.Metered, PublishedAt: at, UpdatedAt: at}
			if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		old := add("old-mill", 2*365*24*time.Hour)
		recent := add("recent-mill", 100*24*time.Hour)
		lead := site.App.Settings.Get().LeadParagraphs
		b := site.NewBrowser()

		app := &appDevice{}
		before := meterRows(t, site)
		for range 2 {
			resp, out, article := app.get(t, b, old.Slug)
			assertDenied(t, resp, old, out, article, "archive", lead)
			if out.Access.Remaining != 3 {
				t.Errorf("remaining %d after an archive story, want 3", out.Access.Remaining)
			}
		}
		if after := meterRows(t, site); after != before {
			t.Errorf("an archive story counted: meter rows %d, then %d", before, after)
		}
		_, out, article := app.get(t, b, recent.Slug)
		assertGranted(t, recent, out, article, "metered")
		if out.Access.Remaining != 2 {
			t.Errorf("a story of 100 days ago after an archive story: remaining %d, want 2", out.Access.Remaining)
		}

		for _, role := range []string{"subscriber", "admin"} {
			acct := demoAccount(t, role)
			token := signIn(t, b, acct.Email, acct.Password)
			_, out, article := getArticle(t, b, old.Slug, bearer(token))
			assertGranted(t, old, out, article, "subscriber")
		}

		resp, found := call(t, b, "GET", "/api/v1/search?q="+secretWord, nil, nil)
		raw, _ := json.Marshal(found["results"])
		if resp.Status != http.StatusOK || !strings.Contains(string(raw), `"slug":"old-mill"`) {
			t.Fatalf("search: status %d, %s", resp.Status, raw)
		}
		if strings.Contains(strings.ToLower(string(raw)), secretWord) {
			t.Errorf("an anonymous app is shown the word past an archive story's lead: %s", raw)
		}

		// With no archive rule the story is metered as any other.
		if err := site.App.Settings.Update(ctx, map[string]string{settings.KeyArchiveDays: "0"}); err != nil {
			t.Fatal(err)
		}
		_, out, article = (&appDevice{}).get(t, b, old.Slug)
		assertGranted(t, old, out, article, "metered")
	})
}

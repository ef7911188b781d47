package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

var articleLink = regexp.MustCompile(`href="/article/([^"]+)"`)

// frontParts returns the story slugs each part of the home page links to.
func frontParts(t *testing.T, body string) map[string][]string {
	t.Helper()
	parts := map[string][]string{}
	for _, part := range regexp.MustCompile(`(?s)<(?:article|section) class="(lead-story|picks|latest|section-block)"[^>]*>(.*?)</(?:article|section)>`).FindAllStringSubmatch(body, -1) {
		seen := map[string]bool{}
		for _, m := range articleLink.FindAllStringSubmatch(part[2], -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				parts[part[1]] = append(parts[part[1]], m[1])
			}
		}
	}
	return parts
}

func TestFrontPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		if parts := frontParts(t, site.NewBrowser().Get("/").Body); len(parts["section-block"]) == 0 || len(parts["lead-story"]) != 1 {
			t.Errorf("the demo's home page lacks a lead story or the sections' newest: %v", parts)
		}
		editor := signedIn(t, site, "editor")
		resp := postWithFile(t, editor, "/admin/articles", storyFields("editors_pick", "1", "access", "free",
			"headline", "Lead with a photograph"), "image", "lead.png", pngOf(t, 16, 9))
		if resp.Status != http.StatusOK {
			t.Fatalf("save: status %d", resp.Status)
		}
		// Twelve more picks: a day's picks, not five.
		free, _ := stories(t, site)
		for _, a := range free[:12] {
			form := storyFields("headline", a.Headline, "section", a.SectionSlug, "editors_pick", "1", "slug", a.Slug,
				"revision", strconv.Itoa(a.Revision), "body", a.Body)
			if resp := editor.Post("/admin/articles/"+strconv.FormatInt(a.ID, 10), form); resp.Status != http.StatusOK {
				t.Fatalf("pick %s: status %d", a.Slug, resp.Status)
			}
		}
		home := site.NewBrowser().Get("/")
		parts := frontParts(t, home.Body)
		if got := parts["lead-story"]; len(got) != 1 || got[0] != "lead-with-a-photograph" {
			t.Errorf("lead story %v, want the pick with an image", got)
		}
		if !strings.Contains(home.Body, `<article class="lead-story"`) || !strings.Contains(home.Body, `src="/media/`) {
			t.Error("the lead story is shown without its image")
		}
		if n := len(parts["picks"]); n < 12 {
			t.Errorf("the home page shows %d picks, want every one of the 12 new ones", n)
		}
		all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "", nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(parts["latest"]) == 0 || len(parts["section-block"]) == 0 && len(all) > 1+len(parts["picks"])+len(parts["latest"]) {
			t.Errorf("the home page lacks the latest stories or the sections: %v", parts)
		}
		shown := map[string]string{}
		for part, slugs := range parts {
			for _, slug := range slugs {
				if other, ok := shown[slug]; ok {
					t.Errorf("%s is shown twice: in %s and in %s", slug, other, part)
				}
				shown[slug] = part
			}
		}
	})
}

func TestEditorsArrangePicks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		picks, err := site.App.Store.Picks(ctx, 100)
		if err != nil || len(picks) < 3 {
			t.Fatalf("the demo has %d picks (%v)", len(picks), err)
		}
		order := func() []string {
			return frontPicksOrder(t, site)
		}
		second := picks[1]
		if resp := editor.Post("/admin/picks/"+strconv.FormatInt(second.ID, 10), url.Values{"do": {"up"}}); resp.Status != http.StatusOK {
			t.Fatalf("move up: status %d", resp.Status)
		}
		if after := order(); len(after) < 2 || after[0] != second.Slug || after[1] != picks[0].Slug {
			t.Errorf("after moving %s up, the picks read %v", second.Slug, after)
		}
		if resp := editor.Post("/admin/picks/"+strconv.FormatInt(second.ID, 10), url.Values{"do": {"remove"}}); resp.Status != http.StatusOK {
			t.Fatalf("remove: status %d", resp.Status)
		}
		for _, slug := range order() {
			if slug == second.Slug {
				t.Error("a story taken off the picks is still among them")
			}
		}
		if got := storyByID(t, site, second.ID); got.EditorsPick || got.Revision != second.Revision+1 {
			t.Errorf("after removal: pick %v, revision %d (was %d): want a new revision without the pick", got.EditorsPick, got.Revision, second.Revision)
		}
		reader := signedIn(t, site, "registered reader")
		for _, path := range []string{"/admin/picks"} {
			if resp := reader.Get(path); resp.Status != http.StatusForbidden {
				t.Errorf("reader GET %s: status %d", path, resp.Status)
			}
		}
		if resp := reader.Post("/admin/picks/"+strconv.FormatInt(picks[0].ID, 10), url.Values{"do": {"down"}}); resp.Status != http.StatusForbidden {
			t.Errorf("reader moved a pick: status %d", resp.Status)
		}
		if resp := editor.Post("/admin/picks/"+strconv.FormatInt(picks[0].ID, 10), url.Values{"do": {"sideways"}}); resp.Status != http.StatusBadRequest {
			t.Errorf("an unknown move: status %d, want 400", resp.Status)
		}
	})
}

// frontPicksOrder returns the slugs of the home page's lead and picks, in
// order.
func frontPicksOrder(t *testing.T, site *apptest.Site) []string {
	t.Helper()
	parts := frontParts(t, site.NewBrowser().Get("/").Body)
	return append(parts["lead-story"], parts["picks"]...)
}

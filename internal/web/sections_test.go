package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// addSection adds a section through the console and returns it.
func addSection(t *testing.T, site *apptest.Site, editor *apptest.Browser, name string, slug ...string) content.Section {
	t.Helper()
	form := url.Values{"name": {name}}
	if len(slug) > 0 {
		form.Set("slug", slug[0])
	}
	if resp := editor.Post("/admin/sections", form); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Sections saved.") {
		t.Fatalf("add section %q: status %d", name, resp.Status)
	}
	want := content.Slugify(name)
	if len(slug) > 0 {
		want = slug[0]
	}
	for _, sec := range sections(t, site) {
		if sec.Slug == want {
			return sec
		}
	}
	t.Fatalf("section %s was not added", want)
	return content.Section{}
}

func sections(t *testing.T, site *apptest.Site) []content.Section {
	t.Helper()
	secs, err := site.App.Store.Sections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return secs
}

var navLink = regexp.MustCompile(`<a href="/section/([^"]+)">`)

// navOrder is the order of the masthead's section links on the home page.
func navOrder(t *testing.T, site *apptest.Site) []string {
	t.Helper()
	site.RunJobs()
	body := site.NewBrowser().Get("/").Body
	nav := body[strings.Index(body, `<nav class="sections">`):]
	nav = nav[:strings.Index(nav, "</nav>")]
	var out []string
	for _, m := range navLink.FindAllStringSubmatch(nav, -1) {
		out = append(out, m[1])
	}
	return out
}

func slugsOf(secs []content.Section) []string {
	out := make([]string, len(secs))
	for i, s := range secs {
		out[i] = s.Slug
	}
	return out
}

// Editors add sections (the address made from the name unless given),
// rename and reorder them, and delete one without stories; one with
// stories is refused, saying why, and stays.
func TestEditorsManageSections(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		desk := addSection(t, site, editor, "Monsoon Desk")
		addSection(t, site, editor, "Personal Finance", "money")
		if resp := editor.Post("/admin/sections", url.Values{"name": {"Money matters"}, "slug": {"Money"}}); resp.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(resp.Body, "another section has this address") {
			t.Errorf("a slug taken: status %d", resp.Status)
		}
		order := slugsOf(sections(t, site))
		if order[len(order)-2] != "monsoon-desk" || order[len(order)-1] != "money" {
			t.Fatalf("new sections are not added last: %v", order)
		}
		if nav := navOrder(t, site); !slices.Equal(nav, order) {
			t.Errorf("masthead order %v, want %v", nav, order)
		}

		path := "/admin/sections/" + strconv.FormatInt(desk.ID, 10)
		if resp := editor.Post(path, url.Values{"do": {"rename"}, "name": {"Weather"}}); resp.Status != http.StatusOK {
			t.Fatalf("rename: status %d", resp.Status)
		}
		if resp := editor.Post(path, url.Values{"do": {"up"}}); resp.Status != http.StatusOK {
			t.Fatalf("move up: status %d", resp.Status)
		}
		want := slices.Clone(order)
		i := slices.Index(want, "monsoon-desk")
		want[i-1], want[i] = want[i], want[i-1]
		if got := slugsOf(sections(t, site)); !slices.Equal(got, want) {
			t.Errorf("after moving up: %v, want %v", got, want)
		}
		site.RunJobs()
		if page := site.NewBrowser().Get("/section/monsoon-desk"); page.Status != http.StatusOK || !strings.Contains(page.Body, "<h1>Weather</h1>") {
			t.Errorf("the renamed section's page: status %d, or the new name is missing", page.Status)
		}
		if nav := navOrder(t, site); !slices.Equal(nav, want) {
			t.Errorf("masthead order %v, want %v", nav, want)
		}

		// A section with a story is not deleted; once the story moves
		// elsewhere, it is.
		id := newStory(t, editor, storyFields("section", "monsoon-desk"))
		resp := editor.Post(path, url.Values{"do": {"delete"}})
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "it still holds stories") {
			t.Errorf("delete a section with a story: status %d", resp.Status)
		}
		if !slices.Contains(slugsOf(sections(t, site)), "monsoon-desk") {
			t.Fatal("a section with a story was deleted")
		}
		form := storyFields("section", "economy", "revision", strconv.Itoa(storyByID(t, site, id).Revision))
		if resp := editor.Post("/admin/articles/"+strconv.FormatInt(id, 10), form); resp.Status != http.StatusOK {
			t.Fatalf("move the story: status %d", resp.Status)
		}
		if resp := editor.Post(path, url.Values{"do": {"delete"}}); resp.Status != http.StatusOK {
			t.Errorf("delete an empty section: status %d", resp.Status)
		}
		if slices.Contains(slugsOf(sections(t, site)), "monsoon-desk") || slices.Contains(navOrder(t, site), "monsoon-desk") {
			t.Error("the deleted section is still listed")
		}
		if resp := editor.Post(path, url.Values{"do": {"down"}}); resp.Status != http.StatusNotFound {
			t.Errorf("move a deleted section: status %d, want 404", resp.Status)
		}
	})
}

// Editors moving sections at once, and adding them, leave every section
// a position of its own.
func TestSectionMovesAtOnceKeepPositionsDistinct(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		secs := sections(t, site)
		// Many moves at once, each reading the order another is changing.
		const rounds = 8
		var wg sync.WaitGroup
		for round := range rounds {
			for i, sec := range secs {
				wg.Go(func() {
					do := []string{"up", "down"}[(i+round)%2]
					resp := editor.Post("/admin/sections/"+strconv.FormatInt(sec.ID, 10), url.Values{"do": {do}})
					if resp.Status != http.StatusOK {
						t.Errorf("move %s %s: status %d", sec.Slug, do, resp.Status)
					}
				})
			}
			wg.Go(func() {
				if resp := editor.Post("/admin/sections", url.Values{"name": {"Added in round " + strconv.Itoa(round)}}); resp.Status != http.StatusOK {
					t.Errorf("add in round %d: status %d", round, resp.Status)
				}
			})
		}
		wg.Wait()
		after := sections(t, site)
		if len(after) != len(secs)+rounds {
			t.Errorf("%d sections after, want %d", len(after), len(secs)+rounds)
		}
		seen := map[int]string{}
		for _, sec := range after {
			if other, dup := seen[sec.Position]; dup {
				t.Errorf("sections %s and %s share position %d", other, sec.Slug, sec.Position)
			}
			seen[sec.Position] = sec.Slug
		}
	})
}

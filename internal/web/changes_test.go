package web_test

import (
	"context"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/web"
)

// storyChanges makes on site's database the changes the newsroom makes:
// an edit of edited, a new slug for renamed, deleted deleted and
// unpublished taken off the site. It returns the renamed story's new slug.
func storyChanges(t *testing.T, site *apptest.Site, edited, renamed, deleted, unpublished *content.Article) string {
	t.Helper()
	ctx := context.Background()
	now := site.Clock.Now()
	st := site.App.Store
	e := *edited
	e.Headline = "Corrected: " + edited.Headline
	if err := st.SaveStory(ctx, &e, 0, nil, now); err != nil {
		t.Fatal(err)
	}
	r := *renamed
	r.Slug = renamed.Slug + "-renamed"
	if err := st.SaveStory(ctx, &r, 0, nil, now); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteArticle(ctx, deleted.ID, now); err != nil {
		t.Fatal(err)
	}
	u := *unpublished
	u.PublishedAt = now.Add(24 * time.Hour)
	if err := st.SaveStory(ctx, &u, 0, nil, now); err != nil {
		t.Fatal(err)
	}
	return r.Slug
}

// assertChangesServed checks a site serves the changes storyChanges made,
// on its pages and through the API.
func assertChangesServed(t *testing.T, site *apptest.Site, edited, renamed, deleted, unpublished *content.Article, newSlug string) {
	t.Helper()
	b := site.NewBrowser()
	if body := b.Get("/article/" + edited.Slug).Body; !strings.Contains(body, template.HTMLEscapeString("Corrected: "+edited.Headline)) {
		t.Errorf("%s: the edit is not served", edited.Slug)
	}
	if resp := b.Get("/article/" + renamed.Slug); !strings.HasSuffix(resp.URL, "/article/"+newSlug) {
		t.Errorf("page of %s, a slug left: ended at %s, want a redirect to the new slug", renamed.Slug, resp.URL)
	}
	if resp := b.Get("/api/v1/articles/" + renamed.Slug); !strings.HasSuffix(resp.URL, "/api/v1/articles/"+newSlug) || resp.Status != http.StatusOK {
		t.Errorf("API story %s, a slug left: status %d at %s, want a redirect to the new slug", renamed.Slug, resp.Status, resp.URL)
	}
	for _, gone := range []string{deleted.Slug, unpublished.Slug} {
		if resp := b.Get("/article/" + gone); resp.Status != http.StatusNotFound {
			t.Errorf("page of %s: status %d, want 404", gone, resp.Status)
		}
		if resp := b.Get("/api/v1/articles/" + gone); resp.Status != http.StatusNotFound {
			t.Errorf("API story %s: status %d, want 404", gone, resp.Status)
		}
	}
	resp := b.Get("/article/" + newSlug)
	if resp.Status != http.StatusOK || !strings.Contains(resp.Body, template.HTMLEscapeString(renamed.Headline)) {
		t.Errorf("page of the new slug %s: status %d, or the story is missing", newSlug, resp.Status)
	}
}

// viewAll puts each story in the site's memory by reading it, as a reader would.
func viewAll(t *testing.T, site *apptest.Site, stories ...*content.Article) {
	t.Helper()
	for _, a := range stories {
		if resp := site.NewBrowser().Get("/article/" + a.Slug); resp.Status != http.StatusOK {
			t.Fatalf("%s: status %d", a.Slug, resp.Status)
		}
		if resp := site.NewBrowser().Get("/api/v1/articles/" + a.Slug); resp.Status != http.StatusOK {
			t.Fatalf("API %s: status %d", a.Slug, resp.Status)
		}
	}
}

// Edits, slug changes, deletions and unpublishing reach the stories kept
// in memory at the next refresh: none of the old copies is served.
func TestStoryChangesAreServedAfterRefresh(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		edited, renamed, deleted, unpublished := free[0], free[1], free[2], free[3]
		viewAll(t, site, edited, renamed, deleted, unpublished)
		newSlug := storyChanges(t, site, edited, renamed, deleted, unpublished)
		site.RunJobs()
		assertChangesServed(t, site, edited, renamed, deleted, unpublished, newSlug)
	})
}

// Two instances on one database: changes made through one are served by
// both after their refresh, whichever kept the old copies.
func TestInstancesServeStoryChangesAfterRefresh(t *testing.T) {
	url := storetest.URL(t, "postgres")
	one := apptest.NewSiteOn(t, url, true)
	two := apptest.NewSiteOn(t, url, false)
	free, _ := stories(t, one)
	edited, renamed, deleted, unpublished := free[0], free[1], free[2], free[3]
	viewAll(t, one, edited, renamed, deleted, unpublished)
	viewAll(t, two, edited, renamed, deleted, unpublished)
	newSlug := storyChanges(t, one, edited, renamed, deleted, unpublished)
	one.RunJobs()
	two.RunJobs()
	for _, site := range []*apptest.Site{one, two} {
		assertChangesServed(t, site, edited, renamed, deleted, unpublished, newSlug)
	}
}

// pagesOn starts the article pages of one more instance on site's
// database, so that a test can see what it keeps in memory.
func pagesOn(t *testing.T, site *apptest.Site) *web.Server {
	t.Helper()
	a := site.App
	s := &web.Server{
		Store: a.Store, Content: content.NewCache(a.Store, 5*time.Second, 2000), Accounts: a.Accounts, Billing: a.Billing,
		Access: a.Access, Settings: a.Settings, Now: site.Clock.Now, Cookies: web.Cookies{Secret: []byte(apptest.Secret)},
		BaseURL: site.URL, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	return s
}

// A bulk import of 10,000 stories re-renders none of the stories kept in
// memory; an edit to one of them, made after the import, still drops it.
func TestBulkImportKeepsStoriesInCache(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		pages := pagesOn(t, site)
		free, premium := stories(t, site)
		kept := append(free[1:], premium...)
		before := map[string]any{}
		for _, a := range append(kept, free[0]) {
			rs, err := pages.Story(ctx, a.Slug)
			if err != nil {
				t.Fatal(err)
			}
			before[a.Slug] = rs
		}
		now := site.Clock.Now()
		imported := make([]*content.Article, 10_000)
		for i := range imported {
			imported[i] = &content.Article{
				Slug: "imported-" + strconv.Itoa(i), Headline: "Imported story " + strconv.Itoa(i), Body: "One.\n\nTwo.",
				SectionID: free[0].SectionID, Access: content.Metered, PublishedAt: now.Add(-time.Hour), UpdatedAt: now,
			}
		}
		if err := site.App.Store.ImportArticles(ctx, imported); err != nil {
			t.Fatal(err)
		}
		edited := *free[0]
		edited.Headline = "Corrected: " + free[0].Headline
		if err := site.App.Store.SaveStory(ctx, &edited, 0, nil, now); err != nil {
			t.Fatal(err)
		}
		if err := pages.RefreshStories(ctx); err != nil {
			t.Fatal(err)
		}
		for _, a := range kept {
			if rs, err := pages.Story(ctx, a.Slug); err != nil || rs != before[a.Slug] {
				t.Errorf("%s: rendered anew (%v) though only other stories changed", a.Slug, err)
			}
		}
		if rs, err := pages.Story(ctx, free[0].Slug); err != nil || rs == before[free[0].Slug] {
			t.Errorf("%s: edited after the import, but its old copy is still kept (%v)", free[0].Slug, err)
		}
	})
}

// heldSource reads stories from the store, each read waiting, once it
// has read, until the test lets it return.
type heldSource struct {
	content.Source
	read chan chan struct{}
}

func (h heldSource) ArticleBySlug(ctx context.Context, slug string, now time.Time) (*content.Article, error) {
	a, err := h.Source.ArticleBySlug(ctx, slug, now)
	done := make(chan struct{})
	h.read <- done
	<-done
	return a, err
}

// A story read just before an edit commits and kept just after the
// refresh that dropped it would be served stale until its next change:
// the copy rendered from that read is served once, not kept.
func TestStoryReadDuringRefreshIsNotKept(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		pages := pagesOn(t, site)
		free, _ := stories(t, site)
		a := free[0]
		held := heldSource{Source: site.App.Store, read: make(chan chan struct{})}
		pages.ReadStoriesFrom(held)
		first := make(chan any)
		go func() {
			rs, _ := pages.Story(ctx, a.Slug)
			first <- rs
		}()
		done := <-held.read // the story as it was has been read
		edited := *a
		edited.Headline = "Corrected: " + a.Headline
		if err := site.App.Store.SaveStory(ctx, &edited, 0, nil, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := pages.RefreshStories(ctx); err != nil {
			t.Fatal(err)
		}
		close(done)
		old := <-first
		go func() {
			for done := range held.read {
				close(done)
			}
		}()
		defer close(held.read)
		if rs, err := pages.Story(ctx, a.Slug); err != nil || rs == old {
			t.Errorf("the copy read before the edit is still kept (%v)", err)
		}
	})
}

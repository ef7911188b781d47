package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// A reader who may not read a story never receives all of it, however
// short the story or long the lead setting: a wire brief of two paragraphs,
// a one-paragraph note, and a long premium story under a lead of 20.
func TestGatedReaderNeverGetsTheWholeStory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		st := site.App.Store
		secs, err := st.Sections(ctx)
		if err != nil || len(secs) == 0 {
			t.Fatalf("sections: %v", err)
		}
		if err := st.SaveSettings(ctx, map[string]string{settings.KeyLeadParagraphs: "20"}); err != nil {
			t.Fatal(err)
		}
		if err := site.App.Settings.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		now := site.Clock.Now()
		short := func(slug string, access content.Access, paragraphs int) *content.Article {
			var body []string
			for i := range paragraphs {
				body = append(body, "Gated paragraph number "+strconv.Itoa(i+1)+" of "+slug+", which only an entitled reader may see.")
			}
			a := &content.Article{
				Slug: slug, Headline: "Headline of " + slug, Summary: "Standfirst of " + slug, Body: content.JoinParagraphs(body),
				SectionID: secs[0].ID, Author: "Desk", Access: access, PublishedAt: now.Add(-1), UpdatedAt: now.Add(-1),
			}
			if a.ID, err = st.CreateArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		stories := []*content.Article{
			short("premium-brief", content.Premium, 2),
			short("premium-note", content.Premium, 1),
			short("premium-long", content.Premium, 7),
		}
		b := site.NewBrowser()
		for _, a := range stories {
			ps := a.Paragraphs()
			page := b.Get("/article/" + a.Slug)
			api := b.Do(http.MethodGet, "/api/v1/articles/"+a.Slug, nil, http.Header{"Accept": {"application/json"}})
			for name, resp := range map[string]apptest.Response{"page": page, "api": api} {
				if resp.Status != http.StatusOK {
					t.Fatalf("%s %s: status %d", name, a.Slug, resp.Status)
				}
				if !strings.Contains(resp.Body, a.Summary) {
					t.Errorf("%s %s: the standfirst is missing", name, a.Slug)
				}
				shown := 0
				for _, p := range ps {
					if strings.Contains(resp.Body, p) {
						shown++
					}
				}
				if shown == len(ps) {
					t.Errorf("%s %s: all %d paragraphs sent to a reader without access", name, a.Slug, len(ps))
				}
				if want := len(ps) / 2; shown != want {
					t.Errorf("%s %s: %d of %d paragraphs shown, want %d", name, a.Slug, shown, len(ps), want)
				}
			}
		}
	})
}

package web_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// TestArticlePageUnderAttack runs what an attacker would against the
// article page's kept parts: markup in every field of a premium story,
// HEADs before a GET, and signed-out, reader and admin views racing a
// changing publication name, none of which may show one reader another's
// page or text the reader may not read.
func TestArticlePageUnderAttack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		free, premium := stories(t, site)
		hostile := &content.Article{
			Slug: "hostile-story", Headline: `H</title><script>alert(1)</script>"'`, Summary: `S</script><script>x()</script>"><img src=x>`,
			Author: `<b>A</b>`, WireSource: `<i>W</i>`,
			Body:      "SECRETONE para.\n\nSECRETTWO para.\n\nSECRETTHREE para.\n\nSECRETFOUR para.",
			SectionID: premium[0].SectionID, Access: content.Premium, PublishedAt: site.Clock.Now(), UpdatedAt: site.Clock.Now(),
		}
		var err error
		if hostile.ID, err = site.App.Store.CreateArticle(ctx, hostile); err != nil {
			t.Fatal(err)
		}
		body := site.NewBrowser().Get("/article/hostile-story").Body
		for _, bad := range []string{"<script>alert", "<script>x()", "<img src=x>", "<b>A</b>", "<i>W</i>", "SECRETTHREE", "SECRETFOUR"} {
			if strings.Contains(body, bad) {
				t.Errorf("hostile page contains %q", bad)
			}
		}
		// A HEAD never counts.
		hb := site.NewBrowser()
		hb.Get("/article/" + free[0].Slug) // cookie
		for _, a := range free[1:] {
			hb.Do("HEAD", "/article/"+a.Slug, nil, nil)
		}
		if r := hb.Get("/article/" + free[1].Slug); strings.Contains(r.Body, `id="paywall"`) {
			t.Error("HEAD used up free stories")
		}

		// Signed-in and signed-out views racing settings changes.
		reader, admin := demoAccount(t, "registered"), demoAccount(t, "admin")
		rb, ab := site.NewBrowser(), site.NewBrowser()
		logIn(t, rb, reader, "/")
		logIn(t, ab, admin, "/")
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				a := free[i%3]
				switch i % 4 {
				case 0:
					out := site.NewBrowser().Get("/article/" + a.Slug).Body
					if strings.Contains(out, reader.Email) || strings.Contains(out, admin.Email) || strings.Contains(out, `href="/admin"`) {
						t.Errorf("anon page leaks a reader")
					}
				case 1:
					out := rb.Get("/article/" + a.Slug).Body
					if strings.Contains(out, admin.Email) || strings.Contains(out, `href="/admin"`) {
						t.Errorf("reader page shows admin")
					}
				case 2:
					out := ab.Get("/article/" + a.Slug).Body
					if strings.Contains(out, reader.Email) {
						t.Errorf("admin page shows reader")
					}
				case 3:
					setCopy(t, site, map[string]string{settings.KeyPublication: "Pub" + string(rune('A'+i))})
				}
			})
		}
		wg.Wait()
		setCopy(t, site, map[string]string{settings.KeyPublication: "FinalPub"})
		if out := site.NewBrowser().Get("/article/" + free[0].Slug).Body; strings.Count(out, "FinalPub") < 3 {
			t.Errorf("stale publication after settings change: %d", strings.Count(out, "FinalPub"))
		}
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// A free story read whole everywhere while its section was outside the
// vertical: once an admin puts the section in the vertical, no output
// keeps the whole story for a visitor (the feeds, kept between changes,
// least of all).
func TestSectionPutInTheVerticalLeaksNothingKept(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		secs, err := site.App.Store.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var economy content.Section
		for _, s := range secs {
			if s.Slug == "economy" {
				economy = s
			}
		}
		const secret = "trireme"
		at := site.Clock.Now().Add(-time.Hour)
		a := &content.Article{Slug: "free-then-vertical", Headline: "A free note on the economy", Summary: "Open to all, for now.",
			Body:      "First paragraph for everyone.\n\nSecond paragraph.\n\nThird paragraph.\n\nFourth paragraph.\n\nThe " + secret + " is the point.\n\nSixth paragraph.",
			SectionID: economy.ID, Author: "Desk", Access: content.Free, PublishedAt: at, UpdatedAt: at}
		if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		site.RunJobs()
		paths := []string{"/article/" + a.Slug, "/feed.xml", "/section/economy/feed.xml", "/author/desk/feed.xml",
			"/api/v1/articles/" + a.Slug}
		visitor := site.NewBrowser()
		for _, p := range paths {
			if r := visitor.Get(p); r.Status == http.StatusOK && !strings.Contains(r.Body, secret) && p != "/author/desk/feed.xml" {
				t.Fatalf("%s: the free story is not whole before the change (status %d)", p, r.Status)
			}
		}
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		if resp := admin.Post(fmt.Sprintf("/admin/sections/%d/vertical", economy.ID), url.Values{"vertical": {"1"}}); resp.Status != http.StatusOK {
			t.Fatalf("put Economy in the vertical: status %d", resp.Status)
		}
		site.RunJobs()
		for _, p := range paths {
			if r := site.NewBrowser().Get(p); strings.Contains(r.Body, secret) {
				t.Errorf("%s: the story is whole for a visitor after its section went into the vertical", p)
			}
		}
	})
}

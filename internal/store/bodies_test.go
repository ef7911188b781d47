package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/markup"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A list's stories, read without their bodies, get them back in one
// statement: a text body and a Markdown body's rendered blocks.
func TestStoryBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		secID, err := s.CreateSection(ctx, content.Section{Slug: "news", Name: "News"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		text := &content.Article{Slug: "text", Headline: "Text", Body: "One.\n\nTwo.", SectionID: secID, Author: "Asha Rao",
			Access: content.Free, PublishedAt: now.Add(-2 * time.Hour), UpdatedAt: now}
		md := &content.Article{Slug: "md", Headline: "Markdown", Body: "**One.**", Format: content.Markdown,
			Rendered: []markup.Block{{HTML: "<p><strong>One.</strong></p>", Text: "One."}}, SectionID: secID, Author: "Asha Rao",
			Access: content.Free, PublishedAt: now.Add(-time.Hour), UpdatedAt: now}
		for _, a := range []*content.Article{text, md} {
			if _, err := s.CreateArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		au, err := s.AuthorBySlug(ctx, "asha-rao")
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.AuthorArticles(ctx, now, au.ID, nil, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("listed %d, %v", len(list), err)
		}
		if err := s.StoryBodies(ctx, list); err != nil {
			t.Fatal(err)
		}
		if got := list[1]; got.Body != text.Body || len(got.Blocks()) != 2 {
			t.Errorf("text story: body %q, %d blocks", got.Body, len(got.Blocks()))
		}
		if got := list[0]; got.Format != content.Markdown || len(got.Blocks()) != 1 || got.Blocks()[0].HTML != md.Rendered[0].HTML {
			t.Errorf("Markdown story: %q, blocks %+v", got.Format, got.Blocks())
		}
		if err := s.StoryBodies(ctx, nil); err != nil {
			t.Errorf("no stories: %v", err)
		}
	})
}

package content

import (
	"context"
	"testing"
	"time"
)

// memSource serves stories from a map; a read can be held midway, as a
// slow query is, while the test changes the stories.
type memSource struct {
	stories map[string]Article
	reads   int
	hold    chan chan struct{} // when set, each read sends a channel and waits for it to close
}

func (m *memSource) ArticleBySlug(_ context.Context, slug string, _ time.Time) (*Article, error) {
	m.reads++
	a, ok := m.stories[slug]
	if m.hold != nil {
		done := make(chan struct{})
		m.hold <- done
		<-done
	}
	if !ok {
		return nil, errNotFound
	}
	return &a, nil
}

func (m *memSource) Sections(context.Context) ([]Section, error) {
	return []Section{{ID: 1, Slug: "news", Name: "News"}}, nil
}

type notFoundError struct{}

func (notFoundError) Error() string { return "not found" }

var errNotFound = notFoundError{}

func cacheWith(stories ...Article) (*Cache, *memSource) {
	src := &memSource{stories: map[string]Article{}}
	for _, a := range stories {
		src.stories[a.Slug] = a
	}
	return NewCache(src, time.Hour, 100), src
}

// Applied changes drop exactly the copies they make stale: the slugs
// named, old ones too, and a renamed section's stories; others stay.
func TestCacheApplyDropsOnlyChangedStories(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	past := now.Add(-time.Hour)
	c, src := cacheWith(
		Article{Slug: "kept", SectionID: 2, PublishedAt: past},
		Article{Slug: "renamed", SectionID: 2, PublishedAt: past},
		Article{Slug: "deleted", SectionID: 2, PublishedAt: past},
		Article{Slug: "in-section", SectionID: 1, PublishedAt: past},
	)
	for _, slug := range []string{"kept", "renamed", "deleted", "in-section"} {
		if _, err := c.Article(ctx, slug, now); err != nil {
			t.Fatal(err)
		}
	}
	src.stories["renamed-now"] = src.stories["renamed"]
	delete(src.stories, "renamed")
	delete(src.stories, "deleted")
	c.Apply([]Change{
		{Kind: SlugChanged, Slug: "renamed-now", OldSlug: "renamed"},
		{Kind: Deleted, Slug: "deleted"},
		{Kind: SectionSaved, SectionID: 1, Slug: "news"},
		{Kind: Saved, Slug: "not-kept"},
	})
	for _, gone := range []string{"renamed", "deleted"} {
		if _, err := c.Article(ctx, gone, now); err == nil {
			t.Errorf("%s: still served after its change was applied", gone)
		}
	}
	reads := src.reads
	if _, err := c.Article(ctx, "kept", now); err != nil || src.reads != reads {
		t.Errorf("an unchanged story was read again (%v)", err)
	}
	if _, err := c.Article(ctx, "in-section", now); err != nil || src.reads != reads+1 {
		t.Errorf("a story of the renamed section was not read again (%v)", err)
	}
}

// A story read from the source while a change is applied may be the copy
// the change makes stale: it is returned, but not kept.
func TestCacheKeepsNoStoryReadDuringApply(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	c, src := cacheWith(Article{Slug: "story", Headline: "Old", PublishedAt: now.Add(-time.Hour)})
	src.hold = make(chan chan struct{})
	got := make(chan *Article)
	go func() {
		a, _ := c.Article(ctx, "story", now)
		got <- a
	}()
	done := <-src.hold // the old story has been read
	src.stories["story"] = Article{Slug: "story", Headline: "New", PublishedAt: now.Add(-time.Hour)}
	c.Apply([]Change{{Kind: Saved, Slug: "story"}})
	close(done)
	if a := <-got; a.Headline != "Old" {
		t.Fatalf("read %q", a.Headline)
	}
	src.hold = nil
	if a, err := c.Article(ctx, "story", now); err != nil || a.Headline != "New" {
		t.Errorf("after the change: %v, %v; want the new story", a, err)
	}
}

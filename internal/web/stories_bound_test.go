package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
)

// storySource serves n stories of about 3 KB each, counting its reads.
type storySource struct {
	n     int
	reads int
}

func (src *storySource) ArticleBySlug(_ context.Context, slug string, _ time.Time) (*content.Article, error) {
	var i int
	if _, err := fmt.Sscanf(slug, "story-%d", &i); err != nil || i < 0 || i >= src.n {
		return nil, dberr.ErrNotFound
	}
	src.reads++
	body := strings.Repeat(fmt.Sprintf("Paragraph of story %d, long enough to weigh what a story does.\n\n", i), 50)
	return &content.Article{ID: int64(i + 1), Slug: slug, Headline: fmt.Sprintf("Story %d", i), Body: body}, nil
}

func (src *storySource) Sections(context.Context) ([]content.Section, error) { return nil, nil }

// TestStoryCacheKeepsToItsBytes reads more stories than the cache's bound
// holds: what it keeps stays within the bound, it keeps as many as fit,
// and a story read again while kept is not read from the database again.
func TestStoryCacheKeepsToItsBytes(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	src := &storySource{n: 400}
	const bound = 256 << 10
	s := &Server{pages: pages, stories: &storyCache{src: src, max: bound, m: make(map[string]*renderedStory)}}
	ctx, now := context.Background(), time.Now()
	var one int
	for i := range src.n {
		rs, err := s.story(ctx, fmt.Sprintf("story-%d", i), now)
		if err != nil {
			t.Fatal(err)
		}
		one = rs.size()
		if c := s.stories; c.bytes > bound {
			t.Fatalf("after %d stories the cache holds %d bytes, over its bound of %d", i+1, c.bytes, bound)
		}
	}
	c := s.stories
	if one < 3000 {
		t.Fatalf("a story of about 3 KB counts as %d bytes", one)
	}
	if want := bound/one - 1; len(c.m) < want {
		t.Errorf("the cache keeps %d stories of %d bytes in %d, want at least %d", len(c.m), one, bound, want)
	}
	sum := 0
	for _, rs := range c.m {
		sum += rs.size()
	}
	if sum != c.bytes {
		t.Errorf("the cache counts %d bytes, its stories weigh %d", c.bytes, sum)
	}
	var kept string
	for slug := range c.m {
		kept = slug
		break
	}
	reads := src.reads
	if _, err := s.story(ctx, kept, now); err != nil || src.reads != reads {
		t.Errorf("a kept story read again: err %v, %d database reads, want none", err, src.reads-reads)
	}
}

package web

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
)

// renderedStory is a story with its parts rendered for the article page:
// what every reader of it gets, whatever the meter decides. The body is
// kept only as rendered blocks, cut per view by access.Project, so a story
// is held in memory once.
type renderedStory struct {
	article *content.Article // without Body
	path    string           // the page's path, for the log-in links
	top     template.HTML    // section, headline, standfirst, byline
	body    string           // every block as HTML, one after another
	blocks  []template.HTML  // each block, a slice of body
	// disclaimer is a wire story's own, rendered; "" shows the
	// publication's (pageCopy.disclaimer).
	disclaimer template.HTML
	// firstText is the first block's words, the page's description when
	// the story has no standfirst and a visitor may see that block; kept
	// only for a story without one.
	firstText string
	framing   atomic.Pointer[storyFraming]
}

// html returns blocks of the story, its first as access.Project gives
// them, as one piece of HTML. They lie one after another in body, so this
// copies nothing, and the page writes the story in one piece.
func (rs *renderedStory) html(shown []template.HTML) template.HTML {
	n := 0
	for _, b := range shown {
		n += len(b)
	}
	return template.HTML(rs.body[:n])
}

// storyCacheBytes is the default bound on the memory the rendered stories
// kept take: about 10,000 stories of a few hundred words.
const storyCacheBytes = 64 << 20

// framingBytes is about what a story's framing adds once it is read: the
// ends of its page head and its log-in links (framing.go).
const framingBytes = 1024

// storyCache keeps rendered stories by slug until they change: each
// RefreshStories, run every few seconds, reads the content change log and
// drops the copies of the stories named there (changed here or on another
// instance). The bound is in bytes, not stories, so that memory stays flat
// however large the archive and however long its stories.
type storyCache struct {
	src  content.Source
	feed *content.Follower
	max  int // bytes

	mu    sync.RWMutex
	m     map[string]*renderedStory
	bytes int    // the kept stories' size, by renderedStory.size
	gen   uint64 // counts the refreshes that dropped copies (see story)
}

// changePage is how many changes a refresh reads at a time.
const changePage = 500

func newStoryCache(ctx context.Context, st *store.Store, maxBytes int, now func() time.Time) (*storyCache, error) {
	// The cache starts empty, so it follows the changes from now on.
	feed, err := content.NewFollower(ctx, st, changePage, now)
	if err != nil {
		return nil, fmt.Errorf("read the content change log: %w", err)
	}
	if maxBytes <= 0 {
		maxBytes = storyCacheBytes
	}
	return &storyCache{src: st, feed: feed, max: maxBytes, m: make(map[string]*renderedStory)}, nil
}

// story returns the rendered story published under slug at or before now.
func (s *Server) story(ctx context.Context, slug string, now time.Time) (*renderedStory, error) {
	c := s.stories
	c.mu.RLock()
	rs, ok := c.m[slug]
	gen := c.gen
	c.mu.RUnlock()
	if ok && !rs.article.PublishedAt.After(now) {
		return rs, nil
	}
	a, err := c.src.ArticleBySlug(ctx, slug, now)
	if err != nil {
		return nil, err
	}
	if rs, err = s.renderStoryParts(a); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		// A refresh ran since the story was read: what was read may be
		// what it dropped, so it is served but not kept.
		return rs, nil
	}
	if old, present := c.m[slug]; present {
		c.bytes -= old.size()
		delete(c.m, slug)
	}
	for k, old := range c.m { // arbitrary ones: cheap, and fair enough
		if c.bytes+rs.size() <= c.max {
			break
		}
		c.bytes -= old.size()
		delete(c.m, k)
	}
	c.m[slug] = rs
	c.bytes += rs.size()
	return rs, nil
}

// RefreshStories reads the changes to stories made since the last call,
// here or on another instance, and drops the copies they make stale, in
// memory here and in the content cache, so the next view reads them anew.
// Stories that are not kept cost nothing, however many changed.
func (s *Server) RefreshStories(ctx context.Context) error {
	return s.stories.feed.Next(ctx, func(changes []content.Change) {
		s.stories.drop(changes)
		if s.Content != nil {
			s.Content.Apply(changes)
		}
		if s.Articles != nil {
			s.Articles.Apply(changes)
		}
		if s.Feeds != nil {
			s.Feeds.Apply(changes)
		}
		if s.Sitemaps != nil {
			s.Sitemaps.Apply(changes)
		}
	})
}

// drop forgets the rendered copies the changes make stale: the stories
// they name, under their old slugs too, and every story of a renamed
// section, which shows the section's name.
func (c *storyCache) drop(changes []content.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	content.DropStale(c.m, changes, func(rs *renderedStory) int64 { return rs.article.SectionID })
	c.bytes = 0
	for _, rs := range c.m {
		c.bytes += rs.size()
	}
}

// size is about the memory the story takes kept: its rendered text, its
// fields and, once read, its framing.
func (rs *renderedStory) size() int {
	a := rs.article
	return len(rs.body) + 16*len(rs.blocks) + len(rs.top) + len(rs.disclaimer) + len(rs.firstText) +
		len(a.Headline) + len(a.Summary) + len(a.Slug) + len(a.Author) + 2*len(rs.path) + framingBytes
}

func (s *Server) renderStoryParts(a *content.Article) (*renderedStory, error) {
	top, err := s.renderKept("story-top", a)
	if err != nil {
		return nil, err
	}
	// The blocks share one string of exactly the body's length: held as
	// long as the story is, a string per block or the builder's spare
	// capacity would be a good share more memory per story.
	src := a.Blocks()
	var body strings.Builder
	ends := make([]int, len(src))
	for i, b := range src {
		body.WriteString(b.HTML)
		ends[i] = body.Len()
	}
	all := strings.Clone(body.String())
	blocks := make([]template.HTML, len(src))
	start := 0
	for i, end := range ends {
		blocks[i] = template.HTML(all[start:end])
		start = end
	}
	var disclaimer template.HTML
	if a.WireSource != "" && a.WireDisclaimer != "" {
		if disclaimer, err = s.renderKept("disclaimer", a.WireDisclaimer); err != nil {
			return nil, err
		}
	}
	bodiless := *a
	bodiless.Body, bodiless.Rendered = "", nil
	rs := &renderedStory{
		article:    &bodiless,
		path:       "/article/" + a.Slug,
		top:        top,
		body:       all,
		blocks:     blocks,
		disclaimer: disclaimer,
	}
	if len(src) > 0 && a.Summary == "" {
		rs.firstText = clip(src[0].Text, maxDescription)
	}
	return rs, nil
}

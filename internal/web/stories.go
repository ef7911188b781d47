package web

import (
	"bytes"
	"context"
	"html/template"
	"net/url"
	"strings"
	"sync"
	"time"

	"broadsheet/internal/content"
)

// renderedStory is a story with its parts rendered for the article page:
// what every reader of it gets, whatever the meter decides. The body is
// kept only as rendered paragraphs, cut per view by access.ShownCount, so
// a story is held in memory once.
type renderedStory struct {
	article *content.Article // without Body
	title   string           // escaped for <title>
	path    string           // escaped for the log-in link's query
	head    string           // description, Open Graph and JSON-LD
	top     string           // section, headline, standfirst, byline
	paras   string           // every paragraph as <p>…</p>
	ends    []int            // where each paragraph ends in paras
	loaded  time.Time        // wall time, for revalidation
}

// paragraphs returns the first n rendered paragraphs.
func (rs *renderedStory) paragraphs(n int) string {
	if n <= 0 {
		return ""
	}
	return rs.paras[:rs.ends[n-1]]
}

// How long a rendered story is served before it is checked against the
// database, and how many are kept (about 4 KB each for a story of a
// thousand words).
const (
	storyTTL   = 5 * time.Second
	maxStories = 16384
)

// storyCache keeps rendered stories by slug. An entry older than ttl is
// checked against the database on its next view and rendered again only
// if the story changed, so an edit shows within ttl; the size bound keeps
// memory flat however large the archive.
type storyCache struct {
	src content.Source
	ttl time.Duration
	max int

	mu sync.RWMutex
	m  map[string]*renderedStory
}

func newStoryCache(src content.Source, ttl time.Duration, max int) *storyCache {
	return &storyCache{src: src, ttl: ttl, max: max, m: make(map[string]*renderedStory)}
}

// story returns the rendered story published under slug at or before now.
func (s *Server) story(ctx context.Context, slug string, now time.Time) (*renderedStory, error) {
	c := s.stories
	wall := time.Now()
	c.mu.RLock()
	rs, ok := c.m[slug]
	c.mu.RUnlock()
	if ok && wall.Sub(rs.loaded) < c.ttl && !rs.article.PublishedAt.After(now) {
		return rs, nil
	}
	a, err := c.src.ArticleBySlug(ctx, slug, now)
	if err != nil {
		return nil, err
	}
	if ok && a.UpdatedAt.Equal(rs.article.UpdatedAt) {
		fresh := *rs
		fresh.loaded = wall
		rs = &fresh
	} else if rs, err = s.renderStoryParts(a); err != nil {
		return nil, err
	}
	rs.loaded = wall
	c.mu.Lock()
	if _, present := c.m[slug]; !present && len(c.m) >= c.max {
		for k := range c.m { // an arbitrary one: cheap, and fair enough
			delete(c.m, k)
			break
		}
	}
	c.m[slug] = rs
	c.mu.Unlock()
	return rs, nil
}

// forget drops every rendered story, for after an edit.
func (c *storyCache) forget() {
	c.mu.Lock()
	c.m = make(map[string]*renderedStory)
	c.mu.Unlock()
}

func (s *Server) renderStoryParts(a *content.Article) (*renderedStory, error) {
	esc := template.HTMLEscapeString
	head, err := articleHead(s.BaseURL, a)
	if err != nil {
		return nil, err
	}
	var top bytes.Buffer
	if err := s.pages["article"].ExecuteTemplate(&top, "story-top", a); err != nil {
		return nil, err
	}
	rs := &renderedStory{
		title: esc(a.Headline),
		path:  url.QueryEscape("/article/" + a.Slug),
		head:  head,
		top:   top.String(),
	}
	if a.Summary != "" {
		rs.head = `<meta name="description" content="` + esc(a.Summary) + `">` + "\n" + rs.head
	}
	ps := a.Paragraphs()
	var paras strings.Builder
	rs.ends = make([]int, 0, len(ps))
	for _, p := range ps {
		paras.WriteString("<p>")
		paras.WriteString(esc(p))
		paras.WriteString("</p>")
		rs.ends = append(rs.ends, paras.Len())
	}
	// A copy of exactly its length: held as long as the story is, the
	// builder's spare capacity would be a third more memory per story.
	rs.paras = strings.Clone(paras.String())
	bodiless := *a
	bodiless.Body = ""
	rs.article = &bodiless
	return rs, nil
}

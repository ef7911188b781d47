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
	"broadsheet/internal/store"
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
}

// paragraphs returns the first n rendered paragraphs.
func (rs *renderedStory) paragraphs(n int) string {
	if n <= 0 {
		return ""
	}
	return rs.paras[:rs.ends[n-1]]
}

// maxStories bounds the rendered stories kept, at about 5 KB each for a
// story of a few hundred words.
const maxStories = 16384

// changeMargin is how far back each poll for edited stories looks before
// the newest edit it has seen, so that an edit committed late, or stamped
// by an instance whose clock is a little behind, is not missed.
const changeMargin = 10 * time.Second

// storyCache keeps rendered stories by slug until they are edited:
// RefreshStories, run every few seconds, drops the ones saved since (here
// or on another instance). The size bound keeps memory flat however large
// the archive.
type storyCache struct {
	src interface {
		content.Source
		ArticlesChangedSince(ctx context.Context, since time.Time) ([]store.ArticleChange, error)
	}
	max int

	mu    sync.RWMutex
	m     map[string]*renderedStory
	since time.Time // where the next poll for edits starts
}

// story returns the rendered story published under slug at or before now.
func (s *Server) story(ctx context.Context, slug string, now time.Time) (*renderedStory, error) {
	c := s.stories
	c.mu.RLock()
	rs, ok := c.m[slug]
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

// RefreshStories drops the rendered stories edited since the last call, so
// the next view renders them anew.
func (s *Server) RefreshStories(ctx context.Context) error {
	c := s.stories
	c.mu.RLock()
	since := c.since
	c.mu.RUnlock()
	changes, err := c.src.ArticlesChangedSince(ctx, since)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		if rs, ok := c.m[ch.Slug]; ok && !rs.article.UpdatedAt.Equal(ch.UpdatedAt) {
			delete(c.m, ch.Slug)
		}
		if next := ch.UpdatedAt.Add(-changeMargin); next.After(c.since) {
			c.since = next
		}
	}
	return nil
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

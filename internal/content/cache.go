package content

import (
	"context"
	"sync"
	"time"
)

// Source is where stories and sections are stored.
type Source interface {
	ArticleBySlug(ctx context.Context, slug string, now time.Time) (*Article, error)
	Sections(ctx context.Context) ([]Section, error)
}

// Cache keeps recently read stories and the section list in memory for a
// few seconds. The article page is the hottest path and a story is read
// far more often than it changes; a few seconds of staleness after an edit
// is the price, and the size bound keeps memory flat however many stories
// the archive holds.
type Cache struct {
	src Source
	ttl time.Duration
	max int

	mu       sync.RWMutex
	articles map[string]cachedArticle
	sections []Section
	secsAt   time.Time
}

type cachedArticle struct {
	a  *Article
	at time.Time
}

// NewCache returns a cache in front of src keeping entries for ttl and at
// most max stories.
func NewCache(src Source, ttl time.Duration, max int) *Cache {
	return &Cache{src: src, ttl: ttl, max: max, articles: make(map[string]cachedArticle)}
}

// Article returns the story published under slug at or before now. Only
// found stories are kept, and a kept story is checked against now again,
// so a scheduled story appears on time.
func (c *Cache) Article(ctx context.Context, slug string, now time.Time) (*Article, error) {
	wall := time.Now()
	c.mu.RLock()
	e, ok := c.articles[slug]
	c.mu.RUnlock()
	if ok && wall.Sub(e.at) < c.ttl && !e.a.PublishedAt.After(now) {
		return e.a, nil
	}
	a, err := c.src.ArticleBySlug(ctx, slug, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.articles) >= c.max {
		// Drop an arbitrary entry: cheap, and good enough for a cache
		// whose entries live only seconds.
		for k := range c.articles {
			delete(c.articles, k)
			break
		}
	}
	c.articles[slug] = cachedArticle{a: a, at: wall}
	c.mu.Unlock()
	return a, nil
}

// Sections returns the sections in display order.
func (c *Cache) Sections(ctx context.Context) ([]Section, error) {
	c.mu.RLock()
	secs, at := c.sections, c.secsAt
	c.mu.RUnlock()
	if secs != nil && time.Since(at) < c.ttl {
		return secs, nil
	}
	secs, err := c.src.Sections(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sections, c.secsAt = secs, time.Now()
	c.mu.Unlock()
	return secs, nil
}

// Forget drops everything, for after an edit.
func (c *Cache) Forget() {
	c.mu.Lock()
	c.articles = make(map[string]cachedArticle)
	c.sections = nil
	c.mu.Unlock()
}

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
// far more often than it changes. Apply drops what the content change log
// says changed, so an edit, a slug change or a deletion is served at the
// next refresh; the few seconds an entry lives bound what a missed change
// could cost, and the size bound keeps memory flat however many stories
// the archive holds.
type Cache struct {
	src Source
	ttl time.Duration
	max int

	mu       sync.RWMutex
	articles map[string]cachedArticle
	sections []Section
	secsAt   time.Time
	gen      uint64 // counts the Apply calls (see Article)
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
	gen := c.gen
	c.mu.RUnlock()
	if ok && wall.Sub(e.at) < c.ttl && !e.a.PublishedAt.After(now) {
		return e.a, nil
	}
	a, err := c.src.ArticleBySlug(ctx, slug, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen != gen {
		// Changes were applied since the story was read: it may be one
		// they dropped, so it is returned but not kept.
		c.mu.Unlock()
		return a, nil
	}
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

// Apply drops the copies the changes make stale: the stories they name,
// under their old slugs too, and for a section's change the section list
// and that section's stories, which show its name.
func (c *Cache) Apply(changes []Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, ch := range changes {
		if ch.Kind == SectionSaved {
			c.sections = nil
		}
	}
	DropStale(c.articles, changes, func(e cachedArticle) int64 { return e.a.SectionID })
}

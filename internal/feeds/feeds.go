// Package feeds writes the publication's RSS feeds: the whole site's,
// each section's and author's, and the editors' picks. A feed reader is
// an anonymous reader with no meter, so each story is cut as
// access.Anonymous decides, never by anything of the feed's own: a free
// story whole, any other to its lead and a link to the story. Feeds are
// built once and kept until a story changes (Apply, from the content
// change log), the settings change, a story scheduled for later comes
// out, or a free story in them passes into the archive.
package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/settings"
)

// Items is how many stories a feed carries, newest first.
const Items = 30

// Lists are the lists of published stories a feed is made of.
// *content.Service is one.
type Lists interface {
	Latest(ctx context.Context, section string, after *content.Cursor, limit int) ([]*content.Article, error)
	AuthorPage(ctx context.Context, slug string, after *content.Cursor) (*content.Author, content.Page, error)
	Picks(ctx context.Context, limit int) ([]*content.Article, error)
	NextPublished(ctx context.Context) (time.Time, bool, error)
	// WithBodies fills in the bodies of listed stories read without them.
	WithBodies(ctx context.Context, list []*content.Article) error
}

// Service builds and keeps the feeds.
type Service struct {
	Lists    Lists
	Sections func(ctx context.Context) ([]content.Section, error)
	Settings func() *settings.Settings
	Now      func() time.Time
	BaseURL  string

	mu   sync.Mutex
	kept map[string]*Feed
	size int    // bytes kept
	gen  uint64 // counts Apply's calls, so a feed built across one is not kept
}

// Feed is one feed as served.
type Feed struct {
	Body    []byte
	ETag    string    // a strong validator of Body, quoted
	Updated time.Time // the newest change to a story in it

	cfg   *settings.Settings // the settings it was built with
	until time.Time          // when it must be built again
}

// Bounds of what is kept: a feed is built again at least this often, and
// the feeds kept hold at most maxKept bytes (a feed of free stories in
// full is some 150 KB; an author's feed is kept only while read).
const (
	maxAge  = 10 * time.Minute
	maxKept = 8 << 20
)

// Site is the whole site's feed.
func (s *Service) Site(ctx context.Context) (*Feed, error) {
	return s.feed(ctx, "site", func(cfg *settings.Settings) (channel, []*content.Article, error) {
		list, err := s.Lists.Latest(ctx, "", nil, Items)
		return channel{Title: cfg.Publication, Path: "/", Self: "/feed.xml", Description: describe(cfg, "The latest stories")}, list, err
	})
}

// Section is a section's feed, or dberr.ErrNotFound.
func (s *Service) Section(ctx context.Context, slug string) (*Feed, error) {
	secs, err := s.Sections(ctx)
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		if sec.Slug != slug {
			continue
		}
		return s.feed(ctx, "section/"+slug, func(cfg *settings.Settings) (channel, []*content.Article, error) {
			list, err := s.Lists.Latest(ctx, sec.Slug, nil, Items)
			return channel{Title: cfg.Publication + ": " + sec.Name, Path: "/section/" + sec.Slug, Self: SectionPath(sec.Slug),
				Description: describe(cfg, "The latest stories in "+sec.Name)}, list, err
		})
	}
	return nil, dberr.ErrNotFound
}

// Author is an author's feed, or dberr.ErrNotFound when the author has no
// page.
func (s *Service) Author(ctx context.Context, slug string) (*Feed, error) {
	return s.feed(ctx, "author/"+slug, func(cfg *settings.Settings) (channel, []*content.Article, error) {
		au, page, err := s.Lists.AuthorPage(ctx, slug, nil)
		if err != nil {
			return channel{}, nil, err
		}
		list := page.Stories[:min(len(page.Stories), Items)]
		return channel{Title: cfg.Publication + ": " + au.Name, Path: "/author/" + au.Slug, Self: AuthorPath(au.Slug),
			Description: describe(cfg, "The latest stories by "+au.Name)}, list, nil
	})
}

// Picks is the editors' picks' feed, in the editors' order.
func (s *Service) Picks(ctx context.Context) (*Feed, error) {
	return s.feed(ctx, "picks", func(cfg *settings.Settings) (channel, []*content.Article, error) {
		list, err := s.Lists.Picks(ctx, Items)
		return channel{Title: cfg.Publication + ": Editors' picks", Path: "/", Self: PicksPath,
			Description: describe(cfg, "Stories our editors picked")}, list, err
	})
}

// The feeds' addresses.
const (
	SitePath  = "/feed.xml"
	PicksPath = "/picks/feed.xml"
)

// SectionPath is a section's feed's address.
func SectionPath(slug string) string { return "/section/" + slug + "/feed.xml" }

// AuthorPath is an author's feed's address.
func AuthorPath(slug string) string { return "/author/" + slug + "/feed.xml" }

func describe(cfg *settings.Settings, what string) string {
	return what + " from " + cfg.Publication
}

// feed returns the feed kept under key, building it with list when it is
// not kept or no longer holds.
func (s *Service) feed(ctx context.Context, key string, list func(*settings.Settings) (channel, []*content.Article, error)) (*Feed, error) {
	cfg, now := s.Settings(), s.Now()
	s.mu.Lock()
	f, ok := s.kept[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && f.cfg == cfg && now.Before(f.until) {
		return f, nil
	}
	ch, stories, err := list(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Lists.WithBodies(ctx, stories); err != nil {
		return nil, err
	}
	next, scheduled, err := s.Lists.NextPublished(ctx)
	if err != nil {
		return nil, err
	}
	body, until := s.render(ch, stories, cfg, now)
	if scheduled && next.Before(until) {
		until = next
	}
	sum := sha256.Sum256(body)
	f = &Feed{Body: body, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Updated: newest(stories, now), cfg: cfg, until: until}
	s.keep(key, f, gen)
	return f, nil
}

// keep keeps f under key unless the stories changed since it was read,
// making room within maxKept.
func (s *Service) keep(key string, f *Feed, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || len(f.Body) > maxKept {
		return
	}
	if s.kept == nil {
		s.kept = map[string]*Feed{}
	}
	if old, ok := s.kept[key]; ok {
		s.size -= len(old.Body)
		delete(s.kept, key)
	}
	for k, old := range s.kept { // arbitrary ones: cheap, and a feed is quick to build again
		if s.size+len(f.Body) <= maxKept {
			break
		}
		s.size -= len(old.Body)
		delete(s.kept, k)
	}
	s.kept[key] = f
	s.size += len(f.Body)
}

// Apply drops every feed kept: any change to a story or a section may
// add a story to a feed, take one out, or change what it shows.
func (s *Service) Apply(changes []content.Change) {
	if len(changes) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.kept, s.size = nil, 0
}

// newest is the latest change to any of the stories, or now for none.
func newest(stories []*content.Article, now time.Time) time.Time {
	var t time.Time
	for _, a := range stories {
		if a.UpdatedAt.After(t) {
			t = a.UpdatedAt
		}
		if a.PublishedAt.After(t) {
			t = a.PublishedAt
		}
	}
	if t.IsZero() {
		return now
	}
	return t
}

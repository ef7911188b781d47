// Package sitemaps tells search engines what the site holds: robots.txt,
// a sitemap index, the sitemap files it names (the site's pages, then
// every published story oldest first, at most PerFile to a file), and a
// Google News sitemap of the last 48 hours. A sitemap names stories by
// address, headline and dates only, never by a word of their text. Files
// split at fixed places in the oldest-first order, so a story keeps its
// file as the archive grows and only the last file changes with each new
// story. The index and the news sitemap are kept until a story changes
// (Apply) or a story scheduled for later comes out.
package sitemaps

import (
	"context"
	"errors"
	"sync"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// Entry is a story as a sitemap lists it.
type Entry struct {
	ID          int64
	Slug        string
	Headline    string
	PublishedAt time.Time
	UpdatedAt   time.Time
}

// Store is where the stories listed are read, by keyset ranges.
type Store interface {
	// SitemapStart returns the key of the story skip places at or after
	// from, in oldest-first order, among those published by now.
	SitemapStart(ctx context.Context, now time.Time, from *content.Cursor, skip int) (content.Cursor, bool, error)
	// SitemapStories lists up to limit stories at or after from.
	SitemapStories(ctx context.Context, now time.Time, from *content.Cursor, limit int) ([]Entry, error)
	// RecentStories lists up to limit stories published after since,
	// newest first.
	RecentStories(ctx context.Context, now, since time.Time, limit int) ([]Entry, error)
	NextPublished(ctx context.Context, now time.Time) (time.Time, bool, error)
	// SitemapLastChange returns the latest change among the stories
	// published by now from the key from (nil: the first) up to, not
	// including, to (nil: the last); ok is false when there are none.
	SitemapLastChange(ctx context.Context, now time.Time, from, to *content.Cursor) (time.Time, bool, error)
	// SectionLastChange returns the last change of a section's newest
	// story published by now.
	SectionLastChange(ctx context.Context, now time.Time, section int64) (time.Time, bool, error)
	// SitemapAuthors lists the slugs of up to limit authors with a story
	// published by now.
	SitemapAuthors(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// The sitemaps protocol's and Google News's bounds.
const (
	// MaxPerFile is the most URLs a sitemap file may list.
	MaxPerFile = 50_000
	// NewsWindow is how far back a news sitemap lists stories.
	NewsWindow = 48 * time.Hour
	// maxNews is the most stories a news sitemap may list.
	maxNews = 1000
	// maxAge bounds how long the index and news sitemap are kept.
	maxAge = 10 * time.Minute
	// batch is how many stories a file reads at a time.
	batch = 1000
)

// ErrNoFile is a sitemap file the index does not name.
var ErrNoFile = errors.New("no such sitemap")

// Service writes the sitemaps.
type Service struct {
	Store    Store
	Sections func(ctx context.Context) ([]content.Section, error)
	Settings func() *settings.Settings
	Now      func() time.Time
	BaseURL  string
	// PerFile is how many stories a file lists, at most MaxPerFile; 0 is
	// MaxPerFile.
	PerFile int

	mu    sync.Mutex // held while the index is built, so it is built once
	gen   uint64     // counts Apply's calls, under kept
	kept  sync.Mutex
	index *kept[[]file]
	news  *kept[newsFile]
	pages *kept[[]byte]
}

// file is a stories file of the index: where it starts, and the latest
// change among its stories (its lastmod).
type file struct {
	start   *content.Cursor
	lastMod time.Time
}

// newsFile is the news sitemap and the latest change among its stories.
type newsFile struct {
	body    []byte
	lastMod time.Time
}

// kept is something built at a moment and valid until a time, unless the
// stories changed since.
type kept[T any] struct {
	v     T
	gen   uint64
	cfg   *settings.Settings
	until time.Time
}

func (s *Service) perFile() int {
	if s.PerFile <= 0 || s.PerFile > MaxPerFile {
		return MaxPerFile
	}
	return s.PerFile
}

// Apply forgets the index and news sitemap: a change may publish, move
// or take down a story.
func (s *Service) Apply(changes []content.Change) {
	if len(changes) == 0 {
		return
	}
	s.kept.Lock()
	defer s.kept.Unlock()
	s.gen++
	s.index, s.news, s.pages = nil, nil, nil
}

// load returns what is kept in *slot if it still holds for cfg at now.
func load[T any](s *Service, slot **kept[T], cfg *settings.Settings, now time.Time) (T, uint64, bool) {
	s.kept.Lock()
	defer s.kept.Unlock()
	if k := *slot; k != nil && k.gen == s.gen && k.cfg == cfg && now.Before(k.until) {
		return k.v, s.gen, true
	}
	var zero T
	return zero, s.gen, false
}

// store keeps v in *slot until until, unless the stories changed since
// gen.
func store[T any](s *Service, slot **kept[T], v T, gen uint64, cfg *settings.Settings, until time.Time) {
	s.kept.Lock()
	defer s.kept.Unlock()
	if s.gen == gen {
		*slot = &kept[T]{v: v, gen: gen, cfg: cfg, until: until}
	}
}

// until is when something built at now must be built again: at maxAge,
// or when the next story scheduled comes out, whichever is first.
func (s *Service) until(ctx context.Context, now time.Time) (time.Time, error) {
	until := now.Add(maxAge)
	next, ok, err := s.Store.NextPublished(ctx, now)
	if err == nil && ok && next.Before(until) {
		until = next
	}
	return until, err
}

// starts returns the stories files: the first starts at the first story
// (nil), each next one PerFile stories on, each with its lastmod. It asks
// the index one file at a time, each step a keyset range.
func (s *Service) starts(ctx context.Context) ([]file, error) {
	cfg, now := s.Settings(), s.Now()
	if v, _, ok := load(s, &s.index, cfg, now); ok {
		return v, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, gen, ok := load(s, &s.index, cfg, now)
	if ok {
		return v, nil
	}
	until, err := s.until(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, any, err := s.Store.SitemapStart(ctx, now, nil, 0); err != nil || !any {
		store(s, &s.index, nil, gen, cfg, until)
		return nil, err
	}
	starts := []*content.Cursor{nil}
	for {
		next, ok, err := s.Store.SitemapStart(ctx, now, starts[len(starts)-1], s.perFile())
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		starts = append(starts, &next)
	}
	files := make([]file, len(starts))
	for i, from := range starts {
		var to *content.Cursor
		if i+1 < len(starts) {
			to = starts[i+1]
		}
		files[i].start = from
		if files[i].lastMod, _, err = s.Store.SitemapLastChange(ctx, now, from, to); err != nil {
			return nil, err
		}
	}
	store(s, &s.index, files, gen, cfg, until)
	return files, nil
}

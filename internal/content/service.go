package content

import (
	"context"
	"time"
)

// Cursor marks a place in the newest-first list of stories: the last story
// a page showed.
type Cursor struct {
	PublishedAt time.Time
	ID          int64
}

// ListStore is where the lists of published stories are read.
type ListStore interface {
	LatestArticles(ctx context.Context, now time.Time, section string, after *Cursor, limit int) ([]*Article, error)
	SectionArticles(ctx context.Context, now time.Time, id int64, after *Cursor, limit int) ([]*Article, error)
	VerticalArticles(ctx context.Context, now time.Time, after *Cursor, limit int) ([]*Article, error)
	AuthorArticles(ctx context.Context, now time.Time, id int64, after *Cursor, limit int) ([]*Article, error)
	TagArticles(ctx context.Context, now time.Time, id int64, after *Cursor, limit int) ([]*Article, error)
	AuthorBySlug(ctx context.Context, slug string) (*Author, error)
	TagBySlug(ctx context.Context, slug string) (*Tag, error)
	EditorsPicks(ctx context.Context, now time.Time, limit int) ([]*Article, error)
	RedirectedSlug(ctx context.Context, old string, now time.Time) (string, error)
	ImportedPathSlug(ctx context.Context, path string, now time.Time) (string, error)
	Sections(ctx context.Context) ([]Section, error)
	// StoryBodies fills in the bodies of listed stories read without them.
	StoryBodies(ctx context.Context, list []*Article) error
}

// Service answers the use cases of stories that pages and the API share
// beyond reading one story (see Cache): the lists of stories, as published
// by now, so a story scheduled for later appears on time.
type Service struct {
	Store   ListStore
	Archive ArchiveStore
	Now     func() time.Time

	years archiveYears
}

// Latest lists published stories newest first, after the cursor when one
// is given, in one section when section is not empty.
func (s *Service) Latest(ctx context.Context, section string, after *Cursor, limit int) ([]*Article, error) {
	return s.Store.LatestArticles(ctx, s.Now(), section, after, limit)
}

// MovedTo returns the slug a published story has now that it left slug,
// or dberr.ErrNotFound: an old address keeps working after a rename.
func (s *Service) MovedTo(ctx context.Context, slug string) (string, error) {
	return s.Store.RedirectedSlug(ctx, slug, s.Now())
}

// ImportedTo returns the slug of the published story imported from an
// older system's address path, or dberr.ErrNotFound: the old system's
// links keep working.
func (s *Service) ImportedTo(ctx context.Context, path string) (string, error) {
	return s.Store.ImportedPathSlug(ctx, path, s.Now())
}

// Picks lists the editors' picks published by now, in the editors' order.
func (s *Service) Picks(ctx context.Context, limit int) ([]*Article, error) {
	return s.Store.EditorsPicks(ctx, s.Now(), limit)
}

// NextPublished returns when the next story scheduled for later comes
// out, if one is: lists kept until then are complete.
func (s *Service) NextPublished(ctx context.Context) (time.Time, bool, error) {
	return s.Archive.NextPublished(ctx, s.Now())
}

// WithBodies fills in the bodies of the listed stories, which lists read
// without them, for the outputs that show a list's text (feeds).
func (s *Service) WithBodies(ctx context.Context, list []*Article) error {
	return s.Store.StoryBodies(ctx, list)
}

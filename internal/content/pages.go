package content

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
)

// The pages of a section, an author and a tag: their published stories,
// newest first, a page at a time.

// PageSize is how many stories a section's, author's or tag's page lists.
const PageSize = 50

// Page is one page of a list of stories, and where the next one starts
// (nil on the last page).
type Page struct {
	Stories []*Article
	Next    *Cursor
}

// String writes the cursor for an address: the time in nanoseconds since
// 1970, a dot, the id.
func (c Cursor) String() string {
	return strconv.FormatInt(c.PublishedAt.UnixNano(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ErrBadCursor is a cursor that String did not write.
var ErrBadCursor = errors.New("that page of stories does not exist")

// ParseCursor reads a cursor String wrote; "" is none (the first page).
func ParseCursor(v string) (*Cursor, error) {
	if v == "" {
		return nil, nil
	}
	ts, id, ok := strings.Cut(v, ".")
	nanos, err1 := strconv.ParseInt(ts, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 {
		return nil, ErrBadCursor
	}
	return &Cursor{PublishedAt: time.Unix(0, nanos).UTC(), ID: n}, nil
}

// page reads one more story than a page shows, to tell whether another
// page follows.
func page(list []*Article, err error) (Page, error) {
	if err != nil {
		return Page{}, err
	}
	p := Page{Stories: list}
	if len(list) > PageSize {
		p.Stories = list[:PageSize]
		last := p.Stories[PageSize-1]
		p.Next = &Cursor{PublishedAt: last.PublishedAt, ID: last.ID}
	}
	return p, nil
}

// SectionBySlug finds the section whose page is at slug among secs.
func SectionBySlug(secs []Section, slug string) (Section, bool) {
	for _, sec := range secs {
		if sec.Slug == slug {
			return sec, true
		}
	}
	return Section{}, false
}

// SectionPage lists the section's stories after the cursor (nil: from the
// newest).
func (s *Service) SectionPage(ctx context.Context, sec Section, after *Cursor) (Page, error) {
	return page(s.Store.SectionArticles(ctx, s.Now(), sec.ID, after, PageSize+1))
}

// VerticalPage lists the stories of the market-insights vertical's
// sections after the cursor (nil: from the newest).
func (s *Service) VerticalPage(ctx context.Context, after *Cursor) (Page, error) {
	return page(s.Store.VerticalArticles(ctx, s.Now(), after, PageSize+1))
}

// AuthorPage returns the author whose page is at slug and a page of their
// stories. An author none of whose stories is out yet (named only on
// drafts, or on stories scheduled for later) and without a bio or photo
// has no page: dberr.ErrNotFound, so a byline is not public before its
// story is.
func (s *Service) AuthorPage(ctx context.Context, slug string, after *Cursor) (*Author, Page, error) {
	au, err := s.Store.AuthorBySlug(ctx, slug)
	if err != nil {
		return nil, Page{}, err
	}
	now := s.Now()
	p, err := page(s.Store.AuthorArticles(ctx, now, au.ID, after, PageSize+1))
	if err != nil || len(p.Stories) > 0 || au.Bio != "" || au.Photo != "" {
		return au, p, err
	}
	if err := s.anyOut(ctx, s.Store.AuthorArticles, au.ID, after); err != nil {
		return nil, Page{}, err
	}
	return au, p, nil
}

// TagPage returns the tag whose page is at slug and a page of its
// stories. A tag none of whose stories is out yet has no page:
// dberr.ErrNotFound.
func (s *Service) TagPage(ctx context.Context, slug string, after *Cursor) (*Tag, Page, error) {
	t, err := s.Store.TagBySlug(ctx, slug)
	if err != nil {
		return nil, Page{}, err
	}
	p, err := page(s.Store.TagArticles(ctx, s.Now(), t.ID, after, PageSize+1))
	if err != nil || len(p.Stories) > 0 {
		return t, p, err
	}
	if err := s.anyOut(ctx, s.Store.TagArticles, t.ID, after); err != nil {
		return nil, Page{}, err
	}
	return t, p, nil
}

// anyOut returns dberr.ErrNotFound unless the list has a story out now:
// asked when a page came back empty, which past the last page it may.
func (s *Service) anyOut(ctx context.Context, list func(context.Context, time.Time, int64, *Cursor, int) ([]*Article, error), id int64, after *Cursor) error {
	if after == nil {
		return dberr.ErrNotFound
	}
	first, err := list(ctx, s.Now(), id, nil, 1)
	if err != nil {
		return err
	}
	if len(first) == 0 {
		return dberr.ErrNotFound
	}
	return nil
}

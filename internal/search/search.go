// Package search finds published stories by their words for readers, and
// says what of each result a searcher may see: headline, date, section and
// a highlighted snippet made from the part of the story the access
// projection gives that reader (the lead of a gated story), never from the
// stored body, so a word past the lead may find a story but is never shown.
package search

import (
	"context"
	"encoding/base64"
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// Page sizes.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Store finds stories.
type Store interface {
	SearchArticles(ctx context.Context, p content.SearchParams) ([]content.SearchResult, error)
}

// Service runs readers' searches.
type Service struct {
	Store Store
	Now   func() time.Time
	// Access cuts each result to what the searcher may read.
	Access *access.Service
}

// Request is a search as a reader asks it (the page's form, the API's
// parameters), parsed and checked.
type Request struct {
	Q       string // as typed, for the form
	Query   content.Query
	Section string
	From    string // YYYY-MM-DD as given, for the form
	To      string
	Sort    content.SearchSort
	Limit   int
	params  content.SearchParams
}

// Error is a search that cannot be run, with what to tell the reader.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func fail(msg string) error { return &Error{Message: msg} }

// ParseRequest reads q, section, from, to (dates, YYYY-MM-DD, both days
// included, in the publication's zone loc), sort (relevance or date) and
// cursor from a request's parameters. An empty q is an error too: callers
// that show an empty form check for it first.
func ParseRequest(v url.Values, loc *time.Location) (Request, error) {
	r := Request{Q: v.Get("q"), Section: strings.TrimSpace(v.Get("section")), From: v.Get("from"), To: v.Get("to"),
		Sort: content.SearchSort(v.Get("sort")), Limit: DefaultLimit}
	q, err := content.ParseQuery(r.Q)
	if err != nil {
		return r, fail(err.Error())
	}
	r.Query = q
	switch r.Sort {
	case "":
		r.Sort = content.ByRelevance
	case content.ByRelevance, content.ByDate:
	default:
		return r, fail("sort must be relevance or date")
	}
	p := content.SearchParams{Query: q, Section: r.Section, Sort: r.Sort}
	if r.From != "" {
		d, err := time.ParseInLocation(time.DateOnly, r.From, loc)
		if err != nil {
			return r, fail("from must be a date like 1998-01-31")
		}
		p.From = d
	}
	if r.To != "" {
		d, err := time.ParseInLocation(time.DateOnly, r.To, loc)
		if err != nil {
			return r, fail("to must be a date like 1998-12-31")
		}
		p.Until = d.AddDate(0, 0, 1)
	}
	if !p.From.IsZero() && !p.Until.IsZero() && !p.From.Before(p.Until) {
		return r, fail(content.ErrSearchBadDates.Error())
	}
	if c := v.Get("cursor"); c != "" {
		cur, err := decodeCursor(c, r.Sort)
		if err != nil {
			return r, fail("cursor is not one this search gave out")
		}
		p.After = &cur
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxLimit {
			return r, fail("limit must be a whole number from 1 to " + strconv.Itoa(MaxLimit))
		}
		r.Limit = n
	}
	r.params = p
	return r, nil
}

// Hit is one result as the searcher may see it.
type Hit struct {
	Article  *content.Article // for its slug, headline, section and date only
	Headline []content.Fragment
	Snippet  []content.Fragment
	// Whole says the snippet was drawn from the whole story; otherwise
	// from its standfirst and lead only.
	Whole bool
}

// Page is one page of results.
type Page struct {
	Hits []Hit
	Next string // the cursor of the next page; "" on the last
}

// Search runs r for viewer v, cutting each result to what v may see under
// the publication's settings cfg (the lead a gated story shows, the archive
// cut-off), as the story's page would.
func (s *Service) Search(ctx context.Context, v access.Viewer, r Request, cfg *settings.Settings) (Page, error) {
	now := s.Now()
	p := r.params
	p.Now, p.Limit = now, r.Limit+1 // one more says whether there is a next page
	found, err := s.Store.SearchArticles(ctx, p)
	if err != nil {
		return Page{}, err
	}
	var page Page
	if len(found) > r.Limit {
		found = found[:r.Limit]
		page.Next = encodeCursor(found[len(found)-1].Cursor(), r.Sort)
	}
	for _, f := range found {
		a := f.Article
		shown := access.Project(a.Blocks(), s.Access.Glance(v, a, now, cfg), cfg.LeadParagraphs)
		texts := []string{a.Summary}
		for _, b := range shown.Blocks {
			texts = append(texts, b.Text)
		}
		page.Hits = append(page.Hits, Hit{
			Article:  a,
			Headline: content.Highlight(a.Headline, r.Query),
			Snippet:  content.Snippet(strings.Join(texts, "\n"), r.Query),
			Whole:    shown.Whole,
		})
	}
	return page, nil
}

// IsBadRequest reports whether err is the searcher's to fix.
func IsBadRequest(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Cursors are opaque to readers and apps: the sort, the score (0 by
// date), the time in seconds and nanoseconds (UnixNano would not hold a
// year before 1678) and the id. Equal scores are in order of time.
func encodeCursor(c content.SearchCursor, sort content.SearchSort) string {
	if sort == content.ByDate {
		c.Score = 0
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(sort[0]) + ":" + strconv.FormatFloat(c.Score, 'g', -1, 64) + ":" +
		strconv.FormatInt(c.PublishedAt.Unix(), 10) + ":" + strconv.Itoa(c.PublishedAt.Nanosecond()) + ":" + strconv.FormatInt(c.ID, 10)))
}

// decodeCursor reads a cursor encodeCursor wrote, or a date cursor of the
// release before ("d:UnixNano:id"), still held by apps paging then; a
// relevance cursor of then ordered ties otherwise, and is refused.
func decodeCursor(s string, sort content.SearchSort) (content.SearchCursor, error) {
	bad := errors.New("malformed cursor")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return content.SearchCursor{}, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) == 0 || parts[0] != string(sort[0]) {
		return content.SearchCursor{}, bad
	}
	var c content.SearchCursor
	switch {
	case len(parts) == 3 && sort == content.ByDate:
		n, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return content.SearchCursor{}, bad
		}
		c.PublishedAt = time.Unix(0, n).UTC()
	case len(parts) == 5:
		if c.Score, err = strconv.ParseFloat(parts[1], 64); err != nil || math.IsNaN(c.Score) || math.IsInf(c.Score, 0) {
			return content.SearchCursor{}, bad
		}
		sec, err1 := strconv.ParseInt(parts[2], 10, 64)
		nsec, err2 := strconv.ParseInt(parts[3], 10, 64)
		if err1 != nil || err2 != nil || nsec < 0 || nsec >= 1e9 {
			return content.SearchCursor{}, bad
		}
		c.PublishedAt = time.Unix(sec, nsec).UTC()
	default:
		return content.SearchCursor{}, bad
	}
	if c.ID, err = strconv.ParseInt(parts[len(parts)-1], 10, 64); err != nil || c.ID < 0 {
		return content.SearchCursor{}, bad
	}
	return c, nil
}

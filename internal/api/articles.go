package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
)

// Page sizes of the story list.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// articleSummary is a story in a list: what the front page shows, never
// any of the body.
type articleSummary struct {
	Slug        string `json:"slug"`
	URL         string `json:"url"`
	Headline    string `json:"headline"`
	Summary     string `json:"summary"`
	Section     string `json:"section"`
	Premium     bool   `json:"premium"`
	PublishedAt string `json:"published_at"`
}

func (s *Server) summaryOf(a *content.Article) articleSummary {
	return articleSummary{
		Slug:        a.Slug,
		URL:         s.BaseURL + "/article/" + a.Slug,
		Headline:    a.Headline,
		Summary:     a.Summary,
		Section:     a.SectionSlug,
		Premium:     a.Premium(),
		PublishedAt: a.PublishedAt.UTC().Format(time.RFC3339),
	}
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	var after *content.Cursor
	if v := q.Get("cursor"); v != "" {
		c, err := decodeCursor(v)
		if err != nil {
			return badRequest("cursor is not one this API gave out")
		}
		after = c
	}
	// One more than asked says whether there is a next page.
	list, err := s.Articles.Latest(r.Context(), q.Get("section"), after, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Articles   []articleSummary `json:"articles"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{Articles: []articleSummary{}}
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		out.NextCursor = encodeCursor(content.Cursor{PublishedAt: last.PublishedAt, ID: last.ID})
	}
	for _, a := range list {
		out.Articles = append(out.Articles, s.summaryOf(a))
	}
	return writeJSON(w, http.StatusOK, out)
}

// pageLimit reads a list's limit parameter: defaultLimit when absent.
func pageLimit(v string) (int, error) {
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest("limit must be a whole number from 1 to " + strconv.Itoa(maxLimit))
	}
	return n, nil
}

// encodeCursor makes a place in the list opaque to apps, so its form can
// change without breaking them.
func encodeCursor(c content.Cursor) string {
	raw := strconv.FormatInt(c.PublishedAt.UnixNano(), 10) + ":" + strconv.FormatInt(c.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

var errBadCursor = errors.New("malformed cursor")

func decodeCursor(v string) (*content.Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, errBadCursor
	}
	ts, id, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, errBadCursor
	}
	nanos, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, errBadCursor
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 0 {
		return nil, errBadCursor
	}
	return &content.Cursor{PublishedAt: time.Unix(0, nanos).UTC(), ID: n}, nil
}

// articleJSON is one story as a reader may receive it. Paragraphs and Body
// come from the story's access.Projection, never from the stored body: a
// gated story carries its lead only, and no body at all.
type articleJSON struct {
	articleSummary
	SectionName string   `json:"section_name"`
	Author      string   `json:"author"`
	Paragraphs  []string `json:"paragraphs"`  // each block's text
	BlocksHTML  []string `json:"blocks_html"` // each block as sanitized HTML
	Body        *string  `json:"body,omitempty"`
}

type accessJSON struct {
	Granted   bool   `json:"granted"`
	Reason    string `json:"reason"`
	FreeLimit int    `json:"free_limit"`
	Remaining int    `json:"remaining"`
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.Content.Article(ctx, r.PathValue("slug"), s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return s.redirectMoved(w, r)
	}
	if err != nil {
		return err
	}
	v, err := s.viewerOf(w, r)
	if err != nil {
		return err
	}
	cfg := s.Settings.Get()
	d, err := s.Access.Decide(ctx, v.Viewer, a, cfg)
	if err != nil {
		return err
	}
	s.handReaderID(w, v, d)
	shown := access.Project(a.Blocks(), d, cfg.LeadParagraphs)
	out := articleJSON{
		articleSummary: s.summaryOf(a),
		SectionName:    a.SectionName,
		Author:         a.Author,
		Paragraphs:     make([]string, len(shown.Blocks)),
		BlocksHTML:     make([]string, len(shown.Blocks)),
	}
	for i, b := range shown.Blocks {
		out.Paragraphs[i], out.BlocksHTML[i] = b.Text, b.HTML
	}
	if shown.Whole {
		body := content.JoinParagraphs(out.Paragraphs)
		out.Body = &body
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"article": out,
		"access": accessJSON{
			Granted:   d.Granted,
			Reason:    string(d.Reason),
			FreeLimit: d.FreeLimit,
			Remaining: d.Remaining,
		},
	})
}

// headArticle answers a HEAD of a story with what every reader's GET of it
// shares: whether it exists, and its content type. It decides nothing, so
// a HEAD never uses up a free story nor hands out a reader id.
func (s *Server) headArticle(w http.ResponseWriter, r *http.Request) error {
	_, err := s.Content.Article(r.Context(), r.PathValue("slug"), s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound("there is no story with that slug")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	return nil
}

// redirectMoved answers a slug a story left with a permanent redirect to
// the story under its new slug; any other unknown slug with 404.
func (s *Server) redirectMoved(w http.ResponseWriter, r *http.Request) error {
	slug, err := s.Articles.MovedTo(r.Context(), r.PathValue("slug"))
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound("there is no story with that slug")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/api/v1/articles/"+url.PathEscape(slug), http.StatusMovedPermanently)
	return nil
}

package api

import (
	"html"
	"net/http"
	"strings"

	"broadsheet/internal/content"
	"broadsheet/internal/search"
)

// searchHit is one search result: the story's summary as lists give it,
// and a snippet drawn only from what the searcher may read of it (the lead
// of a gated story), as text and as HTML with matches in <mark>.
type searchHit struct {
	articleSummary
	HeadlineHTML string `json:"headline_html"`
	Snippet      string `json:"snippet"`
	SnippetHTML  string `json:"snippet_html"`
}

func (s *Server) searchArticles(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.signedIn(r)
	if err != nil {
		return err
	}
	if !ok {
		v = &viewer{} // snippets count nothing: an anonymous reader is any reader
	}
	cfg := s.Settings.Get()
	req, err := search.ParseRequest(r.URL.Query(), cfg.Location)
	if search.IsBadRequest(err) {
		return badRequest(err.Error())
	}
	if err != nil {
		return err
	}
	page, err := s.Search.Search(r.Context(), v.Viewer, req, cfg)
	if err != nil {
		return err
	}
	out := struct {
		Query      string      `json:"query"`
		Results    []searchHit `json:"results"`
		NextCursor string      `json:"next_cursor,omitempty"`
	}{Query: req.Query.String(), Results: []searchHit{}, NextCursor: page.Next}
	for _, h := range page.Hits {
		text, marked := fragments(h.Snippet)
		_, headline := fragments(h.Headline)
		out.Results = append(out.Results, searchHit{articleSummary: s.summaryOf(h.Article),
			HeadlineHTML: headline, Snippet: text, SnippetHTML: marked})
	}
	return writeJSON(w, http.StatusOK, out)
}

// fragments joins highlighted text as plain text and as escaped HTML with
// each match in <mark>.
func fragments(frags []content.Fragment) (text, marked string) {
	var t, h strings.Builder
	for _, f := range frags {
		t.WriteString(f.Text)
		if f.Match {
			h.WriteString("<mark>" + html.EscapeString(f.Text) + "</mark>")
		} else {
			h.WriteString(html.EscapeString(f.Text))
		}
	}
	return t.String(), h.String()
}

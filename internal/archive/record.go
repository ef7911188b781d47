// Package archive brings a publication's stories from its older system:
// it reads them as JSON Lines, checks and renders each as the newsroom
// would, and has the store write them in batches, resumably. It also
// makes synthetic archives to try it on (Generate).
package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/content"
	"broadsheet/internal/markup"
)

// Record is one line of an import file: one story of the older system.
type Record struct {
	ID          json.RawMessage `json:"id"`
	Headline    string          `json:"headline"`
	Standfirst  string          `json:"standfirst"`
	Body        string          `json:"body"`
	Format      string          `json:"format"` // html or markdown (the default)
	PublishedAt string          `json:"published_at"`
	Section     string          `json:"section"`
	Authors     names           `json:"authors"`
	Tags        names           `json:"tags"`
	Access      string          `json:"access"`
	Slug        string          `json:"slug,omitempty"`
	URL         string          `json:"url,omitempty"`
}

// names is a list of names: a JSON array of strings, or one string of
// names separated by commas.
type names []string

func (n *names) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*n = content.SplitNames(one)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("want a list of names")
	}
	*n = list
	return nil
}

// Limits on an imported story, the newsroom's where it has one.
const (
	maxHeadline   = 200
	maxStandfirst = 2000
	maxBody       = 1 << 20
	maxAuthors    = 300
	maxTags       = 20
	maxTag        = 60
	maxSourceID   = 200
	maxPath       = 2000
)

// Parse reads one line and makes the story it describes, rendered and
// sanitized by r as the newsroom saves one: a Markdown body is rendered,
// an HTML body sanitized into blocks; either way the stored body is
// Markdown the console can edit. The error says what is wrong with the
// line, for the person running the import.
func Parse(line []byte, r *markup.Renderer) (*content.Imported, error) {
	var rec Record
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", jsonReason(err))
	}
	sid, err := sourceID(rec.ID)
	if err != nil {
		return nil, err
	}
	a := &content.Article{Status: content.StatusPublished, Format: content.Markdown}
	st := &content.Imported{Article: a, SourceID: sid}
	a.Headline = strings.Join(strings.Fields(rec.Headline), " ")
	switch n := utf8.RuneCountInString(a.Headline); {
	case n == 0:
		return nil, errors.New("missing headline")
	case n > maxHeadline:
		return nil, fmt.Errorf("headline longer than %d characters", maxHeadline)
	}
	if a.Summary = strings.TrimSpace(rec.Standfirst); utf8.RuneCountInString(a.Summary) > maxStandfirst {
		return nil, fmt.Errorf("standfirst longer than %d characters", maxStandfirst)
	}
	if rec.PublishedAt == "" {
		return nil, errors.New("missing published_at")
	}
	at, err := time.Parse(time.RFC3339, rec.PublishedAt)
	if err != nil {
		return nil, fmt.Errorf("bad date %q in published_at: want RFC 3339, such as 1998-03-12T09:30:00Z", rec.PublishedAt)
	}
	a.PublishedAt = at.UTC().Truncate(time.Second)
	if a.Access = content.Access(strings.TrimSpace(rec.Access)); a.Access == "" {
		a.Access = content.Metered
	}
	if !a.Access.Valid() {
		return nil, fmt.Errorf("unknown access %q: want free, metered or premium", rec.Access)
	}
	st.Section = strings.Join(strings.Fields(rec.Section), " ")
	if a.SectionSlug = content.Slugify(st.Section); a.SectionSlug == "" {
		return nil, errors.New("missing section")
	}
	if err := setPeople(a, rec.Authors, rec.Tags); err != nil {
		return nil, err
	}
	if err := setBody(a, rec.Body, rec.Format, r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(rec.Slug) != "" {
		if a.Slug = content.Slugify(rec.Slug); a.Slug == "" {
			return nil, fmt.Errorf("slug %q has no letter or digit", rec.Slug)
		}
		st.SlugGiven = true
	} else if a.Slug = content.Slugify(a.Headline); a.Slug == "" {
		a.Slug = "story"
	}
	if st.OldPath, err = OldPath(rec.URL); err != nil {
		return nil, err
	}
	return st, nil
}

// sourceID reads the story's id in the older system: a string or a whole
// number.
func sourceID(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("missing id")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
			return "", errors.New("bad id: want a string or a whole number")
		}
		s = string(raw)
	}
	switch s = strings.TrimSpace(s); {
	case s == "":
		return "", errors.New("missing id")
	case len(s) > maxSourceID:
		return "", fmt.Errorf("id longer than %d bytes", maxSourceID)
	}
	return s, nil
}

func setPeople(a *content.Article, authors, tags names) error {
	a.Authors = content.AuthorsOf(strings.Join(authors, ","))
	a.Author = content.Byline(a.Authors)
	if utf8.RuneCountInString(a.Author) > maxAuthors {
		return fmt.Errorf("authors longer than %d characters in all", maxAuthors)
	}
	for _, au := range a.Authors {
		if au.Slug == "" {
			return fmt.Errorf("author %q has no letter or digit", au.Name)
		}
	}
	a.Tags = content.TagsOf(strings.Join(tags, ","))
	if len(a.Tags) > maxTags {
		return fmt.Errorf("more than %d tags", maxTags)
	}
	for _, t := range a.Tags {
		if t.Slug == "" {
			return fmt.Errorf("tag %q has no letter or digit", t.Name)
		}
		if utf8.RuneCountInString(t.Name) > maxTag {
			return fmt.Errorf("tag longer than %d characters", maxTag)
		}
	}
	return nil
}

// setBody renders the body. An HTML body is stored as its sanitized
// blocks, one after another with blank lines between, which as Markdown
// renders to the same blocks when an editor opens and saves the story.
func setBody(a *content.Article, body, format string, r *markup.Renderer) error {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "":
		return errors.New("missing body")
	case len(body) > maxBody:
		return fmt.Errorf("body longer than %d bytes", maxBody)
	case !utf8.ValidString(body):
		return errors.New("body is not valid UTF-8")
	}
	var err error
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "markdown", "md":
		a.Body = body
		a.Rendered, err = r.Markdown(body)
	case "html":
		if a.Rendered, err = r.HTML(body); err == nil {
			parts := make([]string, len(a.Rendered))
			for i, b := range a.Rendered {
				parts[i] = b.HTML
			}
			a.Body = strings.Join(parts, "\n\n")
		}
	default:
		return fmt.Errorf("unknown format %q: want html or markdown", format)
	}
	if err != nil {
		return fmt.Errorf("body: %v", err)
	}
	if len(a.Rendered) == 0 {
		return errors.New("body has no text once sanitized")
	}
	return nil
}

// OldPath is the path of an old address, which then redirects: a full URL
// or a path, without its query or fragment.
func OldPath(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" || !strings.HasPrefix(u.Path, "/") || u.Path == "/" || len(u.Path) > maxPath {
		return "", fmt.Errorf("bad url %q: want the story's old address, such as /1998/03/12/budget.html", raw)
	}
	return u.Path, nil
}

// jsonReason shortens a decoding error to what a person can act on.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%v (at byte %d)", syn, syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s should be %s, not %s", typ.Field, typ.Type, typ.Value)
	}
	return err.Error()
}

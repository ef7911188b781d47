package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/newsroom"
)

// storyJSON is a story as the newsroom's tools see it, in any state. A
// list carries no body; one story does (storyFullJSON).
type storyJSON struct {
	ID          int64    `json:"id"`
	Slug        string   `json:"slug"`
	URL         string   `json:"url"`
	Status      string   `json:"status"` // draft, scheduled, published or unpublished
	PublishAt   string   `json:"publish_at"`
	Headline    string   `json:"headline"`
	Standfirst  string   `json:"standfirst"`
	Section     string   `json:"section"`
	Authors     []string `json:"authors"`
	Tags        []string `json:"tags"`
	Access      string   `json:"access"`
	EditorsPick bool     `json:"editors_pick"`
	Revision    int      `json:"revision"`
	UpdatedAt   string   `json:"updated_at"`
}

type storyFullJSON struct {
	storyJSON
	BodyMarkdown string `json:"body_markdown"`
}

func (s *Server) storyOf(a *content.Article) storyJSON {
	// Empty lists, never null: a tool iterates them.
	authors, tags := append([]string{}, a.AuthorNames()...), append([]string{}, a.TagNames()...)
	return storyJSON{
		ID: a.ID, Slug: a.Slug, URL: s.BaseURL + "/article/" + a.Slug, Status: a.State(s.Now()),
		PublishAt: a.PublishedAt.UTC().Format(time.RFC3339), Headline: a.Headline, Standfirst: a.Summary,
		Section: a.SectionSlug, Authors: authors, Tags: tags, Access: string(a.Access), EditorsPick: a.EditorsPick,
		Revision: a.Revision, UpdatedAt: a.UpdatedAt.UTC().Format(time.RFC3339),
	}
}

// writeStory answers with one story and the ETag a PATCH of it should
// send back as If-Match.
func (s *Server) writeStory(w http.ResponseWriter, status int, a *content.Article) error {
	w.Header().Set("ETag", etag(a.Revision))
	return writeJSON(w, status, map[string]storyFullJSON{"article": {s.storyOf(a), a.Body}})
}

// storyIn is a story as a tool sends it. Each field is a pointer so that
// a PATCH changes only the fields it carries; null is the same as absent.
type storyIn struct {
	Headline     *string   `json:"headline"`
	Standfirst   *string   `json:"standfirst"`
	BodyMarkdown *string   `json:"body_markdown"`
	Section      *string   `json:"section"`
	Authors      *[]string `json:"authors"`
	Tags         *[]string `json:"tags"`
	Access       *string   `json:"access"`
	Status       *string   `json:"status"`
	PublishAt    *string   `json:"publish_at"`
	EditorsPick  *bool     `json:"editors_pick"`
	Slug         *string   `json:"slug"`
}

// decodeStory reads a story's JSON (already bounded and checked to be text
// by the guard). A field this API does not know is refused rather than
// dropped, so a misspelt one is not silently lost.
func decodeStory(r *http.Request) (storyIn, error) {
	var in storyIn
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		field, _, _ := strings.Cut(typeErr.Field, ".")
		return in, invalidFields([]newsroom.FieldError{{Field: field, Reason: "must be " + jsonKind(typeErr.Type)}})
	case errors.As(err, &tooBig):
		return in, errorf(http.StatusRequestEntityTooLarge, "the request is larger than the "+strconv.Itoa(maxStoryBody>>10)+" KiB allowed")
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		return in, badRequest("the body holds an " + strings.TrimPrefix(err.Error(), "json: ") + "; a story's fields are " +
			"headline, standfirst, body_markdown, section, authors, tags, access, status, publish_at, editors_pick and slug")
	case err != nil:
		return in, badRequest("the body must be one JSON object: a story's fields")
	}
	if _, err := dec.Token(); err != io.EOF {
		return in, badRequest("the body must hold one JSON object")
	}
	return in, nil
}

// jsonKind names the JSON a Go type is decoded from, for an app's author.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of strings"
	}
	return "a string"
}

// overlay puts the fields in carries on d. It checks what the newsroom
// would take in another form: publish_at must be RFC 3339 here (the
// console also takes a local time), and a name or a tag holds no comma
// (the newsroom keeps them separated by commas).
func (in storyIn) overlay(d *newsroom.Draft) error {
	var bad []newsroom.FieldError
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Headline, in.Headline)
	set(&d.Standfirst, in.Standfirst)
	set(&d.Body, in.BodyMarkdown)
	set(&d.Section, in.Section)
	set(&d.Access, in.Access)
	set(&d.Status, in.Status)
	set(&d.Slug, in.Slug)
	if in.EditorsPick != nil {
		d.EditorsPick = *in.EditorsPick
	}
	if in.Authors != nil {
		if names := *in.Authors; strings.Contains(strings.Join(names, ""), ",") {
			bad = append(bad, newsroom.FieldError{Field: "authors", Reason: "give each name as its own string, without commas"})
		} else {
			d.Authors = strings.Join(names, ", ")
		}
	}
	if in.Tags != nil {
		if names := *in.Tags; strings.Contains(strings.Join(names, ""), ",") {
			bad = append(bad, newsroom.FieldError{Field: "tags", Reason: "give each tag as its own string, without commas"})
		} else {
			d.Tags = strings.Join(names, ", ")
		}
	}
	if in.PublishAt != nil {
		if _, err := time.Parse(time.RFC3339, *in.PublishAt); err != nil && *in.PublishAt != "" {
			bad = append(bad, newsroom.FieldError{Field: "publish_at", Reason: "give an RFC 3339 time such as 2026-12-05T09:30:00+05:30, or \"\" for none"})
		}
		d.PublishAt = *in.PublishAt
	}
	if len(bad) > 0 {
		return invalidFields(bad)
	}
	return nil
}

// draftOf is a stored story as the draft a PATCH is laid over: saved as it
// is, it changes nothing. A draft's time is left out (it is when the draft
// was begun), so that publishing it without a time publishes it now.
func draftOf(a *content.Article) newsroom.Draft {
	d := newsroom.Draft{
		Headline: a.Headline, Standfirst: a.Summary, Body: a.Body, Section: a.SectionSlug, Authors: a.Author,
		Tags: strings.Join(a.TagNames(), ", "), Slug: a.Slug, Access: string(a.Access), Status: string(a.Status), EditorsPick: a.EditorsPick, Revision: a.Revision,
	}
	if a.Status != content.StatusDraft {
		d.PublishAt = a.PublishedAt.UTC().Format(time.RFC3339)
	}
	return d
}

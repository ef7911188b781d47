package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
)

// The newsroom's endpoints let a newsroom's own tools (an importer, a
// script, another editor) list, write, schedule, publish and unpublish
// stories through the same newsroom service as the console. Editors and
// admins only.

const (
	adminPrefix   = "/api/v1/admin/"
	adminArticles = adminPrefix + "articles"
)

// requireStaff is requireAccount for the newsroom: a reader's token is
// refused (403) before anything in the request is read.
func (s *Server) requireStaff(r *http.Request) (*viewer, error) {
	v, err := s.requireAccount(r)
	if err != nil {
		return nil, err
	}
	if !v.Account.Role.IsStaff() {
		return nil, errorf(http.StatusForbidden, "only editors and admins may use the newsroom's endpoints")
	}
	return v, nil
}

func (s *Server) listStories(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireStaff(r); err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	f := content.StoryFilter{State: q.Get("status"), Section: q.Get("section"), Query: strings.TrimSpace(q.Get("q")), Limit: limit + 1}
	if f.State != "" && !slices.Contains(newsroom.States, f.State) {
		return badRequest("status must be one of " + strings.Join(newsroom.States, ", ") + ", or absent for every story")
	}
	if v := q.Get("cursor"); v != "" {
		if f.Before, err = decodeStoryCursor(v); err != nil {
			return badRequest("cursor is not one this API gave out")
		}
	}
	list, err := s.Newsroom.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Articles   []storyJSON `json:"articles"`
		NextCursor string      `json:"next_cursor,omitempty"`
	}{Articles: []storyJSON{}}
	// One more than asked says whether there is a next page.
	if len(list) > limit {
		list = list[:limit]
		out.NextCursor = encodeStoryCursor(list[len(list)-1].ID)
	}
	for _, a := range list {
		out.Articles = append(out.Articles, s.storyOf(a))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) showStory(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireStaff(r); err != nil {
		return err
	}
	a, err := s.storyByPath(r)
	if err != nil {
		return err
	}
	return s.writeStory(w, http.StatusOK, a)
}

func (s *Server) createStory(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireStaff(r)
	if err != nil {
		return err
	}
	in, err := decodeStory(r)
	if err != nil {
		return err
	}
	var d newsroom.Draft
	if err := in.overlay(&d); err != nil {
		return err
	}
	a, err := s.Newsroom.Save(r.Context(), v.AccountID, 0, d, s.Settings.Get().Location)
	if err != nil {
		return storyError(err)
	}
	w.Header().Set("Location", adminArticles+"/"+strconv.FormatInt(a.ID, 10))
	return s.writeStory(w, http.StatusCreated, a)
}

// updateStory saves the fields a PATCH carries over the stored story,
// the others kept as they are. It saves only over the revision the
// If-Match names; without one, over the revision read here, so a save
// that lands in between is still never overwritten.
func (s *Server) updateStory(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireStaff(r)
	if err != nil {
		return err
	}
	a, err := s.storyByPath(r)
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, a.Revision); err != nil {
		return err
	}
	in, err := decodeStory(r)
	if err != nil {
		return err
	}
	d := draftOf(a)
	if err := in.overlay(&d); err != nil {
		return err
	}
	saved, err := s.Newsroom.Save(r.Context(), v.AccountID, a.ID, d, s.Settings.Get().Location)
	if err != nil {
		return storyError(err)
	}
	return s.writeStory(w, http.StatusOK, saved)
}

// storyByPath returns the story the path's {id} names, in any state.
func (s *Server) storyByPath(r *http.Request) (*content.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, notFound("there is no story with that id")
	}
	a, err := s.Newsroom.Story(r.Context(), id)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, notFound("there is no story with that id")
	}
	return a, err
}

// etag names a story's revision: each save makes a new one.
func etag(revision int) string { return `"r` + strconv.Itoa(revision) + `"` }

// checkIfMatch refuses (412) a request whose If-Match names none of the
// story's current revision, "*" or nothing at all. Weak tags never match:
// If-Match compares strongly.
func checkIfMatch(r *http.Request, current int) error {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return nil
	}
	for _, tag := range strings.Split(strings.Join(values, ","), ",") {
		tag = strings.TrimSpace(tag)
		switch {
		case tag == "*" || tag == etag(current):
			return nil
		case !strings.HasSuffix(tag, `"`) || !strings.HasPrefix(strings.TrimPrefix(tag, "W/"), `"`) || len(tag) < 2:
			return badRequest(`If-Match must hold the ETag this API sent with the story, such as "r3"`)
		}
	}
	return errorf(http.StatusPreconditionFailed, "this story was saved again since the revision your If-Match names: "+
		"nothing was saved; fetch it again (it is at "+etag(current)+"), make your change over it and send its ETag")
}

// storyError turns what the newsroom refused into the API's answers.
func storyError(err error) error {
	var bad *newsroom.InvalidError
	switch {
	case errors.As(err, &bad):
		fields := slices.Clone(bad.Fields)
		for i, f := range fields {
			if f.Field == "body" { // the newsroom's name for it
				fields[i].Field = "body_markdown"
			}
		}
		return invalidFields(fields)
	case errors.Is(err, dberr.ErrStale):
		return errorf(http.StatusPreconditionFailed, "this story was saved by someone else while yours was on its way: "+
			"nothing was saved; fetch it again, make your change over it and send its ETag")
	}
	return err
}

// invalidFields is a 422 naming each bad field: nothing was saved.
func invalidFields(fields []newsroom.FieldError) error {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Field
	}
	return &Error{Status: http.StatusUnprocessableEntity, Fields: fields,
		Message: "the story was not saved: check " + strings.Join(names, ", ")}
}

// encodeStoryCursor makes a place in the newsroom's list opaque, as the
// public list's cursor is; its own prefix keeps the two apart.
func encodeStoryCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("story:" + strconv.FormatInt(id, 10)))
}

func decodeStoryCursor(v string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return 0, errBadCursor
	}
	id, ok := strings.CutPrefix(string(raw), "story:")
	if !ok {
		return 0, errBadCursor
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return 0, errBadCursor
	}
	return n, nil
}

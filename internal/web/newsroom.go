package web

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/httpguard"
	"broadsheet/internal/media"
	"broadsheet/internal/meter"
	"broadsheet/internal/newsroom"
)

// The newsroom's console: editors and admins list, write, preview,
// schedule, publish and unpublish stories, and restore earlier revisions.

// storiesPage is how many stories the console lists at a time.
const storiesPage = 50

type storiesData struct {
	Stories  []storyRow
	Filter   content.StoryFilter
	Sections []content.Section
	States   []string
	Next     string // the next page's address, or ""
}

type storyRow struct {
	*content.Article
	State     string
	Published string // when it was or will be published, in the publication's zone
}

func (s *Server) showStories(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	q := r.URL.Query()
	f := content.StoryFilter{State: q.Get("state"), Section: q.Get("section"), Query: strings.TrimSpace(q.Get("q")), Limit: storiesPage + 1}
	if b := q.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 1 {
			return badRequest("That page of stories does not exist.")
		}
	}
	list, err := s.Newsroom.List(r.Context(), f)
	if err != nil {
		return err
	}
	secs, err := s.Newsroom.Sections(r.Context())
	if err != nil {
		return err
	}
	data := storiesData{Filter: f, Sections: secs, States: newsroom.States}
	if len(list) > storiesPage {
		list = list[:storiesPage]
		next := url.Values{"state": {f.State}, "section": {f.Section}, "q": {f.Query},
			"before": {strconv.FormatInt(list[len(list)-1].ID, 10)}}
		data.Next = "/admin/articles?" + next.Encode()
	}
	data.Stories = s.storyRows(list)
	return s.render(w, http.StatusOK, "stories", s.newPage(w, r, v, "Stories", data))
}

// storyForm is the story editor's page.
type storyForm struct {
	ID        int64
	Draft     newsroom.Draft
	Sections  []content.Section
	States    []string
	Accesses  []content.Access
	Zone      string
	Invalid   *newsroom.InvalidError // what is wrong with a submitted draft
	Problem   string                 // a problem with the whole form
	Live      string                 // the story's address while readers can find it
	Image     string                 // the story's saved lead image, if any
	Revisions []revisionRow
}

type revisionRow struct {
	content.Revision
	Saved string // when, in the publication's zone
}

func (s *Server) showNewStory(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	return s.renderStoryForm(w, r, v, http.StatusOK, &storyForm{Draft: newsroom.Draft{Access: string(content.Metered), Status: "draft"}})
}

func (s *Server) showStory(w http.ResponseWriter, r *http.Request) error {
	v, a, err := s.editorsStory(w, r)
	if err != nil || a == nil {
		return err
	}
	return s.renderStoryForm(w, r, v, http.StatusOK, &storyForm{ID: a.ID, Draft: s.draftOf(a)})
}

// editorsStory lets staff through (others are sent to sign in or refused)
// and returns the story the path's {id} names; a nil story with a nil
// error means the response is written.
func (s *Server) editorsStory(w http.ResponseWriter, r *http.Request) (*viewer, *content.Article, error) {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return nil, nil, err
	}
	a, err := s.storyByPath(r)
	return v, a, err
}

// storyByPath returns the story the path's {id} names, or 404.
func (s *Server) storyByPath(r *http.Request) (*content.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, notFound()
	}
	a, err := s.Newsroom.Story(r.Context(), id)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, notFound()
	}
	return a, err
}

// draftOf is a saved story as the editor's form shows it.
func (s *Server) draftOf(a *content.Article) newsroom.Draft {
	return newsroom.Draft{
		Headline: a.Headline, Standfirst: a.Summary, Body: a.Body, Section: a.SectionSlug, Authors: a.Author,
		Tags: strings.Join(a.TagNames(), ", "), Slug: a.Slug, Access: string(a.Access), Status: a.State(s.Now()), EditorsPick: a.EditorsPick,
		PublishAt: a.PublishedAt.In(s.Settings.Get().Location).Format("2006-01-02T15:04"), Revision: a.Revision,
		ImageCaption: a.Image.Caption, ImageCredit: a.Image.Credit,
	}
}

func (s *Server) renderStoryForm(w http.ResponseWriter, r *http.Request, v *viewer, status int, f *storyForm) error {
	ctx := r.Context()
	var err error
	if f.Sections, err = s.Newsroom.Sections(ctx); err != nil {
		return err
	}
	f.States, f.Accesses = newsroom.States, []content.Access{content.Free, content.Metered, content.Premium}
	f.Zone = s.Settings.Get().Location.String()
	if f.ID != 0 {
		revs, err := s.Newsroom.Revisions(ctx, f.ID)
		if err != nil {
			return err
		}
		for _, rev := range revs {
			f.Revisions = append(f.Revisions, revisionRow{rev, consoleTime(rev.SavedAt, s.Settings.Get().Location)})
		}
		if a, err := s.Newsroom.Story(ctx, f.ID); err == nil {
			f.Image = a.Image.Name
			if a.Visible(s.Now()) {
				f.Live = "/article/" + a.Slug
			}
		}
	}
	title := "New story"
	if f.ID != 0 {
		title = "Edit story"
	}
	return s.render(w, status, "story_edit", s.newPage(w, r, v, title, f))
}

// maxStoryForm bounds the editor's form: the largest image and the text.
const maxStoryForm = media.MaxImageBytes + 1<<20

// draftFromForm reads the editor's form, sent with an image file or not.
func draftFromForm(w http.ResponseWriter, r *http.Request) (newsroom.Draft, error) {
	if err := readUploadForm(w, r, "story"); err != nil {
		return newsroom.Draft{}, err
	}
	var err error
	f := r.PostForm.Get
	d := newsroom.Draft{
		Headline: f("headline"), Standfirst: f("standfirst"), Body: f("body"), Section: f("section"),
		Authors: f("authors"), Tags: f("tags"), Slug: f("slug"), Access: f("access"), Status: f("status"), PublishAt: f("publish_at"),
		EditorsPick: f("editors_pick") != "", RemoveImage: f("remove_image") != "",
		ImageCaption: f("image_caption"), ImageCredit: f("image_credit"),
	}
	if rev := f("revision"); rev != "" {
		n, err := strconv.Atoi(rev)
		if err != nil || n < 0 {
			return d, badRequest("The form could not be read.")
		}
		d.Revision = n
	}
	if d.Image, err = uploadedFile(r, "image"); err != nil {
		return d, badRequest("The image could not be read.")
	}
	return d, nil
}

// readUploadForm reads a console form that may carry an image, within
// the bound the guard allows uploads; what names the form's subject.
func readUploadForm(w http.ResponseWriter, r *http.Request, what string) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxStoryForm)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxStoryForm)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &httpError{http.StatusRequestEntityTooLarge, "The " + what + " and its image may be at most 9 MB."}
	}
	if err != nil || !formIsText(r) {
		return badRequest("The form could not be read.")
	}
	return nil
}

// formIsText reports whether every field of the form is UTF-8 text (the
// guard checks urlencoded forms; a multipart one is read here).
func formIsText(r *http.Request) bool {
	for _, vs := range r.PostForm {
		for _, v := range vs {
			if !httpguard.Text(v) {
				return false
			}
		}
	}
	return true
}

// uploadedFile returns the file sent in the form's field, nil if none.
func uploadedFile(r *http.Request, field string) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, nil
	}
	file, err := r.MultipartForm.File[field][0].Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// submitStory saves a new story (POST /admin/articles) or a new revision
// of one (POST /admin/articles/{id}).
func (s *Server) submitStory(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	var id int64
	if r.PathValue("id") != "" {
		a, err := s.storyByPath(r)
		if err != nil {
			return err
		}
		id = a.ID
	}
	d, err := draftFromForm(w, r)
	if err != nil {
		return err
	}
	a, err := s.Newsroom.Save(r.Context(), v.AccountID, id, d, s.Settings.Get().Location)
	if err != nil {
		return s.refuseDraft(w, r, v, id, d, err)
	}
	s.setNotice(w, noticeStorySaved)
	http.Redirect(w, r, "/admin/articles/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	return nil
}

// refuseDraft shows the editor their draft again with why it was not
// saved: bad fields (422) or someone else's save since they opened it
// (409). Their text is kept in the form, so nothing typed is lost.
func (s *Server) refuseDraft(w http.ResponseWriter, r *http.Request, v *viewer, id int64, d newsroom.Draft, err error) error {
	f := &storyForm{ID: id, Draft: d}
	var invalid *newsroom.InvalidError
	switch {
	case errors.As(err, &invalid):
		f.Invalid = invalid
		return s.renderStoryForm(w, r, v, http.StatusUnprocessableEntity, f)
	case errors.Is(err, dberr.ErrStale):
		f.Problem = "This story was saved by someone else since you opened it, so your changes were not saved. " +
			"They are still in the form below: open the story again in another tab to see the latest version, then save yours over it."
		return s.renderStoryForm(w, r, v, http.StatusConflict, f)
	}
	return err
}

func (s *Server) submitRestore(w http.ResponseWriter, r *http.Request) error {
	v, a, err := s.editorsStory(w, r)
	if err != nil || a == nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	n, err1 := strconv.Atoi(r.PostForm.Get("restore"))
	opened, err2 := strconv.Atoi(r.PostForm.Get("revision"))
	if err1 != nil || err2 != nil {
		return badRequest("The form could not be read.")
	}
	_, err = s.Newsroom.Restore(r.Context(), v.AccountID, a.ID, n, opened)
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return notFound()
	case err != nil:
		return s.refuseDraft(w, r, v, a.ID, s.draftOf(a), err)
	}
	s.setNotice(w, noticeStoryRestored)
	http.Redirect(w, r, "/admin/articles/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	return nil
}

// previewData is the preview page: the story as two readers will see it.
type previewData struct {
	Headline   string
	Subscriber template.HTML
	Metered    template.HTML
	Saved      bool
}

// submitPreview shows the story in the editor's form as a subscriber and a
// metered reader will see it, saving nothing.
func (s *Server) submitPreview(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	d, err := draftFromForm(w, r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	a, err := s.Newsroom.Preview(r.Context(), max(id, 0), d, s.Settings.Get().Location)
	var invalid *newsroom.InvalidError
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return notFound()
	case errors.As(err, &invalid) && r.URL.Query().Get("part") == "previews":
		// The live preview shows what keeps the draft from being shown.
		return s.renderPart(w, http.StatusUnprocessableEntity, "story_edit", "draft-problems", invalid)
	case err != nil:
		return s.refuseDraft(w, r, v, id, d, err)
	}
	return s.renderPreview(w, r, v, a, false)
}

// showStoryPreview shows a saved story, whatever its state, as readers will
// see it: the staff's link to a draft.
func (s *Server) showStoryPreview(w http.ResponseWriter, r *http.Request) error {
	v, a, err := s.editorsStory(w, r)
	if err != nil || a == nil {
		return err
	}
	return s.renderPreview(w, r, v, a, true)
}

func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, v *viewer, a *content.Article, saved bool) error {
	rs, err := s.renderStoryParts(a)
	if err != nil {
		return err
	}
	cfg := s.Settings.Get()
	pc, err := s.pageCopy(cfg)
	if err != nil {
		return err
	}
	// The metered reader has used up the month's free stories, the case in
	// which the paywall shows.
	in := meter.Input{Access: a.Access, Used: cfg.FreeLimit, Limit: cfg.FreeLimit}
	rule := meter.Decide(in)
	readers := []access.Decision{
		{Granted: true, Reason: meter.Subscriber},
		{Granted: rule.Granted, Reason: rule.Reason, FreeLimit: cfg.FreeLimit, Used: cfg.FreeLimit},
	}
	login, err := s.paywallLogin(pc, a.Slug)
	if err != nil {
		return err
	}
	f := &storyFraming{copy: pc, login: login}
	views := make([]template.HTML, len(readers))
	for i, d := range readers {
		sv, err := s.storyForReader(rs, d, f)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		sv.writeTo(&buf)
		views[i] = template.HTML(buf.String())
	}
	data := previewData{Headline: a.Headline, Subscriber: views[0], Metered: views[1], Saved: saved}
	if r.URL.Query().Get("part") == "previews" {
		// The editor's live preview asks for the two views alone.
		return s.renderPart(w, http.StatusOK, "story_preview", "previews", data)
	}
	return s.render(w, http.StatusOK, "story_preview", s.newPage(w, r, v, "Preview: "+a.Headline, data))
}

// storyRows are stories as the console lists them.
func (s *Server) storyRows(list []*content.Article) []storyRow {
	now, loc := s.Now(), s.Settings.Get().Location
	rows := make([]storyRow, len(list))
	for i, a := range list {
		rows[i] = storyRow{a, a.State(now), consoleTime(a.PublishedAt, loc)}
	}
	return rows
}

// consoleTime formats a time in the publication's zone for the console.
func consoleTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006 15:04")
}

// showMedia serves an uploaded image. Its name is its content's hash, so
// it never changes and may be cached for ever.
func (s *Server) showMedia(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !media.ValidName(name) {
		return notFound()
	}
	f, err := s.Newsroom.Image(r.Context(), name)
	if errors.Is(err, fs.ErrNotExist) {
		return notFound()
	}
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", media.ContentType(name))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, name, time.Time{}, f)
	return nil
}

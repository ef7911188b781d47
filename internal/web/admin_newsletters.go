package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/offer"
)

// The newsletters' console, for editors and admins: the lists, and each
// issue composed, previewed, tested, scheduled or sent, with how far its
// send has got.

type newsletterConsoleData struct {
	Lists  []newsletter.List
	Issues []issueRow
	// Gates are the benefits that may open a list, as admins name them.
	Gates []offer.Shown
	Error string
}

type issueRow struct {
	Issue  *newsletter.Issue
	List   string
	Counts newsletter.Counts
}

func (s *Server) showNewsletterConsole(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	return s.renderNewsletterConsole(w, r, v, http.StatusOK, "")
}

func (s *Server) renderNewsletterConsole(w http.ResponseWriter, r *http.Request, v *viewer, status int, problem string) error {
	ctx := r.Context()
	d := &newsletterConsoleData{Error: problem}
	var err error
	if d.Lists, err = s.Newsletters.Lists(ctx); err != nil {
		return err
	}
	snap, err := s.Offer.Current(ctx)
	if err != nil {
		return err
	}
	for _, b := range snap.Benefits() {
		if b.Kind.MayGate() {
			d.Gates = append(d.Gates, s.Offer.Show(b))
		}
	}
	issues, err := s.Newsletters.Issues(ctx, 50)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, l := range d.Lists {
		names[l.ID] = l.Name
	}
	for _, i := range issues {
		row := issueRow{Issue: i, List: names[i.ListID]}
		if i.QueuedAt != nil {
			if row.Counts, err = s.Newsletters.Counts(ctx, i.ID); err != nil {
				return err
			}
		}
		d.Issues = append(d.Issues, row)
	}
	return s.render(w, status, "admin_newsletters", s.newPage(w, r, v, "Newsletters", d))
}

// submitNewsletterList adds a list (no id) or saves one.
func (s *Server) submitNewsletterList(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	l := newsletter.List{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Slug: strings.TrimSpace(r.PostFormValue("slug"))}
	// "0" (or nothing): every registered reader; otherwise the benefit
	// that opens the list.
	if gate := r.PostFormValue("benefit"); gate != "" && gate != "0" {
		if l.BenefitID, err = strconv.ParseInt(gate, 10, 64); err != nil || l.BenefitID < 0 {
			return s.renderNewsletterConsole(w, r, v, http.StatusUnprocessableEntity, "Choose who receives the newsletter.")
		}
	}
	if idText := r.PathValue("id"); idText != "" {
		if l.ID, err = strconv.ParseInt(idText, 10, 64); err != nil {
			return notFound()
		}
		err = s.Newsletters.UpdateList(r.Context(), l)
	} else {
		_, err = s.Newsletters.AddList(r.Context(), l)
	}
	var input *newsletter.InputError
	switch {
	case errors.As(err, &input):
		return s.renderNewsletterConsole(w, r, v, http.StatusUnprocessableEntity, readerMessage(err))
	case errors.Is(err, dberr.ErrNotFound):
		return notFound()
	case err != nil:
		return err
	}
	if err := s.RefreshNewsletters(r.Context()); err != nil {
		return err
	}
	s.setNotice(w, noticeListSaved)
	http.Redirect(w, r, "/admin/newsletters", http.StatusSeeOther)
	return nil
}

// submitNewsletterListDelete removes a list that has no issues.
func (s *Server) submitNewsletterListDelete(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	err = s.Newsletters.RemoveList(r.Context(), id)
	var input *newsletter.InputError
	switch {
	case errors.As(err, &input):
		return s.renderNewsletterConsole(w, r, v, http.StatusConflict, "Newsletter not removed: "+err.Error()+".")
	case errors.Is(err, dberr.ErrNotFound):
		return notFound()
	case err != nil:
		return err
	}
	if err := s.RefreshNewsletters(r.Context()); err != nil {
		return err
	}
	s.setNotice(w, noticeListRemoved)
	http.Redirect(w, r, "/admin/newsletters", http.StatusSeeOther)
	return nil
}

type issueEditData struct {
	Issue   *newsletter.Issue // nil for a new one
	List    newsletter.List
	Lists   []newsletter.List
	Draft   newsletter.Draft
	Stories []storyChoice
	Missing int // stories picked that are not published: left out when sent
	Counts  newsletter.Counts
	Failed  []newsletter.Failure
	SendAt  string // the scheduled time, in the publication's zone
	Error   string
}

type storyChoice struct {
	Article *content.Article
	Picked  bool
}

func (s *Server) showNewIssue(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	return s.renderIssue(w, r, v, http.StatusOK, &issueEditData{})
}

func (s *Server) showIssue(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	d, err := s.issueData(r)
	if err != nil {
		return err
	}
	return s.renderIssue(w, r, v, http.StatusOK, d)
}

// issueData reads the issue of the request's path, as saved.
func (s *Server) issueData(r *http.Request) (*issueEditData, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, notFound()
	}
	i, l, err := s.Newsletters.Issue(r.Context(), id)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, notFound()
	} else if err != nil {
		return nil, err
	}
	return &issueEditData{Issue: i, List: l, Draft: newsletter.Draft{ListID: i.ListID, Subject: i.Subject, Intro: i.Intro,
		StoryIDs: i.StoryIDs}}, nil
}

func (s *Server) renderIssue(w http.ResponseWriter, r *http.Request, v *viewer, status int, d *issueEditData) error {
	ctx := r.Context()
	var err error
	if d.Lists, err = s.Newsletters.Lists(ctx); err != nil {
		return err
	}
	recent, err := s.Newsletters.RecentStories(ctx, 50)
	if err != nil {
		return err
	}
	picked := map[int64]bool{}
	for _, id := range d.Draft.StoryIDs {
		picked[id] = true
	}
	for _, a := range recent {
		d.Stories = append(d.Stories, storyChoice{Article: a, Picked: picked[a.ID]})
		delete(picked, a.ID)
	}
	d.Missing = len(picked)
	title := "New issue"
	p := s.newPage(w, r, v, title, d)
	if i := d.Issue; i != nil {
		p.Title = i.Subject
		if i.SendAt != nil {
			d.SendAt = i.SendAt.In(s.Settings.Get().Location).Format("2 Jan 2006 15:04 MST")
		}
		if i.QueuedAt != nil {
			if d.Counts, err = s.Newsletters.Counts(ctx, i.ID); err != nil {
				return err
			}
			if d.Failed, err = s.Newsletters.Failures(ctx, i.ID, 50); err != nil {
				return err
			}
		}
		if i.Status == newsletter.StatusScheduled || i.Status == newsletter.StatusSending {
			// The console follows a send as it goes.
			p.Head = `<meta http-equiv="refresh" content="5">`
		}
	}
	return s.render(w, status, "admin_newsletter", p)
}

// issueForm reads the compose form.
func issueForm(r *http.Request) (newsletter.Draft, error) {
	d := newsletter.Draft{Subject: r.PostFormValue("subject"), Intro: r.PostFormValue("intro")}
	list, err := strconv.ParseInt(r.PostFormValue("list"), 10, 64)
	if err != nil {
		return d, &newsletter.InputError{Message: "choose the newsletter the issue is of"}
	}
	d.ListID = list
	for _, v := range r.PostForm["story"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return d, &newsletter.InputError{Message: "a story picked does not exist"}
		}
		d.StoryIDs = append(d.StoryIDs, id)
	}
	return d, nil
}

// submitIssue saves a new draft or changes to one.
func (s *Server) submitIssue(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	d := &issueEditData{}
	if r.PathValue("id") != "" {
		if d, err = s.issueData(r); err != nil {
			return err
		}
	}
	draft, err := issueForm(r)
	id := int64(0)
	if err == nil {
		if d.Issue == nil {
			id, err = s.Newsletters.CreateIssue(r.Context(), draft, v.Account.ID)
		} else {
			id, err = d.Issue.ID, s.Newsletters.UpdateIssue(r.Context(), d.Issue.ID, draft)
		}
	}
	var input *newsletter.InputError
	if errors.As(err, &input) || errors.Is(err, newsletter.ErrNoStories) || errors.Is(err, newsletter.ErrNotEditable) {
		d.Draft, d.Error = draft, readerMessage(err)
		return s.renderIssue(w, r, v, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeIssueSaved)
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// showIssuePreview shows an issue as a subscriber or a reader without a
// subscription would receive it, as the email's HTML or its text.
func (s *Server) showIssuePreview(w http.ResponseWriter, r *http.Request) error {
	_, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	html, text, err := s.Newsletters.Preview(r.Context(), id, s.Newsletters.PreviewViewer(r.URL.Query().Get("as") == "subscriber"))
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	} else if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	if r.URL.Query().Get("format") == "text" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		_, err = w.Write([]byte(text))
		return err
	}
	// The email's own styles are inline, as mail clients want them; its
	// HTML is sanitized stories and our template, with no script.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; frame-ancestors 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write([]byte(html))
	return err
}

// submitIssueTest sends the issue to the editor's own address.
func (s *Server) submitIssueTest(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	d, err := s.issueData(r)
	if err != nil {
		return err
	}
	if err := s.Newsletters.SendTest(r.Context(), d.Issue.ID, v.Account.Email, v.Viewer); err != nil {
		return err
	}
	s.setNotice(w, noticeIssueTestSent)
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(d.Issue.ID, 10), http.StatusSeeOther)
	return nil
}

// submitIssueSchedule sends the issue now, or schedules it for a time in
// the publication's time zone.
func (s *Server) submitIssueSchedule(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	d, err := s.issueData(r)
	if err != nil {
		return err
	}
	at := s.Now()
	if when := strings.TrimSpace(r.PostFormValue("send_at")); when != "" && r.PostFormValue("now") == "" {
		if at, err = time.ParseInLocation("2006-01-02T15:04", when, s.Settings.Get().Location); err != nil {
			d.Error = "The time to send is not one: give a day and a time."
			return s.renderIssue(w, r, v, http.StatusUnprocessableEntity, d)
		}
	}
	if _, err := s.Newsletters.Schedule(r.Context(), d.Issue.ID, at); errors.Is(err, newsletter.ErrAlreadySent) {
		d.Error = readerMessage(err)
		return s.renderIssue(w, r, v, http.StatusConflict, d)
	} else if err != nil {
		return err
	}
	s.setNotice(w, noticeIssueScheduled)
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(d.Issue.ID, 10), http.StatusSeeOther)
	return nil
}

// submitIssueUnschedule makes a scheduled issue a draft again.
func (s *Server) submitIssueUnschedule(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	d, err := s.issueData(r)
	if err != nil {
		return err
	}
	if err := s.Newsletters.Unschedule(r.Context(), d.Issue.ID); errors.Is(err, newsletter.ErrNotEditable) {
		d.Error = "The issue is being sent or has been: it cannot be stopped now."
		return s.renderIssue(w, r, v, http.StatusConflict, d)
	} else if err != nil {
		return err
	}
	s.setNotice(w, noticeIssueUnscheduled)
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(d.Issue.ID, 10), http.StatusSeeOther)
	return nil
}

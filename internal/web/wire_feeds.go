package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/wire"
)

// The wire feeds' console: editors and admins add the agencies' feeds,
// change or delete them, ask for a poll now, and see how each last went:
// what it brought, what it refused and why, why it failed, and which
// stories an editor changed that the wire has a newer version of.

// Notices of the wire feeds' console.
const (
	noticeFeedAdded   = "feed_added"
	noticeFeedSaved   = "feed_saved"
	noticeFeedDeleted = "feed_deleted"
	noticeFeedPolling = "feed_polling"
	noticeNewerTaken  = "newer_taken"
)

type feedsData struct {
	Feeds    []feedRow
	Newer    []newerRow
	Form     wire.FeedInput
	Sections []content.Section
	Accesses []content.Access
	Invalid  *newsroom.InvalidError
	Vars     string
	Edit     *feedRow // the feed being changed; nil on the list
}

type feedRow struct {
	*wire.Feed
	Every    string
	Polled   string // when it was last polled, in the publication's zone
	OK       string // when a poll last succeeded
	NextPoll string
}

type newerRow struct {
	wire.Newer
	SinceText string
}

func (s *Server) showFeeds(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	return s.renderFeeds(w, r, v, http.StatusOK, wire.NewFeedInput(), nil)
}

func (s *Server) renderFeeds(w http.ResponseWriter, r *http.Request, v *viewer, status int, in wire.FeedInput, bad *newsroom.InvalidError) error {
	ctx := r.Context()
	feeds, err := s.Wire.Feeds(ctx)
	if err != nil {
		return err
	}
	newer, err := s.Wire.NewerVersions(ctx)
	if err != nil {
		return err
	}
	secs, err := s.Newsroom.Sections(ctx)
	if err != nil {
		return err
	}
	d := &feedsData{Form: in, Sections: secs, Accesses: accesses, Invalid: bad, Vars: disclaimerVars}
	for _, f := range feeds {
		d.Feeds = append(d.Feeds, s.feedRow(f))
	}
	loc := s.Settings.Get().Location
	for _, n := range newer {
		d.Newer = append(d.Newer, newerRow{n, consoleTime(n.Since, loc)})
	}
	return s.render(w, status, "feeds", s.newPage(w, r, v, "Wire feeds", d))
}

var accesses = []content.Access{content.Free, content.Metered, content.Premium}

const disclaimerVars = "{{publication}} is the publication's name, {{source}} the agency's."

func (s *Server) feedRow(f *wire.Feed) feedRow {
	loc := s.Settings.Get().Location
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return consoleTime(*t, loc)
	}
	return feedRow{Feed: f, Every: wire.InputOf(f).Every, Polled: when(f.PolledAt), OK: when(f.OKAt), NextPoll: when(&f.NextPollAt)}
}

// feedInput reads a feed's form.
func feedInput(r *http.Request) wire.FeedInput {
	f := r.PostFormValue
	return wire.FeedInput{URL: f("url"), Section: f("section"), Access: f("access"), Hold: f("hold") != "",
		Every: f("every"), Source: f("source"), Disclaimer: f("disclaimer")}
}

// submitNewFeed adds a feed.
func (s *Server) submitNewFeed(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	in := feedInput(r)
	_, err = s.Wire.AddFeed(r.Context(), in)
	var bad *newsroom.InvalidError
	if errors.As(err, &bad) {
		return s.renderFeeds(w, r, v, http.StatusUnprocessableEntity, in, bad)
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeFeedAdded)
	http.Redirect(w, r, "/admin/feeds", http.StatusSeeOther)
	return nil
}

// showFeed shows a feed's settings to change, and its last poll.
func (s *Server) showFeed(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	f, err := s.feedByPath(r)
	if err != nil {
		return err
	}
	return s.renderFeed(w, r, v, http.StatusOK, f, wire.InputOf(f), nil)
}

func (s *Server) renderFeed(w http.ResponseWriter, r *http.Request, v *viewer, status int, f *wire.Feed, in wire.FeedInput, bad *newsroom.InvalidError) error {
	secs, err := s.Newsroom.Sections(r.Context())
	if err != nil {
		return err
	}
	row := s.feedRow(f)
	d := &feedsData{Edit: &row, Form: in, Sections: secs, Accesses: accesses, Invalid: bad, Vars: disclaimerVars}
	return s.render(w, status, "feeds", s.newPage(w, r, v, "Wire feed", d))
}

// feedByPath returns the feed the path's {id} names, or 404.
func (s *Server) feedByPath(r *http.Request) (*wire.Feed, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, notFound()
	}
	f, err := s.Wire.Feed(r.Context(), id)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, notFound()
	}
	return f, err
}

// submitFeed saves, polls or deletes a feed, as do says.
func (s *Server) submitFeed(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	f, err := s.feedByPath(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	notice, to := "", "/admin/feeds"
	switch r.PostFormValue("do") {
	case "save":
		in := feedInput(r)
		_, err = s.Wire.UpdateFeed(ctx, f.ID, in)
		var bad *newsroom.InvalidError
		if errors.As(err, &bad) {
			return s.renderFeed(w, r, v, http.StatusUnprocessableEntity, f, in, bad)
		}
		notice = noticeFeedSaved
	case "poll":
		err, notice = s.Wire.PollSoon(ctx, f.ID), noticeFeedPolling
	case "delete":
		err, notice = s.Wire.DeleteFeed(ctx, f.ID), noticeFeedDeleted
	default:
		return badRequest("Say whether to save, poll or delete the feed.")
	}
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	s.setNotice(w, notice)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// submitTakeNewer saves the newer wire version kept back from a story
// over the editor's text, as this editor's edit of the revision the list
// showed.
func (s *Server) submitTakeNewer(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return notFound()
	}
	revision, err := strconv.Atoi(r.PostFormValue("revision"))
	if err != nil || revision < 1 {
		return badRequest("The form could not be read.")
	}
	_, err = s.Wire.TakeNewerVersion(r.Context(), v.AccountID, id, revision)
	var bad *newsroom.InvalidError
	switch {
	case errors.Is(err, wire.ErrNoNewer):
		return &httpError{http.StatusConflict, "The wire has no newer version of this story any more: it was taken already, or the story was deleted."}
	case errors.Is(err, dberr.ErrNotFound):
		return notFound()
	case errors.Is(err, dberr.ErrStale):
		return &httpError{http.StatusConflict, "This story was saved since the list was shown, so nothing was changed. " +
			"Look at the story, then take the newer version from the list again if you still want it."}
	case errors.As(err, &bad):
		return &httpError{http.StatusUnprocessableEntity, "The newer version cannot be saved as it is (" + bad.Error() + "); edit the story instead."}
	case err != nil:
		return err
	}
	s.setNotice(w, noticeNewerTaken)
	http.Redirect(w, r, "/admin/articles/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"broadsheet/internal/dberr"
	"broadsheet/internal/newsletter"
)

// The readers' side of the newsletters: the page of lists with the public
// sign-up form (double opt-in), joining and leaving when signed in, the
// emailed confirmation and unsubscribe links, and each issue's web view.

type newslettersData struct {
	Lists    []newsletterRow
	SignedIn bool
	Verified bool
	Email    string // the sign-up form's address, kept when refused
	Error    string
	Done     string // what the sign-up did, in words that say nothing of the address
}

func (s *Server) showNewsletters(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	return s.renderNewsletters(w, r, v, http.StatusOK, &newslettersData{})
}

func (s *Server) renderNewsletters(w http.ResponseWriter, r *http.Request, v *viewer, status int, d *newslettersData) error {
	rd := s.newsletterReader(v)
	var err error
	if d.Lists, err = s.newsletterRows(r.Context(), v); err != nil {
		return err
	}
	d.SignedIn, d.Verified = v.SignedIn(), rd.Confirmed
	return s.render(w, status, "newsletters", s.newPage(w, r, v, "Newsletters", d))
}

// newsletterRow is a list on the readers' page, with what opens it.
type newsletterRow struct {
	newsletter.ReaderList
	// Opens is the title of the benefit that opens a gated list, as
	// readers see it on the offer page.
	Opens string
}

// newsletterRows lists the lists as viewer v sees them, each with what
// opens it.
func (s *Server) newsletterRows(ctx context.Context, v *viewer) ([]newsletterRow, error) {
	lists, err := s.Newsletters.ForReader(ctx, s.newsletterReader(v))
	if err != nil {
		return nil, err
	}
	out := make([]newsletterRow, len(lists))
	for i, l := range lists {
		out[i] = newsletterRow{ReaderList: l, Opens: s.benefitTitle(l.BenefitID)}
	}
	return out, nil
}

// benefitTitle is the title readers see of the benefit id, from the
// catalog; "" for none.
func (s *Server) benefitTitle(id int64) string {
	if b, ok := s.Offer.Catalog.Get().Benefit(id); ok && id != 0 {
		return s.Offer.Show(b).Title
	}
	return ""
}

// newsletterReader is the viewer as the newsletters see them: a
// signed-out reader has no address and joins through the sign-up form.
func (s *Server) newsletterReader(v *viewer) newsletter.Reader {
	if !v.SignedIn() {
		return newsletter.Reader{Ent: v.Entitlements}
	}
	return newsletter.Reader{Email: v.Account.Email, Confirmed: v.Account.Verified(), Ent: v.Entitlements}
}

// submitNewsletterSignup asks a new address to confirm the lists chosen.
// Its answer is the same whoever the address belongs to.
func (s *Server) submitNewsletterSignup(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	lists, err := formIDs(r, "list")
	if err == nil {
		err = s.Newsletters.SignUp(r.Context(), email, lists, clientAddr(r))
	}
	d := &newslettersData{Email: email}
	var input *newsletter.InputError
	switch {
	case err == nil:
		d.Email, d.Done = "", "Thank you. If "+email+" can receive our newsletters, a link to confirm is on its way to it: "+
			"nothing is sent until it is opened."
		return s.renderNewsletters(w, r, v, http.StatusOK, d)
	case errors.As(err, &input), errors.Is(err, newsletter.ErrNoListsChosen), errors.Is(err, newsletter.ErrNotEntitled):
		d.Error = readerMessage(err)
		return s.renderNewsletters(w, r, v, http.StatusUnprocessableEntity, d)
	case errors.Is(err, newsletter.ErrTooManyAsks):
		d.Error = readerMessage(err)
		return s.renderNewsletters(w, r, v, http.StatusTooManyRequests, d)
	}
	return err
}

// formIDs reads a form's repeated id field; a value that is not an id is
// a bad request.
func formIDs(r *http.Request, field string) ([]int64, error) {
	var ids []int64
	for _, v := range r.PostForm[field] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return nil, &newsletter.InputError{Message: "there is no such newsletter"}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// submitNewsletterJoin puts a signed-in reader on the lists chosen (from
// a story, this page or their account) and sends them back.
func (s *Server) submitNewsletterJoin(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	ids, err := formIDs(r, "list")
	if err == nil {
		_, err = s.Newsletters.Join(r.Context(), s.newsletterReader(v), ids)
	}
	if err != nil {
		var input *newsletter.InputError
		if errors.As(err, &input) || errors.Is(err, newsletter.ErrNoListsChosen) || errors.Is(err, newsletter.ErrNotEntitled) ||
			errors.Is(err, newsletter.ErrUnconfirmed) {
			return s.renderNewsletters(w, r, v, http.StatusUnprocessableEntity, &newslettersData{Error: readerMessage(err)})
		}
		return err
	}
	s.setNotice(w, noticeNewslettersJoined)
	http.Redirect(w, r, backTo(r, "/newsletters"), http.StatusSeeOther)
	return nil
}

// submitNewsletterLeave takes a signed-in reader off a list.
func (s *Server) submitNewsletterLeave(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if _, err := s.Newsletters.Leave(r.Context(), s.newsletterReader(v), id); errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	} else if errors.Is(err, newsletter.ErrUnconfirmed) {
		return s.renderNewsletters(w, r, v, http.StatusUnprocessableEntity, &newslettersData{Error: readerMessage(err)})
	} else if err != nil {
		return err
	}
	s.setNotice(w, noticeNewsletterLeft)
	http.Redirect(w, r, backTo(r, "/newsletters"), http.StatusSeeOther)
	return nil
}

// backTo is the page a form was sent from, when it is on this site, or
// otherwise fallback: the forms that join and leave lists are on several
// pages, and a story's is the same for every story.
func backTo(r *http.Request, fallback string) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host || u.Path == "" {
		return fallback
	}
	if next := safeNext(u.RequestURI()); next != "/" || u.Path == "/" {
		return next
	}
	return fallback
}

const confirmNewslettersHeading = "Confirm your newsletters"

// linkStatus is the status of an emailed link that does nothing.
func newsletterLinkStatus(err error) int {
	switch {
	case errors.Is(err, newsletter.ErrLinkInvalid):
		return http.StatusNotFound
	case errors.Is(err, newsletter.ErrLinkUsed), errors.Is(err, newsletter.ErrLinkExpired):
		return http.StatusGone
	}
	return 0
}

// showNewsletterConfirm shows what a sign-up's link would confirm; only
// the button confirms, as mail scanners open links.
func (s *Server) showNewsletterConfirm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	d := confirmData{Heading: confirmNewslettersHeading}
	c, err := s.Newsletters.PendingSignup(r.Context(), token)
	if status := newsletterLinkStatus(err); status != 0 {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, status, d)
	} else if err != nil {
		return err
	}
	d.Notes = s.notJoined(c.NotJoined)
	if len(c.Joined) == 0 {
		d.Text = "None of the newsletters asked for can be sent to " + c.Email + " now."
		return s.renderConfirm(w, r, v, http.StatusOK, d)
	}
	d.Text = "Send " + listNames(c.Joined) + " to " + c.Email + "?"
	d.Action, d.Button = newsletter.ConfirmPath+token, "Confirm"
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

func (s *Server) submitNewsletterConfirm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := confirmData{Heading: confirmNewslettersHeading}
	c, err := s.Newsletters.Confirm(r.Context(), r.PathValue("token"))
	if status := newsletterLinkStatus(err); status != 0 {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, status, d)
	} else if err != nil {
		return err
	}
	d.Notes = s.notJoined(c.NotJoined)
	if len(c.Joined) == 0 {
		d.Text = c.Email + " is confirmed, but none of the newsletters asked for could be joined."
		return s.renderConfirm(w, r, v, http.StatusOK, d)
	}
	d.Text = "Confirmed: " + listNames(c.Joined) + " will come to " + c.Email + ". Every issue has a link to unsubscribe."
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

// notJoined says, one line each, why lists a sign-up asked for are not
// joined, naming the benefit that opens a gated one as the newsletters'
// page does.
func (s *Server) notJoined(lists []newsletter.NotJoined) []string {
	var out []string
	for _, n := range lists {
		if n.Removed {
			out = append(out, "A newsletter asked for has been discontinued since, so it is not joined.")
			continue
		}
		out = append(out, n.List.Name+" is for subscribers whose plan includes "+s.benefitTitle(n.List.BenefitID)+
			", and no subscription with this address includes it now, so it is not joined.")
	}
	return out
}

func listNames(lists []newsletter.List) string {
	names := make([]string, len(lists))
	for i, l := range lists {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}

const unsubscribeHeading = "Unsubscribe"

// showNewsletterUnsubscribe shows what an unsubscribe link would end; the
// button, or a mail client's one-click POST, ends it.
func (s *Server) showNewsletterUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	d := confirmData{Heading: unsubscribeHeading}
	m, err := s.Newsletters.UnsubscribePage(r.Context(), token)
	if status := newsletterLinkStatus(err); status != 0 {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, status, d)
	} else if err != nil {
		return err
	}
	if m.Left {
		d.Text = m.Email + " is not on " + m.List.Name + " any more."
		return s.renderConfirm(w, r, v, http.StatusOK, d)
	}
	d.Text = "Stop sending " + m.List.Name + " to " + m.Email + "?"
	d.Action, d.Button = newsletter.UnsubscribePath+token, "Unsubscribe"
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

// submitNewsletterUnsubscribe ends a membership without sign-in: RFC
// 8058's one-click POST, whose body (List-Unsubscribe=One-Click, as a
// form or multipart) needs no reading, or the page's button. A replay is
// told the address is off the list already and changes nothing.
func (s *Server) submitNewsletterUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	d := confirmData{Heading: unsubscribeHeading}
	list, ended, err := s.Newsletters.Unsubscribe(r.Context(), r.PathValue("token"))
	if status := newsletterLinkStatus(err); status != 0 {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, nil, status, d)
	} else if err != nil {
		return err
	}
	if ended {
		d.Text = "You are unsubscribed from " + list.Name + ". No more of its issues will be sent to you."
	} else {
		d.Text = "You were already unsubscribed from " + list.Name + "."
	}
	return s.renderConfirm(w, r, nil, http.StatusOK, d)
}

type newsletterIssueData struct {
	View *newsletter.View
	// Opens names the benefit that opens a gated list, for a reader
	// without it.
	Opens string
}

// showNewsletterIssue is an issue's web view, each story cut for the
// viewer by the same projection as the emails.
func (s *Server) showNewsletterIssue(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	view, err := s.Newsletters.WebView(r.Context(), r.PathValue("slug"), id, v.Viewer)
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	} else if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "newsletter_issue", s.newPage(w, r, v, view.Issue.Subject, &newsletterIssueData{View: view, Opens: s.benefitTitle(view.List.BenefitID)}))
}

type newsletterArchiveData struct {
	List   newsletter.List
	Issues []*newsletter.Issue
}

// showNewsletterArchive lists a list's issues that went out.
func (s *Server) showNewsletterArchive(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	l, err := s.Newsletters.List(r.Context(), r.PathValue("slug"))
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	} else if err != nil {
		return err
	}
	issues, err := s.Newsletters.Archive(r.Context(), l, 50)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "newsletter_archive", s.newPage(w, r, v, l.Name, &newsletterArchiveData{List: l, Issues: issues}))
}

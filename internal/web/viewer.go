package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
)

const (
	readerCookieAge  = 400 * 24 * time.Hour
	sessionCookieAge = 90 * 24 * time.Hour
)

// viewer is who is asking: always an anonymous reader id (from its signed
// cookie, issued on first visit), and the account when signed in.
type viewer struct {
	access.Viewer
	Account      *accounts.Account
	Session      *accounts.Session
	Entitlements access.Entitlements
}

// SignedIn reports whether an account is signed in.
func (v *viewer) SignedIn() bool { return v.Account != nil }

// viewer identifies the reader of a request, issuing a reader cookie to a
// new one. A missing, tampered or ended cookie means a new anonymous
// reader, never an error page.
func (s *Server) viewer(w http.ResponseWriter, r *http.Request) (*viewer, error) {
	v, err := s.identify(w, r)
	if err != nil {
		return nil, err
	}
	if v.NewReader {
		s.Cookies.set(w, readerCookie, s.Cookies.readerValue(v.AnonID, access.CarriedRead{}), readerCookieAge)
	}
	return v, nil
}

// identify is viewer without issuing the reader cookie: the article page
// issues it once the meter has decided (setReaderCookie), since a new
// reader's cookie carries their first story.
func (s *Server) identify(w http.ResponseWriter, r *http.Request) (*viewer, error) {
	v := &viewer{}
	if c, err := s.Cookies.get(r, readerCookie); err == nil {
		v.AnonID, v.Carried = s.Cookies.readerID(c.Value)
	}
	if v.AnonID == "" {
		v.AnonID, v.NewReader = access.NewReaderID(time.Now()), true // wall time: it only orders the meter index
	}
	c, err := s.Cookies.get(r, sessionCookie)
	if err != nil {
		return v, nil
	}
	si, err := s.signedIn(r.Context(), r, c.Value)
	var ended *accounts.SessionEndedError
	switch {
	case errors.As(err, &ended):
		s.Cookies.clear(w, sessionCookie)
		if ended.Reason == accounts.EndedDeviceLimit {
			s.setNotice(w, noticeDeviceLimit)
		}
		return v, nil
	case errors.Is(err, accounts.ErrNoSession):
		s.Cookies.clear(w, sessionCookie)
		return v, nil
	case err != nil:
		return nil, err
	}
	v.Account, v.Session, v.AccountID, v.Subscription = si.account, si.session, si.account.ID, si.sub
	v.Staff = si.account.Role.IsStaff()
	v.Entitlements = s.Access.Entitlements(v.Viewer)
	return v, nil
}

// Notices are one-time messages carried across a redirect in a cookie.
const (
	noticeDeviceLimit = "device_limit"
	noticeSignedIn    = "signed_in"
	noticeSignedOut   = "signed_out"
	noticeSubscribed  = "subscribed"
	noticeCancelled   = "cancelled"
	noticeResumed     = "resumed"
	noticeRevoked     = "revoked"
	noticeLinkSent    = "link_sent"
	noticeSaved       = "saved"
	// Notices of the newsroom.
	noticeStorySaved    = "story_saved"
	noticeStoryRestored = "story_restored"
	noticeRoleChanged   = "role_changed"
	// Notices of the plans and benefits editors.
	noticePlanAdded   = "plan_added"
	noticePlanSaved   = "plan_saved"
	noticePlanDeleted = "plan_deleted"
	// noticePlanBenefitsSaved: what a plan includes was saved.
	noticePlanBenefitsSaved = "plan_benefits_saved"
	noticeBenefitAdded      = "benefit_added"
	noticeBenefitSaved      = "benefit_saved"
	noticeBenefitDeleted    = "benefit_deleted"
	noticeBenefitMoved      = "benefit_moved"
	noticeAuthorSaved       = "author_saved"
	// Notices of partners' offers.
	noticePartnerSaved  = "partner_saved"
	noticeCodesImported = "codes_imported"
	noticeCodeClaimed   = "code_claimed"
	noticeSectionSaved  = "section_saved"
	// Notices of the newsletters.
	noticeNewslettersJoined = "newsletters_joined"
	noticeNewsletterLeft    = "newsletter_left"
	noticeIssueSaved        = "issue_saved"
	noticeIssueScheduled    = "issue_scheduled"
	noticeIssueUnscheduled  = "issue_unscheduled"
	noticeIssueTestSent     = "issue_test_sent"
	noticeListSaved         = "newsletter_list_saved"
	noticeListRemoved       = "newsletter_list_removed"
)

var noticeText = map[string]string{
	noticeDeviceLimit:     "You were signed out on this device because your account was signed in on more devices than allowed. Sign in again to continue here; the device you have used least recently will be signed out.",
	noticeSignedIn:        "You are signed in.",
	noticeSignedOut:       "You are signed out.",
	noticeSubscribed:      "Welcome! Your subscription is active. Your account page lists what it includes.",
	noticeCancelled:       "Auto-renewal is off. You keep full access until the end of your paid term.",
	noticeResumed:         "Auto-renewal is back on.",
	noticeSwitchScheduled: "Your plan will switch at your next renewal. Until then nothing changes.",
	noticeSwitchUndone:    "You stay on your current plan.",
	noticeUpgraded:        "You switched plans: your new plan starts today, and its receipt and tax invoice are below.",
	noticeRevoked:         "The device was signed out.",
	noticeLinkSent:        "If that address can receive mail, a sign-in link and code are on their way. Check your inbox.",
	noticeSaved:           "Settings saved.",
	// Notices of the newsroom.
	noticeStorySaved:    "Story saved.",
	noticeStoryRestored: "The earlier revision is restored as the newest one.",
	noticeRoleChanged:   "The role is changed. It applies from the account's next page.",
	// Notices of the plans and benefits editors.
	noticePlanAdded:         "Plan added.",
	noticePlanSaved:         "Plan saved.",
	noticePlanDeleted:       "Plan deleted.",
	noticePlanBenefitsSaved: "What the plan includes is saved. Its subscribers have it from their next page.",
	noticeBenefitAdded:      "Benefit added.",
	noticeBenefitSaved:      "Benefit saved.",
	noticeBenefitDeleted:    "Benefit deleted.",
	noticeBenefitMoved:      "Benefit moved.",
	noticeAuthorSaved:       "Author saved.",
	noticePartnerSaved:      "Partner offer saved.",
	noticeCodesImported:     "Codes imported: the stock below counts them.",
	noticeCodeClaimed:       "Your code is below. It is yours alone: redeem it on the partner's site.",
	noticeSectionSaved:      "Sections saved.",
	noticeReportResolved:    "The report is marked resolved.",
	// Of wire_feeds.go.
	noticeFeedAdded:   "Feed added. It is polled within a minute; its stories then appear among the stories.",
	noticeFeedSaved:   "Feed saved. The changes apply to the items it brings from now on.",
	noticeFeedDeleted: "Feed deleted. The stories it brought stay.",
	noticeFeedPolling: "The feed is polled within a minute.",
	noticeNewerTaken:  "The newer wire version is saved over the story, as your edit. The story follows the wire again.",
	// Notices of password.go.
	noticePasswordChanged: "Your password is changed. Every other device was signed out.",
	noticeEmailChangeSent: "A link is on its way to the new address. Your email changes when you open it.",
	noticeEmailChanged:    "Your email is changed. Every other device was signed out.",
	noticeVerifySent:      "A link to confirm your address is on its way. Check your inbox.",
	noticeEmailConfirmed:  "Your email address is confirmed.",

	// For accounts without a password, changed through their mailbox.
	noticePasswordLinkSent: "A link to choose a password is on its way to your address: open it to set one.",
	noticeEmailApprovalSent: "A link to approve the change is on its way to your current address. " +
		"Once you open it, a link to confirm the new address is sent there.",
	// Of invoices.go.
	noticeBillingSaved: "Billing details saved. Your next invoices will show them.",

	noticeNewslettersJoined: "You joined the newsletters you chose: their next issues come to your inbox.",
	noticeNewsletterLeft:    "You left the newsletter: no more of its issues will be sent to you.",
	noticeIssueSaved:        "Issue saved.",
	noticeIssueScheduled:    "The issue is scheduled: it is sent at the time shown, or now.",
	noticeIssueUnscheduled:  "The issue is a draft again: nothing was sent.",
	noticeIssueTestSent:     "A test of the issue is on its way to your address.",
	noticeListSaved:         "Newsletter saved.",
	noticeListRemoved:       "Newsletter removed: nobody can join it any more.",
}

func (s *Server) setNotice(w http.ResponseWriter, key string) {
	s.Cookies.set(w, noticeCookie, key, 5*time.Minute)
}

// takeNotice reads and clears the pending notice.
func (s *Server) takeNotice(w http.ResponseWriter, r *http.Request) string {
	// A notice set on this same response (a device-limit sign-out found
	// while identifying the reader) wins over one from the request.
	for _, h := range w.Header().Values("Set-Cookie") {
		if rest, ok := strings.CutPrefix(h, s.Cookies.name(noticeCookie)+"="); ok {
			key, _, _ := strings.Cut(rest, ";")
			return noticeText[key]
		}
	}
	c, err := s.Cookies.get(r, noticeCookie)
	if err != nil {
		return ""
	}
	s.Cookies.clear(w, noticeCookie)
	return noticeText[c.Value]
}

// maxNextLength bounds a destination carried in forms and sign-in links.
const maxNextLength = 2000

// safeNext keeps a post-sign-in redirect on this site: next must be a path
// here, such as "/article/x?y=1", or the reader goes to the front page.
// Browsers drop tabs and newlines anywhere in a URL and read a backslash as
// a slash, so "/\t/evil.example" or "/\evil.example" would take them to
// "//evil.example", another site: control characters and backslashes are
// refused outright, and what is left must parse with no scheme and no host
// and start with exactly one slash.
func safeNext(next string) string {
	if len(next) > maxNextLength || !onePath(next) {
		return "/"
	}
	u, err := url.Parse(next)
	// The path is judged decoded too ("/%2F%2Fevil.example"): a browser
	// keeps the escapes, but nothing is lost refusing what no page here
	// links to, in case something on the way decodes them.
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !onePath(u.Path) {
		return "/"
	}
	return next
}

// onePath reports whether p starts with exactly one slash and holds no
// control character and no backslash.
func onePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && utf8.ValidString(p) &&
		!strings.ContainsFunc(p, func(r rune) bool { return r == '\\' || unicode.IsControl(r) })
}

// requireAccount sends a signed-out reader to sign in and back.
func (s *Server) requireAccount(w http.ResponseWriter, r *http.Request) (*viewer, bool, error) {
	v, err := s.viewer(w, r)
	if err != nil {
		return nil, false, err
	}
	if !v.SignedIn() {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return v, false, nil
	}
	return v, true, nil
}

package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	v := &viewer{}
	if c, err := r.Cookie(readerCookie); err == nil {
		v.AnonID = s.Cookies.readerID(c.Value)
	}
	if v.AnonID == "" {
		id, value := s.Cookies.newReaderID(time.Now()) // wall time: it only orders the meter index
		v.AnonID, v.NewReader = id, true
		s.Cookies.set(w, readerCookie, value, readerCookieAge)
	}
	c, err := r.Cookie(sessionCookie)
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
	v.Staff = si.account.IsAdmin
	v.Entitlements = v.EntitlementsAt(s.Now())
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
)

var noticeText = map[string]string{
	noticeDeviceLimit: "You were signed out on this device because your account was signed in on more devices than allowed. Sign in again to continue here; the device you have used least recently will be signed out.",
	noticeSignedIn:    "You are signed in.",
	noticeSignedOut:   "You are signed out.",
	noticeSubscribed:  "Welcome! Your subscription is active: every story is yours to read, without ads.",
	noticeCancelled:   "Auto-renewal is off. You keep full access until the end of your paid term.",
	noticeResumed:     "Auto-renewal is back on.",
	noticeRevoked:     "The device was signed out.",
	noticeLinkSent:    "If that address can receive mail, a sign-in link and code are on their way. Check your inbox.",
	noticeSaved:       "Settings saved.",
}

func (s *Server) setNotice(w http.ResponseWriter, key string) {
	s.Cookies.set(w, noticeCookie, key, 5*time.Minute)
}

// takeNotice reads and clears the pending notice.
func (s *Server) takeNotice(w http.ResponseWriter, r *http.Request) string {
	// A notice set on this same response (a device-limit sign-out found
	// while identifying the reader) wins over one from the request.
	for _, h := range w.Header().Values("Set-Cookie") {
		if rest, ok := strings.CutPrefix(h, noticeCookie+"="); ok {
			key, _, _ := strings.Cut(rest, ";")
			return noticeText[key]
		}
	}
	c, err := r.Cookie(noticeCookie)
	if err != nil {
		return ""
	}
	s.Cookies.clear(w, noticeCookie)
	return noticeText[c.Value]
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
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

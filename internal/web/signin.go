package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"broadsheet/internal/accounts"
	"broadsheet/internal/clientaddr"
	"broadsheet/internal/dberr"
	"broadsheet/internal/httpguard"
	"broadsheet/internal/meter"
)

// loginData fills the sign-in page. The three ways in (password, emailed
// link, typed code) share one page so a reader who asked for a link can
// type its code right there.
type loginData struct {
	Next  string
	Email string
	Error string
	Sent  bool // a link was just sent: the code form comes first
}

// registerData fills the registration page.
type registerData struct {
	Next  string
	Email string
	Error string
}

// loginLinkData fills the page an emailed link opens.
type loginLinkData struct {
	Token string
	Email string
	Error string
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := loginData{Next: safeNext(q.Get("next")), Email: q.Get("email"), Sent: q.Get("sent") == "1"}
	return s.renderLogin(w, r, v, http.StatusOK, d)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, v *viewer, status int, d loginData) error {
	return s.render(w, status, "login", s.newPage(w, r, v, "Log in", d))
}

func (s *Server) submitLogin(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	email, next := strings.TrimSpace(r.PostFormValue("email")), safeNext(r.PostFormValue("next"))
	a, err := s.Accounts.Authenticate(r.Context(), email, r.PostFormValue("password"), clientAddr(r))
	refuse := func(status int, err error) error {
		setRetryAfter(w, err)
		return s.renderLogin(w, r, v, status, loginData{Next: next, Email: email, Error: readerMessage(err)})
	}
	switch {
	case errors.Is(err, accounts.ErrBadCredentials):
		return refuse(http.StatusUnauthorized, err)
	case errors.Is(err, accounts.ErrThrottled):
		return refuse(http.StatusTooManyRequests, err)
	case errors.Is(err, accounts.ErrBusy):
		return refuse(http.StatusServiceUnavailable, accounts.ErrBusy)
	case err != nil:
		return err
	}
	return s.signIn(w, r, v, a, next)
}

// clientAddr is the address sign-in attempts are counted under: the peer,
// or the client a trusted proxy names (see clientaddr).
func clientAddr(r *http.Request) string { return clientaddr.From(r) }

// setRetryAfter tells a refused client when to come back, if err says.
func setRetryAfter(w http.ResponseWriter, err error) {
	httpguard.SetRetryAfter(w, accounts.RetryAfter(err))
}

// signIn starts a session for the account on this device and sends the
// reader on. Every way of signing in ends here, so they all behave alike:
// a fresh session token each time (a token an attacker planted before
// sign-in is worthless after it), the device cap applied, and the stories
// this device read anonymously this month counted once on the account.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, v *viewer, a *accounts.Account, next string) error {
	ctx := r.Context()
	if v.Session != nil {
		if err := s.Accounts.SignOut(ctx, v.Session); err != nil && !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
	}
	cfg := s.Settings.Get()
	token, err := s.Accounts.StartSession(ctx, a, r.UserAgent(), cfg.DeviceLimit)
	if errors.Is(err, accounts.ErrSignInChanged) {
		return s.renderLogin(w, r, v, http.StatusUnauthorized, loginData{Next: safeNext(next), Email: a.Email, Error: readerMessage(err)})
	}
	if err != nil {
		return err
	}
	s.Cookies.set(w, sessionCookie, token, sessionCookieAge)
	s.Cookies.setKnownDevice(w, a.Email)
	month := meter.Month(s.Now(), cfg.Location)
	if err := s.Access.MergeDevice(ctx, v.AnonID, v.Carried, a.ID, month); err != nil {
		return err
	}
	s.setNotice(w, noticeSignedIn)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	return nil
}

func (s *Server) submitLoginLinkRequest(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	email, next := strings.TrimSpace(r.PostFormValue("email")), safeNext(r.PostFormValue("next"))
	if _, err := accounts.NormalizeEmail(email); err != nil {
		return s.renderLogin(w, r, v, http.StatusBadRequest, loginData{Next: next, Email: email, Error: readerMessage(err)})
	}
	// One answer whether or not the address has an account. A request a
	// limit refused says so: the limits count requests, not accounts, so
	// that says nothing about the address either.
	cfg := s.Settings.Get()
	err = s.Accounts.SendLoginLink(r.Context(), email, next, s.BaseURL+"/login/link/", cfg.Publication, clientAddr(r),
		s.Cookies.knownDevice(r, email))
	if errors.Is(err, accounts.ErrTooManyLinkRequests) || errors.Is(err, accounts.ErrTooManyLinksToAddress) {
		w.Header().Set("Retry-After", "3600")
		return s.renderLogin(w, r, v, http.StatusTooManyRequests, loginData{Next: next, Email: email, Error: readerMessage(err)})
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeLinkSent)
	q := url.Values{"sent": {"1"}, "email": {email}, "next": {next}}
	http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) showLoginLink(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	// Only look: mail scanners open links too, and must not use them up.
	l, err := s.Accounts.CheckLoginLink(r.Context(), token)
	if errors.Is(err, accounts.ErrLinkInvalid) {
		return s.renderLoginLink(w, r, v, http.StatusGone, loginLinkData{Error: readerMessage(err)})
	}
	if err != nil {
		return err
	}
	return s.renderLoginLink(w, r, v, http.StatusOK, loginLinkData{Token: token, Email: l.Email})
}

func (s *Server) renderLoginLink(w http.ResponseWriter, r *http.Request, v *viewer, status int, d loginLinkData) error {
	// The address holds a sign-in secret: keep it out of Referer headers.
	w.Header().Set("Referrer-Policy", "no-referrer")
	return s.render(w, status, "login_link", s.newPage(w, r, v, "Sign in", d))
}

func (s *Server) submitLoginLink(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	a, l, err := s.Accounts.UseLoginLink(r.Context(), r.PathValue("token"))
	if errors.Is(err, accounts.ErrLinkInvalid) {
		return s.renderLoginLink(w, r, v, http.StatusGone, loginLinkData{Error: readerMessage(err)})
	}
	if err != nil {
		return err
	}
	return s.signIn(w, r, v, a, l.NextPath)
}

func (s *Server) submitLoginCode(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	email, next := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("next")
	a, l, err := s.Accounts.UseLoginCode(r.Context(), email, r.PostFormValue("code"), clientAddr(r))
	var bad *accounts.InputError
	status := 0
	switch {
	case errors.Is(err, accounts.ErrLinkInvalid):
		status = http.StatusUnauthorized
	case errors.Is(err, accounts.ErrTooManyCodeGuesses), errors.Is(err, accounts.ErrCodeSpent):
		status = http.StatusTooManyRequests
	case errors.As(err, &bad):
		status = http.StatusBadRequest
	case err != nil:
		return err
	}
	if status != 0 {
		d := loginData{Next: safeNext(next), Email: email, Error: readerMessage(err), Sent: true}
		return s.renderLogin(w, r, v, status, d)
	}
	// The page the code is typed on is where the reader is now; the
	// link's own destination serves when the form did not say.
	if next == "" {
		next = l.NextPath
	}
	return s.signIn(w, r, v, a, next)
}

func (s *Server) showRegister(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := registerData{Next: safeNext(q.Get("next")), Email: q.Get("email")}
	return s.render(w, http.StatusOK, "register", s.newPage(w, r, v, "Create an account", d))
}

func (s *Server) submitRegister(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	d := registerData{Next: safeNext(r.PostFormValue("next")), Email: email}
	fail := func(status int, err error) error {
		d.Error = readerMessage(err)
		return s.render(w, status, "register", s.newPage(w, r, v, "Create an account", d))
	}
	a, err := s.Accounts.SignUp(r.Context(), email, password)
	var bad *accounts.InputError
	switch {
	case errors.Is(err, accounts.ErrEmailTaken):
		return fail(http.StatusConflict, err)
	case errors.As(err, &bad):
		return fail(http.StatusBadRequest, err)
	case err != nil:
		return err
	}
	// The account exists either way; a confirmation email that could not
	// be sent is asked for again from the account page.
	if err := s.Accounts.SendVerification(r.Context(), a, s.BaseURL+verifyLinkPath, s.Settings.Get().Publication); err != nil {
		s.Log.Error("send address confirmation", "account", a.ID, "err", err)
	}
	return s.signIn(w, r, v, a, d.Next)
}

func (s *Server) submitLogout(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	if v.Session != nil {
		if err := s.Accounts.SignOut(r.Context(), v.Session); err != nil && !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
	}
	s.Cookies.clear(w, sessionCookie)
	s.setNotice(w, noticeSignedOut)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// readerMessage turns a service error ("that email and password do not match
// an account") into a message for the page.
func readerMessage(err error) string {
	msg := err.Error()
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

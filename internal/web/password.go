package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"broadsheet/internal/accounts"
)

// forgotData fills the page that asks for a password reset link.
type forgotData struct {
	Email string
	Error string
	Sent  bool
}

// resetData fills the page a reset link opens.
type resetData struct {
	Token     string // empty when the link is no good
	MinLength int
	Error     string
}

// confirmData fills the page an address-confirming link opens.
type confirmData struct {
	Heading   string
	Text      string
	Notes     []string // more to say, a paragraph each
	Error     string
	Action    string // where the confirm button posts; empty: no button
	Button    string
	LoginNext string // set when the reader must log in first
}

// Paths of the emailed links; the token follows.
const (
	resetLinkPath       = "/password/reset/"
	verifyLinkPath      = "/account/verify/"
	emailChangeLinkPath = "/account/email/"
	// The link that lets the current address of an account without a
	// password approve a move to a new one.
	emailApproveLinkPath = "/account/email-approve/"
)

// Notices after the forms here (their text is in noticeText).
const (
	noticePasswordChanged = "password_changed"
	noticeEmailChangeSent = "email_change_sent"
	noticeEmailChanged    = "email_changed"
	noticeVerifySent      = "verify_sent"
	noticeEmailConfirmed  = "email_confirmed"
	// For accounts without a password, whose changes a link sent to the
	// current address makes.
	noticePasswordLinkSent  = "password_link_sent"
	noticeEmailApprovalSent = "email_approval_sent"
)

// noSecretsInReferer keeps a page's address, which holds an emailed
// secret, out of the Referer of requests it leads to.
func noSecretsInReferer(w http.ResponseWriter) {
	w.Header().Set("Referrer-Policy", "no-referrer")
}

func (s *Server) showForgotPassword(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := forgotData{Email: q.Get("email"), Sent: q.Get("sent") == "1"}
	return s.render(w, http.StatusOK, "password_forgot", s.newPage(w, r, v, "Forgot your password?", d))
}

func (s *Server) submitForgotPassword(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	fail := func(status int, err error) error {
		d := forgotData{Email: email, Error: readerMessage(err)}
		return s.render(w, status, "password_forgot", s.newPage(w, r, v, "Forgot your password?", d))
	}
	err = s.Accounts.SendPasswordReset(r.Context(), email, clientAddr(r), s.BaseURL+resetLinkPath, s.Settings.Get().Publication)
	var bad *accounts.InputError
	switch {
	case errors.As(err, &bad):
		return fail(http.StatusBadRequest, err)
	case errors.Is(err, accounts.ErrTooManyEmails):
		return fail(http.StatusTooManyRequests, err)
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/password/forgot?sent=1", http.StatusSeeOther)
	return nil
}

func (s *Server) renderReset(w http.ResponseWriter, r *http.Request, v *viewer, status int, d resetData) error {
	noSecretsInReferer(w)
	d.MinLength = accounts.MinPasswordLength
	return s.render(w, status, "password_reset", s.newPage(w, r, v, "Set a new password", d))
}

func (s *Server) showResetPassword(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	// Only look: mail scanners open links too, and must not use them up.
	if _, err := s.Accounts.CheckToken(r.Context(), accounts.PurposeReset, token); errors.Is(err, accounts.ErrTokenInvalid) {
		return s.renderReset(w, r, v, http.StatusGone, resetData{Error: readerMessage(err)})
	} else if err != nil {
		return err
	}
	return s.renderReset(w, r, v, http.StatusOK, resetData{Token: token})
}

func (s *Server) submitResetPassword(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	a, err := s.Accounts.ResetPassword(r.Context(), token, r.PostFormValue("password"))
	var bad *accounts.InputError
	switch {
	case errors.As(err, &bad):
		return s.renderReset(w, r, v, http.StatusBadRequest, resetData{Token: token, Error: readerMessage(err)})
	case errors.Is(err, accounts.ErrTokenInvalid):
		return s.renderReset(w, r, v, http.StatusGone, resetData{Error: readerMessage(err)})
	case errors.Is(err, accounts.ErrBusy):
		setRetryAfter(w, err)
		return s.renderReset(w, r, v, http.StatusServiceUnavailable, resetData{Token: token, Error: readerMessage(err)})
	case err != nil:
		return err
	}
	return s.signIn(w, r, v, a, "/account")
}

// An account without a password has no secret to ask the device for, and
// a device alone may be a shared or stolen one: its first password, and
// a move to another address, are made through links sent to its address.

func (s *Server) submitChangePassword(w http.ResponseWriter, r *http.Request) error {
	return s.accountFormWith(w, r, func(v *viewer) (string, error) {
		if v.Account.PasswordHash == "" {
			return noticePasswordLinkSent, s.Accounts.SendPasswordReset(r.Context(), v.Account.Email, clientAddr(r),
				s.BaseURL+resetLinkPath, s.Settings.Get().Publication)
		}
		return noticePasswordChanged, s.Accounts.ChangePassword(r.Context(), v.Session, v.Account,
			r.PostFormValue("current_password"), r.PostFormValue("new_password"), clientAddr(r))
	})
}

func (s *Server) submitChangeEmail(w http.ResponseWriter, r *http.Request) error {
	return s.accountFormWith(w, r, func(v *viewer) (string, error) {
		publication := s.Settings.Get().Publication
		if v.Account.PasswordHash == "" {
			return noticeEmailApprovalSent, s.Accounts.RequestEmailChangeApproval(r.Context(), v.Account,
				r.PostFormValue("email"), s.BaseURL+emailApproveLinkPath, publication)
		}
		return noticeEmailChangeSent, s.Accounts.RequestEmailChange(r.Context(), v.Account, r.PostFormValue("email"),
			r.PostFormValue("current_password"), clientAddr(r), s.BaseURL+emailChangeLinkPath, publication)
	})
}

func (s *Server) submitResendVerification(w http.ResponseWriter, r *http.Request) error {
	return s.accountForm(w, r, noticeVerifySent, func(v *viewer) error {
		return s.Accounts.SendVerification(r.Context(), v.Account, s.BaseURL+verifyLinkPath, s.Settings.Get().Publication)
	})
}

// accountForm runs one of the account page's forms for the signed-in
// reader: a refusal they can act on comes back on the account page, and
// success returns there with notice.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, notice string, act func(v *viewer) error) error {
	return s.accountFormWith(w, r, func(v *viewer) (string, error) { return notice, act(v) })
}

// accountFormWith is accountForm for a form whose notice depends on the
// account: act returns it.
func (s *Server) accountFormWith(w http.ResponseWriter, r *http.Request, act func(v *viewer) (string, error)) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	notice, err := act(v)
	if status := accountFormStatus(err); status != 0 {
		setRetryAfter(w, err)
		return s.renderAccount(w, r, v, status, readerMessage(err))
	} else if err != nil {
		return err
	}
	s.setNotice(w, notice)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// accountFormStatus is the status of a refused account form, or 0 when err
// is not one the reader can act on.
func accountFormStatus(err error) int {
	var bad *accounts.InputError
	switch {
	case errors.As(err, &bad):
		return http.StatusBadRequest
	case errors.Is(err, accounts.ErrWrongPassword), errors.Is(err, accounts.ErrNoPasswordYet), errors.Is(err, accounts.ErrNeedsApproval):
		return http.StatusForbidden
	case errors.Is(err, accounts.ErrEmailInUse):
		return http.StatusConflict
	case errors.Is(err, accounts.ErrThrottled), errors.Is(err, accounts.ErrTooManyEmails):
		return http.StatusTooManyRequests
	case errors.Is(err, accounts.ErrBusy):
		return http.StatusServiceUnavailable
	}
	return 0
}

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, v *viewer, status int, d confirmData) error {
	noSecretsInReferer(w)
	return s.render(w, status, "email_confirm", s.newPage(w, r, v, d.Heading, d))
}

func (s *Server) showConfirmEmail(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	d := confirmData{Heading: "Confirm your email"}
	t, err := s.Accounts.CheckToken(r.Context(), accounts.PurposeVerify, token)
	if errors.Is(err, accounts.ErrTokenInvalid) {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, http.StatusGone, d)
	} else if err != nil {
		return err
	}
	if !v.SignedIn() || v.Account.ID != t.AccountID {
		d.Text = "Log in to your account on this device, then open the link again, to confirm your address. " +
			"If you did not create an account with a password, sign in with an emailed link instead: that takes the address back."
		d.LoginNext = verifyLinkPath + token
		return s.renderConfirm(w, r, v, http.StatusOK, d)
	}
	d.Text = "Confirm that " + v.Account.Email + " is your address."
	d.Action, d.Button = verifyLinkPath+token, "Confirm my email"
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

func (s *Server) submitConfirmEmail(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	d := confirmData{Heading: "Confirm your email"}
	if !v.SignedIn() {
		d.Error = "Log in to your account on this device to confirm your address."
		d.LoginNext = verifyLinkPath + token
		return s.renderConfirm(w, r, v, http.StatusUnauthorized, d)
	}
	// A token of another account is refused like a forged one.
	if err := s.Accounts.ConfirmEmail(r.Context(), token, v.Account.ID); errors.Is(err, accounts.ErrTokenInvalid) {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, http.StatusGone, d)
	} else if err != nil {
		return err
	}
	s.setNotice(w, noticeEmailConfirmed)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (s *Server) showConfirmEmailChange(w http.ResponseWriter, r *http.Request) error {
	return s.showEmailChangeLink(w, r, accounts.PurposeEmailChange, "Confirm your new email", emailChangeLinkPath, "Change my email",
		func(newEmail string) string {
			return "Make " + newEmail + " the email of your account. Your other devices will be signed out."
		})
}

// showEmailChangeLink is the page an emailed link of an email change opens:
// only a look at the token (mail scanners open links too, and must not use
// them up), then a button that posts to action.
func (s *Server) showEmailChangeLink(w http.ResponseWriter, r *http.Request, purpose accounts.TokenPurpose,
	heading, action, button string, text func(newEmail string) string) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	d := confirmData{Heading: heading}
	t, err := s.Accounts.CheckToken(r.Context(), purpose, token)
	if errors.Is(err, accounts.ErrTokenInvalid) {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, http.StatusGone, d)
	} else if err != nil {
		return err
	}
	d.Text = text(t.NewEmail)
	d.Action, d.Button = action+token, button
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

func (s *Server) submitConfirmEmailChange(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := confirmData{Heading: "Confirm your new email"}
	a, err := s.Accounts.ConfirmEmailChange(r.Context(), r.PathValue("token"), v.Session)
	switch {
	case errors.Is(err, accounts.ErrTokenInvalid):
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, http.StatusGone, d)
	case errors.Is(err, accounts.ErrEmailInUse):
		d.Error = readerMessage(err) + " Your email stays as it was; ask for the change again with another address."
		return s.renderConfirm(w, r, v, http.StatusConflict, d)
	case err != nil:
		return err
	}
	s.setNotice(w, noticeEmailChanged)
	if v.SignedIn() && v.Account.ID == a.ID {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/login?"+url.Values{"email": {a.Email}, "next": {"/account"}}.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) showApproveEmailChange(w http.ResponseWriter, r *http.Request) error {
	return s.showEmailChangeLink(w, r, accounts.PurposeEmailChangeApproval, "Approve your new email", emailApproveLinkPath, "Approve the change",
		func(newEmail string) string {
			return "Approve moving your account to " + newEmail + ". A link to confirm that address is then sent there."
		})
}

func (s *Server) submitApproveEmailChange(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := confirmData{Heading: "Approve your new email"}
	newEmail, err := s.Accounts.ApproveEmailChange(r.Context(), r.PathValue("token"),
		s.BaseURL+emailChangeLinkPath, s.Settings.Get().Publication)
	switch {
	case errors.Is(err, accounts.ErrTokenInvalid):
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, http.StatusGone, d)
	case errors.Is(err, accounts.ErrEmailInUse):
		d.Error = readerMessage(err) + " Your email stays as it was; ask for the change again with another address."
		return s.renderConfirm(w, r, v, http.StatusConflict, d)
	case err != nil:
		return err
	}
	d.Text = "Approved. A link is on its way to " + newEmail + ": your email changes when it is opened."
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

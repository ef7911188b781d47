package accounts

import (
	"context"
	"errors"
	"fmt"

	"broadsheet/internal/dberr"
	bmail "broadsheet/internal/mail"
)

// checkNewPassword is the rule every new password meets.
func checkNewPassword(password string) error {
	if len(password) < MinPasswordLength {
		return &InputError{fmt.Sprintf("choose a password of at least %d characters", MinPasswordLength)}
	}
	return nil
}

// SendPasswordReset emails a link that sets a new password, when the
// address has an account. It answers the same whether or not it has one,
// and refuses past a few requests an hour for the address or from the
// client, counted before the address is looked up so the refusal tells
// nothing either.
func (s *Service) SendPasswordReset(ctx context.Context, email, clientAddr, linkBase, publication string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := s.throttle(ctx, map[string]int{
		"reset:email:" + email:                     maxEmailsPerAddress,
		"reset:client:" + clientBucket(clientAddr): maxEmailsPerClient,
	}); err != nil {
		return err
	}
	a, err := s.Store.AccountByEmail(ctx, email)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token, err := s.issueToken(ctx, PurposeReset, a.ID, "", resetLinkLifetime)
	if err != nil {
		return err
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      email,
		Subject: "Set a new password for " + publication,
		Body: "Someone asked to set a new password for your account on " + publication + ".\n\n" +
			"Open this link to choose one:\n\n" + linkBase + token +
			"\n\nThe link works once, for one hour. Setting a password signs out every device.\n" +
			"If you did not ask, ignore this email: your password stays as it is.\n",
	})
}

// ResetPassword uses a reset token to set a new password. It signs out
// every device of the account and confirms its address (the link came by
// mail), and returns the account. A password too short is refused before
// the token is touched, so the reader can try again with the same link.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*Account, error) {
	if err := checkNewPassword(password); err != nil {
		return nil, err
	}
	hash, err := s.Hashes.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	id, err := s.Store.ResetPassword(ctx, HashToken(token), hash, s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	return s.Store.AccountByID(ctx, id)
}

// checkCurrentPassword asks a signed-in reader for the account's password
// before changing what signs it in, so a device left open is not enough.
// It goes through Authenticate, so wrong guesses are throttled like any
// sign-in. An account without a password has nothing to ask.
func (s *Service) checkCurrentPassword(ctx context.Context, a *Account, password, clientAddr string) error {
	if a.PasswordHash == "" {
		return nil
	}
	got, err := s.Authenticate(ctx, a.Email, password, clientAddr)
	switch {
	case errors.Is(err, ErrBadCredentials):
		return ErrWrongPassword
	case err != nil:
		return err
	case got.ID != a.ID:
		return ErrWrongPassword
	}
	return nil
}

// ChangePassword sets a new password for the signed-in account, signs
// out every other device of it and voids the links it has pending (a move
// to another address asked for by whoever the change locks out).
func (s *Service) ChangePassword(ctx context.Context, se *Session, a *Account, current, password, clientAddr string) error {
	if err := checkNewPassword(password); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, a, current, clientAddr); err != nil {
		return err
	}
	hash, err := s.Hashes.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.Store.ChangePassword(ctx, a.ID, se.ID, hash, s.Now())
}

// RequestEmailChange emails a link to the new address that moves the
// account to it, and tells the old address. Nothing changes until the
// link is used.
func (s *Service) RequestEmailChange(ctx context.Context, a *Account, newEmail, current, clientAddr, linkBase, publication string) error {
	newEmail, err := NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	if newEmail == a.Email {
		return &InputError{"that is already your email"}
	}
	if err := s.checkCurrentPassword(ctx, a, current, clientAddr); err != nil {
		return err
	}
	if _, err := s.Store.AccountByEmail(ctx, newEmail); err == nil {
		return ErrEmailInUse
	} else if !errors.Is(err, dberr.ErrNotFound) {
		return err
	}
	if err := s.throttle(ctx, map[string]int{
		fmt.Sprintf("email_change:account:%d", a.ID): maxEmailsPerAccount,
		"email_change:email:" + newEmail:             maxEmailsPerAddress,
	}); err != nil {
		return err
	}
	token, err := s.issueToken(ctx, PurposeEmailChange, a.ID, newEmail, emailChangeLinkLifetime)
	if err != nil {
		return err
	}
	if err := s.Mail.Send(ctx, bmail.Message{
		To:      newEmail,
		Subject: "Confirm your new email address for " + publication,
		Body: "Open this link to make " + newEmail + " the email of your account on " + publication + ":\n\n" +
			linkBase + token +
			"\n\nThe link works once, for 24 hours. Confirming signs out your other devices.\n" +
			"If you did not ask for this, ignore this email.\n",
	}); err != nil {
		return err
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      a.Email,
		Subject: "Your email on " + publication + " is being changed",
		Body: "Someone signed in to your account on " + publication + " asked to change its email to " + newEmail +
			". It changes only when a link sent to that address is opened.\n\n" +
			"If it was not you, change your password from your account page: that stops the change and signs out your other devices.\n",
	})
}

// ConfirmEmailChange uses an email-change token: the account moves to the
// new address and every other device of it is signed out. The device in
// hand stays signed in when se is a session of that account. An address
// another account took since the request is refused, and nothing changes.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string, se *Session) (*Account, error) {
	t, err := s.CheckToken(ctx, PurposeEmailChange, token)
	if err != nil {
		return nil, err
	}
	var keep int64
	if se != nil && se.AccountID == t.AccountID {
		keep = se.ID
	}
	err = s.Store.ChangeEmail(ctx, HashToken(token), keep, s.Now())
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return nil, ErrTokenInvalid
	case errors.Is(err, dberr.ErrConflict):
		return nil, ErrEmailInUse
	case err != nil:
		return nil, err
	}
	return s.Store.AccountByID(ctx, t.AccountID)
}

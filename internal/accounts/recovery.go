package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"broadsheet/internal/dberr"
	bmail "broadsheet/internal/mail"
)

// Limits on reset emails. As for sign-in links, each client gets a few to
// an address at a time and a day's worth, and an address a larger day's
// worth from all clients, so strangers asking cannot use up its owner's.
const (
	resetBurstWindow               = 15 * time.Minute
	maxResetsPerAddressClientBurst = 3
	maxResetsPerAddressClientDay   = 10
	maxResetsPerAddressDay         = 30
)

// Errors of changes that an account without a password confirms by mail.
var (
	ErrNoPasswordYet = errors.New("your account has no password yet; set one by the link sent to your address")
	ErrNeedsApproval = errors.New("your account has no password, so its current address must approve the change by an emailed link")
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
// and refuses past the limits for the address from this client, for the
// address overall, or from the client, counted before the address is
// looked up so the refusal tells nothing either. It is also how an account
// without a password gets its first one.
func (s *Service) SendPasswordReset(ctx context.Context, email, clientAddr, linkBase, publication string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	client := clientBucket(clientAddr)
	if err := s.throttle(ctx,
		perHour("reset:client:"+client, maxEmailsPerClient),
		requestLimit{"reset:email-client:" + email + " " + client,
			[]int{maxResetsPerAddressClientBurst, maxResetsPerAddressClientDay}, []time.Duration{resetBurstWindow, 24 * time.Hour}},
		requestLimit{"reset:email:" + email, []int{maxResetsPerAddressDay}, []time.Duration{24 * time.Hour}},
	); err != nil {
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
		Body: "Someone asked to set a password for your account on " + publication + ".\n\n" +
			"Open this link to choose one:\n\n" + linkBase + token +
			"\n\nThe link works once, for " + lifetimeText(resetLinkLifetime) + ". Setting a password signs out every device.\n" +
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
// sign-in. An account without a password has nothing to ask: its changes
// go through links sent to its address instead (noPassword is the error).
func (s *Service) checkCurrentPassword(ctx context.Context, a *Account, password, clientAddr string, noPassword error) error {
	if a.PasswordHash == "" {
		return noPassword
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
// to another address asked for by whoever the change locks out). An
// account without a password is refused with ErrNoPasswordYet: it gets
// one by SendPasswordReset, as a device alone is no proof of its owner.
func (s *Service) ChangePassword(ctx context.Context, se *Session, a *Account, current, password, clientAddr string) error {
	if err := checkNewPassword(password); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, a, current, clientAddr, ErrNoPasswordYet); err != nil {
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
// link is used. An account without a password is refused with
// ErrNeedsApproval: it asks with RequestEmailChangeApproval.
func (s *Service) RequestEmailChange(ctx context.Context, a *Account, newEmail, current, clientAddr, linkBase, publication string) error {
	newEmail, err := s.checkNewEmail(ctx, a, newEmail)
	if err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, a, current, clientAddr, ErrNeedsApproval); err != nil {
		return err
	}
	if err := s.throttleEmailChange(ctx, a, newEmail); err != nil {
		return err
	}
	if err := s.sendEmailChangeLink(ctx, a.ID, newEmail, linkBase, publication); err != nil {
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

// checkNewEmail checks an address the account would move to and returns
// it normalised.
func (s *Service) checkNewEmail(ctx context.Context, a *Account, newEmail string) (string, error) {
	newEmail, err := NormalizeEmail(newEmail)
	if err != nil {
		return "", err
	}
	if newEmail == a.Email {
		return "", &InputError{"that is already your email"}
	}
	return newEmail, s.checkEmailFree(ctx, newEmail)
}

// checkEmailFree refuses an address another account has.
func (s *Service) checkEmailFree(ctx context.Context, email string) error {
	if _, err := s.Store.AccountByEmail(ctx, email); err == nil {
		return ErrEmailInUse
	} else if !errors.Is(err, dberr.ErrNotFound) {
		return err
	}
	return nil
}

func (s *Service) throttleEmailChange(ctx context.Context, a *Account, newEmail string) error {
	return s.throttle(ctx,
		perHour(fmt.Sprintf("email_change:account:%d", a.ID), maxEmailsPerAccount),
		perHour("email_change:email:"+newEmail, maxEmailsPerAddress))
}

// sendEmailChangeLink emails the new address the link that moves the
// account to it.
func (s *Service) sendEmailChangeLink(ctx context.Context, accountID int64, newEmail, linkBase, publication string) error {
	token, err := s.issueToken(ctx, PurposeEmailChange, accountID, newEmail, emailChangeLinkLifetime)
	if err != nil {
		return err
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      newEmail,
		Subject: "Confirm your new email address for " + publication,
		Body: "Open this link to make " + newEmail + " the email of your account on " + publication + ":\n\n" +
			linkBase + token +
			"\n\nThe link works once, for " + lifetimeText(emailChangeLinkLifetime) + ". Confirming signs out your other devices.\n" +
			"If you did not ask for this, ignore this email.\n",
	})
}

// RequestEmailChangeApproval is how an account without a password asks
// to move to a new address. A signed-in device is no proof of the owner
// (it may be a shared or stolen one), so the current address gets a link
// that approves the move, and only its use sends the confirmation link
// to the new address (ApproveEmailChange).
func (s *Service) RequestEmailChangeApproval(ctx context.Context, a *Account, newEmail, approveBase, publication string) error {
	if a.PasswordHash != "" {
		return &InputError{"type your current password to change your email"}
	}
	newEmail, err := s.checkNewEmail(ctx, a, newEmail)
	if err != nil {
		return err
	}
	if err := s.throttleEmailChange(ctx, a, newEmail); err != nil {
		return err
	}
	token, err := s.issueToken(ctx, PurposeEmailChangeApproval, a.ID, newEmail, emailChangeLinkLifetime)
	if err != nil {
		return err
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      a.Email,
		Subject: "Approve a change of your email on " + publication,
		Body: "Someone signed in to your account on " + publication + " asked to change its email to " + newEmail + ".\n\n" +
			"If it was you, open this link to approve; a link to confirm the new address is then sent there:\n\n" +
			approveBase + token +
			"\n\nThe link works once, for " + lifetimeText(emailChangeLinkLifetime) + ". If it was not you, ignore this email: nothing changes, " +
			"and you may sign out the other devices from your account page.\n",
	})
}

// ApproveEmailChange uses an approval token from the current address and
// sends the confirmation link to the new one; it returns the new address.
// The approval is used up even when the address was taken meanwhile
// (ErrEmailInUse): the owner asks again with another.
func (s *Service) ApproveEmailChange(ctx context.Context, token, linkBase, publication string) (string, error) {
	accountID, newEmail, err := s.Store.UseAccountToken(ctx, PurposeEmailChangeApproval, HashToken(token), s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return "", ErrTokenInvalid
	}
	if err != nil {
		return "", err
	}
	if err := s.checkEmailFree(ctx, newEmail); err != nil {
		return "", err
	}
	return newEmail, s.sendEmailChangeLink(ctx, accountID, newEmail, linkBase, publication)
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

// Package accounts owns readers' accounts: registration, passwords, sign-in
// by password or by emailed one-time link, and sessions on devices with an
// optional cap per account.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	bmail "broadsheet/internal/mail"
)

// Errors the web and API layers turn into messages.
var (
	ErrBadCredentials = errors.New("that email and password do not match an account")
	ErrThrottled      = errors.New("too many failed sign-ins; wait 15 minutes and try again, or sign in with an emailed link")
	ErrEmailTaken     = errors.New("an account with that email already exists; sign in instead")
	ErrLinkInvalid    = errors.New("this sign-in link or code is wrong, used or expired; ask for a new one")
	ErrNoSession      = errors.New("not signed in")
)

// InputError is a problem with what the reader typed (an address that is
// not one, a short password), worded to be shown to them.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

// MinPasswordLength is the shortest password Register accepts.
const MinPasswordLength = 8

// SessionEndedError says why a device was signed out.
type SessionEndedError struct{ Reason string }

func (e *SessionEndedError) Error() string {
	if e.Reason == EndedDeviceLimit {
		return "you were signed out on this device because your account signed in on more devices than your subscription allows"
	}
	return "this device was signed out"
}

// Limits on guessing.
const (
	failureWindow     = 15 * time.Minute
	maxEmailFailures  = 5
	maxAddrFailures   = 30
	loginLinkLifetime = 20 * time.Minute
	maxCodeAttempts   = 5
	touchEvery        = time.Minute
)

// Store is what accounts need from the database.
type Store interface {
	CreateAccount(ctx context.Context, a *Account) (int64, error)
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	AccountByID(ctx context.Context, id int64) (*Account, error)
	UpdateAccount(ctx context.Context, a *Account) error
	CreateSession(ctx context.Context, tokenHash string, accountID int64, userAgent string, now time.Time, maxActive int) (int64, error)
	SessionWithAccount(ctx context.Context, tokenHash string) (*Session, *Account, error)
	TouchSession(ctx context.Context, id int64, now time.Time) error
	EndSession(ctx context.Context, accountID, sessionID int64, reason string, now time.Time) error
	EndOtherSessions(ctx context.Context, accountID, keep int64, reason string, now time.Time) (int64, error)
	ActiveSessions(ctx context.Context, accountID int64) ([]*Session, error)
	CreateLoginLink(ctx context.Context, accountID int64, tokenHash, codeHash, next string, expires, now time.Time) error
	LoginLinkByToken(ctx context.Context, tokenHash string) (*LoginLink, error)
	LatestLoginLink(ctx context.Context, accountID int64, now time.Time) (*LoginLink, string, error)
	UseLoginLink(ctx context.Context, id int64, now time.Time) error
	CountLoginLinkAttempt(ctx context.Context, id int64) (int, error)
	RecordLoginFailure(ctx context.Context, key string, now time.Time) error
	LoginFailuresSince(ctx context.Context, key string, since time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error
}

// Service is the accounts service.
type Service struct {
	Store Store
	Now   func() time.Time
	Mail  bmail.Sender
}

// NormalizeEmail checks an address and returns it lower-cased.
func NormalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "", &InputError{fmt.Sprintf("%q is not an email address", email)}
	}
	return strings.ToLower(email), nil
}

// Register creates an account with a password.
func (s *Service) Register(ctx context.Context, email, password string, admin bool) (*Account, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if len(password) < MinPasswordLength {
		return nil, &InputError{fmt.Sprintf("choose a password of at least %d characters", MinPasswordLength)}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	a := &Account{Email: email, PasswordHash: hash, IsAdmin: admin, CreatedAt: s.Now()}
	if a.ID, err = s.Store.CreateAccount(ctx, a); err != nil {
		if _, lookErr := s.Store.AccountByEmail(ctx, email); lookErr == nil {
			return nil, ErrEmailTaken
		}
		return nil, err
	}
	return a, nil
}

// Authenticate checks an email and password. Failures are counted per
// email and per client address; past the limit every attempt is refused
// for a while, right password or not.
func (s *Service) Authenticate(ctx context.Context, email, password, clientAddr string) (*Account, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, ErrBadCredentials
	}
	now := s.Now()
	since := now.Add(-failureWindow)
	keys := []string{"email:" + email, "addr:" + clientAddr}
	if n, err := s.Store.LoginFailuresSince(ctx, keys[0], since); err != nil {
		return nil, err
	} else if n >= maxEmailFailures {
		return nil, ErrThrottled
	}
	if n, err := s.Store.LoginFailuresSince(ctx, keys[1], since); err != nil {
		return nil, err
	} else if n >= maxAddrFailures {
		return nil, ErrThrottled
	}
	a, err := s.Store.AccountByEmail(ctx, email)
	ok := false
	if err == nil && a.PasswordHash != "" {
		ok, _ = CheckPassword(a.PasswordHash, password)
	} else {
		// Spend the same time as a real check, so response times do not
		// tell which emails have accounts.
		CheckPassword(dummyHash, password)
	}
	if !ok {
		for _, k := range keys {
			if err := s.Store.RecordLoginFailure(ctx, k, now); err != nil {
				return nil, err
			}
		}
		return nil, ErrBadCredentials
	}
	s.Store.ClearLoginFailures(ctx, keys[0])
	return a, nil
}

var dummyHash, _ = HashPassword("not a real password")

// StartSession signs the account in on a device and returns the session's
// secret token for its cookie or bearer header. Past the account's device
// cap (0: none) the least recently used sessions are signed out.
func (s *Service) StartSession(ctx context.Context, accountID int64, userAgent string, deviceLimit int) (string, error) {
	token := NewToken()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err := s.Store.CreateSession(ctx, HashToken(token), accountID, userAgent, s.Now(), deviceLimit)
	return token, err
}

// SessionFor returns the open session and account a token belongs to. A
// token of an ended session gives a *SessionEndedError saying why.
func (s *Service) SessionFor(ctx context.Context, token string) (*Session, *Account, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	se, a, err := s.Store.SessionWithAccount(ctx, HashToken(token))
	if err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, nil, ErrNoSession
		}
		return nil, nil, err
	}
	if se.EndedAt != nil {
		return nil, nil, &SessionEndedError{Reason: se.EndedReason}
	}
	if now := s.Now(); now.Sub(se.LastSeenAt) > touchEvery {
		// Only once a minute: "last seen" need not be exact, and the
		// article page should not write on every view.
		if err := s.Store.TouchSession(ctx, se.ID, now); err != nil {
			return nil, nil, err
		}
		se.LastSeenAt = now
	}
	return se, a, nil
}

// SignOut ends the session of token.
func (s *Service) SignOut(ctx context.Context, se *Session) error {
	return s.Store.EndSession(ctx, se.AccountID, se.ID, EndedSignedOut, s.Now())
}

// RevokeSession signs one of the account's devices out.
func (s *Service) RevokeSession(ctx context.Context, accountID, sessionID int64) error {
	return s.Store.EndSession(ctx, accountID, sessionID, EndedRevoked, s.Now())
}

// RevokeOtherSessions signs out every device of the account but this one.
func (s *Service) RevokeOtherSessions(ctx context.Context, se *Session) (int64, error) {
	return s.Store.EndOtherSessions(ctx, se.AccountID, se.ID, EndedRevoked, s.Now())
}

// Sessions lists the account's signed-in devices.
func (s *Service) Sessions(ctx context.Context, accountID int64) ([]*Session, error) {
	return s.Store.ActiveSessions(ctx, accountID)
}

// SendLoginLink emails a one-time sign-in link and code, creating a
// password-less account for a new email. linkBase is the absolute URL the
// token is appended to. It never says whether the email had an account.
func (s *Service) SendLoginLink(ctx context.Context, email, next, linkBase, publication string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	a, err := s.Store.AccountByEmail(ctx, email)
	if err != nil {
		if !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
		a = &Account{Email: email, CreatedAt: s.Now()}
		if a.ID, err = s.Store.CreateAccount(ctx, a); err != nil {
			if a, err = s.Store.AccountByEmail(ctx, email); err != nil {
				return err
			}
		}
	}
	token, code := NewToken(), NewCode()
	now := s.Now()
	if err := s.Store.CreateLoginLink(ctx, a.ID, HashToken(token), HashToken(code), next, now.Add(loginLinkLifetime), now); err != nil {
		return err
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      email,
		Subject: "Your sign-in link for " + publication,
		Body: "Open this link to sign in to " + publication + ":\n\n" + linkBase + token +
			"\n\nOr type this code on the sign-in page: " + code +
			"\n\nThe link and code work once, for 20 minutes. If you did not ask to sign in, ignore this email.\n",
	})
}

// CheckLoginLink tells whether a link token is still good, without using
// it: opening the link only shows a confirm button, because mail scanners
// open links too.
func (s *Service) CheckLoginLink(ctx context.Context, token string) (*LoginLink, error) {
	l, err := s.Store.LoginLinkByToken(ctx, HashToken(token))
	if err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, ErrLinkInvalid
		}
		return nil, err
	}
	if l.UsedAt != nil || !s.Now().Before(l.ExpiresAt) {
		return nil, ErrLinkInvalid
	}
	return l, nil
}

// UseLoginLink uses a link token up and returns its account.
func (s *Service) UseLoginLink(ctx context.Context, token string) (*Account, *LoginLink, error) {
	l, err := s.CheckLoginLink(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	return s.useLink(ctx, l)
}

// UseLoginCode signs in with the code from the email instead of the link.
func (s *Service) UseLoginCode(ctx context.Context, email, code string) (*Account, *LoginLink, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, nil, ErrLinkInvalid
	}
	a, err := s.Store.AccountByEmail(ctx, email)
	if err != nil {
		return nil, nil, ErrLinkInvalid
	}
	l, codeHash, err := s.Store.LatestLoginLink(ctx, a.ID, s.Now())
	if err != nil {
		return nil, nil, ErrLinkInvalid
	}
	if l.Attempts >= maxCodeAttempts {
		return nil, nil, ErrLinkInvalid
	}
	if HashToken(strings.TrimSpace(code)) != codeHash {
		s.Store.CountLoginLinkAttempt(ctx, l.ID)
		return nil, nil, ErrLinkInvalid
	}
	return s.useLink(ctx, l)
}

func (s *Service) useLink(ctx context.Context, l *LoginLink) (*Account, *LoginLink, error) {
	if err := s.Store.UseLoginLink(ctx, l.ID, s.Now()); err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, nil, ErrLinkInvalid
		}
		return nil, nil, err
	}
	a, err := s.Store.AccountByID(ctx, l.AccountID)
	return a, l, err
}

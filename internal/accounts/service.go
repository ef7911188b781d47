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
	ErrThrottled      = errors.New("too many failed sign-ins from here; try again later, or sign in with an emailed link")
	ErrEmailTaken     = errors.New("an account with that email already exists; sign in instead")
	ErrLinkInvalid    = errors.New("this sign-in link or code is wrong, used or expired; ask for a new one")
	ErrNoSession      = errors.New("not signed in")
	ErrSignInChanged  = errors.New("your account's password changed while you were signing in; sign in again")
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
	touchEvery = time.Minute
)

// Store is what accounts need from the database.
type Store interface {
	CreateAccount(ctx context.Context, a *Account) (int64, error)
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	AccountByID(ctx context.Context, id int64) (*Account, error)
	UpdateAccount(ctx context.Context, a *Account) error
	CreateSession(ctx context.Context, tokenHash string, accountID int64, passwordHash, userAgent string, now time.Time, maxActive int) (int64, error)
	SessionWithAccount(ctx context.Context, tokenHash string) (*Session, *Account, error)
	TouchSession(ctx context.Context, id int64, now time.Time) error
	EndSession(ctx context.Context, accountID, sessionID int64, reason string, now time.Time) error
	EndOtherSessions(ctx context.Context, accountID, keep int64, reason string, now time.Time) (int64, error)
	ActiveSessions(ctx context.Context, accountID int64) ([]*Session, error)
	RoleStore
	LinkStore
	ThrottleStore
	TokenStore
}

// Service is the accounts service.
type Service struct {
	Store Store
	Now   func() time.Time
	Mail  bmail.Sender
	// Hashes bounds the password hashes computed at once; nil: no bound.
	Hashes *HashLimiter
}

// maxEmailBytes is the longest address mail can deliver to (RFC 5321's
// path limit less its brackets); longer ones would not fit the database's
// indexes either.
const maxEmailBytes = 254

// NormalizeEmail checks an address and returns it lower-cased.
func NormalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if len(email) > maxEmailBytes {
		return "", &InputError{fmt.Sprintf("an email address has at most %d characters", maxEmailBytes)}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "", &InputError{fmt.Sprintf("%q is not an email address", email)}
	}
	return strings.ToLower(email), nil
}

// Register creates an account with a password and a role, whose address
// the operator vouches for (the command line, the demo): it is confirmed
// from the start. Readers registering on the site go through SignUp.
func (s *Service) Register(ctx context.Context, email, password string, role Role) (*Account, error) {
	return s.register(ctx, email, password, role, true)
}

func (s *Service) register(ctx context.Context, email, password string, role Role, verified bool) (*Account, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if err := checkNewPassword(password); err != nil {
		return nil, err
	}
	hash, err := s.Hashes.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	a := &Account{Email: email, PasswordHash: hash, Role: role, CreatedAt: now}
	if verified {
		a.EmailVerifiedAt = &now
	}
	if a.ID, err = s.Store.CreateAccount(ctx, a); errors.Is(err, dberr.ErrConflict) {
		return nil, ErrEmailTaken // the unique index on email said so
	} else if err != nil {
		return nil, err
	}
	return a, nil
}

// Authenticate checks an email and password from a client address. The
// attempt is counted before the password is checked, and one past a limit
// (see admitSignIn) is refused with a *ThrottledError, right password or
// not. ErrBusy means the server had no turn to check it in; it costs the
// reader no attempt.
func (s *Service) Authenticate(ctx context.Context, email, password, clientAddr string) (*Account, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, ErrBadCredentials
	}
	ticket, err := s.admitSignIn(ctx, email, clientAddr)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.AccountByEmail(ctx, email)
	if err != nil && !errors.Is(err, dberr.ErrNotFound) {
		return nil, errors.Join(err, ticket.unchecked(ctx))
	}
	ok := false
	if err == nil && a.PasswordHash != "" {
		ok, err = s.Hashes.Check(ctx, a.PasswordHash, password)
	} else {
		// Spend the same time as a real check, so response times do not
		// tell which emails have accounts.
		_, err = s.Hashes.Check(ctx, dummyHash, password)
	}
	if errors.Is(err, ErrBusy) {
		return nil, errors.Join(err, ticket.unchecked(ctx))
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	if err := ticket.succeeded(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

var dummyHash, _ = HashPassword("not a real password")

// StartSession signs the account in on a device and returns the session's
// secret token for its cookie or bearer header. Past the account's device
// cap (0: none) the least recently used sessions are signed out. a is the
// account as the sign-in checked it: if its password changed since (a
// reset, or a link sign-in taking back the address), the session is
// refused with ErrSignInChanged, so a check that passed a moment before the
// change cannot sign a device in after it.
func (s *Service) StartSession(ctx context.Context, a *Account, userAgent string, deviceLimit int) (string, error) {
	token := NewToken()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	// The cut may split a character, and a header may hold any bytes; the
	// database keeps only UTF-8 text.
	userAgent = strings.ToValidUTF8(userAgent, "")
	_, err := s.Store.CreateSession(ctx, HashToken(token), a.ID, a.PasswordHash, userAgent, s.Now(), deviceLimit)
	if errors.Is(err, dberr.ErrNotFound) {
		return "", ErrSignInChanged
	}
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

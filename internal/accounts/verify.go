package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"broadsheet/internal/dberr"
	bmail "broadsheet/internal/mail"
)

// TokenStore is what confirming addresses, resetting passwords and
// changing them need from the database.
type TokenStore interface {
	CreateAccountToken(ctx context.Context, purpose TokenPurpose, tokenHash string, accountID int64, newEmail string, expires, now time.Time) error
	AccountTokenByHash(ctx context.Context, purpose TokenPurpose, tokenHash string) (*AccountToken, error)
	CountTokenRequest(ctx context.Context, key string, since []time.Time, now time.Time) ([]int, error)
	UseAccountToken(ctx context.Context, purpose TokenPurpose, tokenHash string, now time.Time) (accountID int64, newEmail string, err error)
	ConfirmEmail(ctx context.Context, tokenHash string, accountID int64, now time.Time) error
	ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time) (int64, error)
	ChangePassword(ctx context.Context, accountID, keep int64, passwordHash string, now time.Time) error
	ChangeEmail(ctx context.Context, tokenHash string, keep int64, now time.Time) error
	ClaimUnconfirmedAccount(ctx context.Context, accountID int64, now time.Time) (bool, error)
}

// Errors of emailed account links.
var (
	ErrTokenInvalid  = errors.New("this link is wrong, used or expired; ask for a new one")
	ErrTooManyEmails = errors.New("too many emails were asked for lately; try again later")
	ErrWrongPassword = errors.New("your current password is not right")
	ErrEmailInUse    = errors.New("another account already uses that email")
)

// lifetimeText says a link's lifetime as an email does: "24 hours", "1 hour".
func lifetimeText(d time.Duration) string {
	if h := int(d / time.Hour); h > 1 {
		return strconv.Itoa(h) + " hours"
	}
	return "1 hour"
}

// Lifetimes of emailed links and how many may be asked for per hour.
const (
	verifyLinkLifetime      = 24 * time.Hour
	resetLinkLifetime       = time.Hour
	emailChangeLinkLifetime = 24 * time.Hour
	emailRequestWindow      = time.Hour
	maxEmailsPerAddress     = 3  // to one address, per purpose
	maxEmailsPerAccount     = 3  // for one account, per purpose
	maxEmailsPerClient      = 10 // from one client address
)

// SignUp creates an account with a password from the public registration
// form. Its address stays unconfirmed until the owner uses a link sent to
// it (SendVerification), because anyone can type anyone's address.
func (s *Service) SignUp(ctx context.Context, email, password string) (*Account, error) {
	return s.register(ctx, email, password, RoleReader, false)
}

// requestLimit allows at most max[i] requests for an email under key in
// each windows[i].
type requestLimit struct {
	key     string
	max     []int
	windows []time.Duration
}

// perHour is a limit of max requests an hour under key.
func perHour(key string, max int) requestLimit {
	return requestLimit{key, []int{max}, []time.Duration{emailRequestWindow}}
}

// throttle records a request for an email under each limit's key in turn
// and refuses it at the first key past a limit in one of its windows. A
// request refused is not recorded under the keys after it, so a client
// past its own limit for an address spends none of the address's.
func (s *Service) throttle(ctx context.Context, limits ...requestLimit) error {
	now := s.Now()
	for _, lim := range limits {
		since := make([]time.Time, len(lim.windows))
		for i, w := range lim.windows {
			since[i] = now.Add(-w)
		}
		counts, err := s.Store.CountTokenRequest(ctx, lim.key, since, now)
		if err != nil {
			return err
		}
		for i, n := range counts {
			if n > lim.max[i] {
				return ErrTooManyEmails
			}
		}
	}
	return nil
}

// issueToken stores a new token for the account and returns the secret
// to put in the emailed link.
func (s *Service) issueToken(ctx context.Context, purpose TokenPurpose, accountID int64, newEmail string, lifetime time.Duration) (string, error) {
	token := NewToken()
	now := s.Now()
	err := s.Store.CreateAccountToken(ctx, purpose, HashToken(token), accountID, newEmail, now.Add(lifetime), now)
	return token, err
}

// SendVerification emails a link that confirms the account's address.
// linkBase is the absolute URL the token is appended to. A confirmed
// account gets nothing.
func (s *Service) SendVerification(ctx context.Context, a *Account, linkBase, publication string) error {
	if a.Verified() {
		return nil
	}
	if err := s.throttle(ctx, perHour(fmt.Sprintf("verify:account:%d", a.ID), maxEmailsPerAccount)); err != nil {
		return err
	}
	token, err := s.issueToken(ctx, PurposeVerify, a.ID, "", verifyLinkLifetime)
	if err != nil {
		return err
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      a.Email,
		Subject: "Confirm your email address for " + publication,
		Body: "An account with a password was created on " + publication + " for this address.\n\n" +
			"If it was you, open this link, signed in to the account, to confirm the address:\n\n" + linkBase + token +
			"\n\nThe link works once, for " + lifetimeText(verifyLinkLifetime) + ".\n\n" +
			"If it was not you, do not confirm. Sign in with an emailed link instead: that signs out whoever " +
			"created the account and removes the password they chose.\n",
	})
}

// CheckToken tells whether an emailed token of a purpose is still good,
// without using it: opening a link only shows a form, because mail
// scanners open links too.
func (s *Service) CheckToken(ctx context.Context, purpose TokenPurpose, token string) (*AccountToken, error) {
	t, err := s.Store.AccountTokenByHash(ctx, purpose, HashToken(token))
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil || !s.Now().Before(t.ExpiresAt) {
		return nil, ErrTokenInvalid
	}
	return t, nil
}

// ConfirmEmail uses a verify token on the account signed in on the device
// that opened it. Requiring the session as well as the link means the
// one who set the password and the one who reads the mailbox are the same
// person; the mailbox's owner who did not create the account signs in by
// emailed link instead, which takes the account back.
func (s *Service) ConfirmEmail(ctx context.Context, token string, accountID int64) error {
	err := s.Store.ConfirmEmail(ctx, HashToken(token), accountID, s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return ErrTokenInvalid
	}
	return err
}

// afterLinkSignIn runs when an emailed sign-in link is used: the first one
// used on an unconfirmed account proves the address, so whoever registered
// it with a password (possibly not its owner) loses that password and every
// session.
func (s *Service) afterLinkSignIn(ctx context.Context, a *Account) error {
	if a.Verified() {
		return nil
	}
	now := s.Now()
	claimed, err := s.Store.ClaimUnconfirmedAccount(ctx, a.ID, now)
	if err != nil {
		return err
	}
	if claimed {
		a.PasswordHash, a.EmailVerifiedAt = "", &now
	}
	return nil
}

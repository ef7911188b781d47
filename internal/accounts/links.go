package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	bmail "broadsheet/internal/mail"
)

// Limits on sign-in links and the codes in them. Each client gets a few
// emails to an address at a time and a day's worth at most, and an address
// gets a larger day's worth from all clients together, so nobody can flood
// an inbox or mint codes to guess, and what strangers ask for does not use
// up the owner's own budget. A client is also limited across addresses.
// Code guesses are capped per link, per address from one client, and per
// address from all clients, so a day of guessing from any number of
// clients has at most a thirty-in-a-hundred-million chance.
const (
	LoginLinkLifetime = 20 * time.Minute

	LinkBurstWindow                = 15 * time.Minute
	MaxLinksPerAddressClientBurst  = 3
	MaxLinksPerAddressClientPerDay = 10
	MaxLinksPerAddressPerDay       = 30
	MaxLinksPerClientPerHour       = 30

	MaxCodeGuessesPerLink             = 5
	MaxCodeGuessesPerAddressClientDay = 10
	MaxCodeGuessesPerAddressDay       = 30
)

// Errors of sign-in by link and code. None depends on whether the address
// has an account, so saying them tells nothing about it.
var (
	ErrTooManyLinkRequests   = errors.New("too many sign-in emails were asked for from your network; wait an hour and try again")
	ErrTooManyLinksToAddress = errors.New("too many sign-in emails were sent to this address lately, so none was sent now; " +
		"use the newest one you have, or try again later")
	ErrCodeSpent = errors.New("too many wrong codes were typed for the newest email's code; " +
		"open its link instead, or ask for a new email")
	ErrTooManyCodeGuesses = errors.New("too many wrong codes were typed for this address; " +
		"open the link in the email instead, or try a code again tomorrow")
)

// LoginLink is an emailed one-time sign-in link and its short code, sent
// to an address that may not have an account yet.
type LoginLink struct {
	ID        int64
	Email     string // normalised
	NextPath  string
	ExpiresAt time.Time
	UsedAt    *time.Time
	Attempts  int    // codes typed against it
	CodeSalt  string // the code's per-link key
	CodeHash  string // the code, hashed with CodeSalt
}

// NewLoginLink is a link to store.
type NewLoginLink struct {
	Email, Client                 string
	TokenHash, CodeSalt, CodeHash string
	NextPath                      string
	ExpiresAt, CreatedAt          time.Time
}

// LinkLimit allows at most Max links created after Since.
type LinkLimit struct {
	Since time.Time
	Max   int
}

// LinkLimits are the limits a new link must be under: the client's, each
// of the address's from this client, and each of the address's overall.
type LinkLimits struct {
	Client          LinkLimit
	AddressOnClient []LinkLimit
	Address         []LinkLimit
}

// LinkOutcome says whether a link was stored, or which limit refused it.
type LinkOutcome int

// The outcomes of storing a link.
const (
	LinkCreated LinkOutcome = iota
	LinkAddressLimited
	LinkClientLimited
)

// GuessLimits bound the codes checked: per link, and per address over
// its links created after Since.
type GuessLimits struct {
	PerLink, PerAddress int
	Since               time.Time
}

// GuessOutcome says whether a typed code was counted, or which limit
// refused it.
type GuessOutcome int

// The outcomes of counting a typed code.
const (
	GuessCounted GuessOutcome = iota
	GuessLinkSpent
	GuessAddressLimited
)

// LinkStore is what sign-in by emailed link needs from the database.
type LinkStore interface {
	CreateLoginLink(ctx context.Context, l *NewLoginLink, limits LinkLimits) (LinkOutcome, error)
	LoginLinkByToken(ctx context.Context, tokenHash string) (*LoginLink, error)
	LatestLoginLink(ctx context.Context, email string, now time.Time) (*LoginLink, error)
	CountCodeGuess(ctx context.Context, id int64, email string, limits GuessLimits, now time.Time) (GuessOutcome, error)
	UseLoginLink(ctx context.Context, id int64, now time.Time) (*Account, error)
}

// SendLoginLink emails a one-time sign-in link and code to an address,
// whether or not it has an account; none is created until the link is
// used. linkBase is the absolute URL the token is appended to; client is
// the requester's address. Past the client's limit it is
// ErrTooManyLinkRequests, past the address's ErrTooManyLinksToAddress, and
// nothing is sent; neither depends on whether the address has an account.
// A device that has signed in to this address before (knownDevice) is held
// to its own limits only, not the address's overall cap, so that strangers
// filling that cap cannot lock the owner out of their own sign-in.
func (s *Service) SendLoginLink(ctx context.Context, email, next, linkBase, publication, client string, knownDevice bool) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	token, code, salt := NewToken(), NewCode(), newSalt()
	now := s.Now()
	day := now.Add(-24 * time.Hour)
	overall := []LinkLimit{{Since: day, Max: MaxLinksPerAddressPerDay}}
	if knownDevice {
		overall = nil
	}
	outcome, err := s.Store.CreateLoginLink(ctx, &NewLoginLink{
		Email: email, Client: clientBucket(client),
		TokenHash: HashToken(token), CodeSalt: salt, CodeHash: hashCode(salt, code),
		NextPath: next, ExpiresAt: now.Add(LoginLinkLifetime), CreatedAt: now,
	}, LinkLimits{
		Client: LinkLimit{Since: now.Add(-time.Hour), Max: MaxLinksPerClientPerHour},
		AddressOnClient: []LinkLimit{
			{Since: now.Add(-LinkBurstWindow), Max: MaxLinksPerAddressClientBurst},
			{Since: day, Max: MaxLinksPerAddressClientPerDay},
		},
		Address: overall,
	})
	switch {
	case err != nil:
		return err
	case outcome == LinkClientLimited:
		return ErrTooManyLinkRequests
	case outcome == LinkAddressLimited:
		return ErrTooManyLinksToAddress
	}
	return s.Mail.Send(ctx, bmail.Message{
		To:      email,
		Subject: "Your sign-in link for " + publication,
		Body: "Open this link to sign in to " + publication + ":\n\n" + linkBase + token +
			"\n\nOr type this " + strconv.Itoa(codeDigits) + "-digit code on the sign-in page: " + code +
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

// UseLoginLink uses a link token up and returns its account. The token is
// 256 random bits: it needs no guess limit.
func (s *Service) UseLoginLink(ctx context.Context, token string) (*Account, *LoginLink, error) {
	l, err := s.CheckLoginLink(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	return s.useLink(ctx, l)
}

// UseLoginCode signs in with the code of the address's newest link
// instead of the link, typed on client. Each guess is recorded before it
// is checked, and past the limits codes are refused, right or wrong: with
// ErrCodeSpent once the link has had its guesses, ErrTooManyCodeGuesses
// once the address has from this client or from all; the link itself
// still works.
func (s *Service) UseLoginCode(ctx context.Context, email, code, client string) (*Account, *LoginLink, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, nil, err
	}
	code = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code))
	if !codeRE.MatchString(code) {
		return nil, nil, &InputError{fmt.Sprintf("type the %d digits of the code in the email", codeDigits)}
	}
	now := s.Now()
	l, err := s.Store.LatestLoginLink(ctx, email, now)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	// This client's guesses at the address are counted first, so that a
	// client past its own limit spends none of the address's.
	n, _, err := s.Store.CountLoginAttempt(ctx, "code:"+email+" "+clientBucket(client), now, 24*time.Hour)
	if err != nil {
		return nil, nil, err
	}
	if n > MaxCodeGuessesPerAddressClientDay {
		return nil, nil, ErrTooManyCodeGuesses
	}
	outcome, err := s.Store.CountCodeGuess(ctx, l.ID, email, GuessLimits{
		PerLink: MaxCodeGuessesPerLink, PerAddress: MaxCodeGuessesPerAddressDay, Since: now.Add(-24 * time.Hour),
	}, now)
	switch {
	case err != nil:
		return nil, nil, err
	case outcome == GuessLinkSpent:
		return nil, nil, ErrCodeSpent
	case outcome == GuessAddressLimited:
		return nil, nil, ErrTooManyCodeGuesses
	}
	if !codeMatches(l.CodeSalt, l.CodeHash, code) {
		return nil, nil, ErrLinkInvalid
	}
	return s.useLink(ctx, l)
}

// useLink uses a link up and returns the account of its address, made
// now if it had none. Every sign-in by link or code passes through here.
func (s *Service) useLink(ctx context.Context, l *LoginLink) (*Account, *LoginLink, error) {
	a, err := s.Store.UseLoginLink(ctx, l.ID, s.Now())
	if err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, nil, ErrLinkInvalid
		}
		return nil, nil, err
	}
	if err := s.afterLinkSignIn(ctx, a); err != nil {
		return nil, nil, err
	}
	return a, l, nil
}

// HiddenSecret replaces sign-in secrets in emails shown to staff.
const HiddenSecret = "[hidden: sign-in secret]"

var (
	tokenRunRE = regexp.MustCompile(`[A-Za-z0-9_-]{43,}`)
	codeRunRE  = regexp.MustCompile(fmt.Sprintf(`\b[0-9]{%d}\b`, codeDigits))
)

// HideSecrets masks what in an email would sign its reader in: every
// token (the 43 characters of NewToken) and every code. An admin reading
// the outbox could otherwise sign in as anyone.
func HideSecrets(text string) string {
	text = tokenRunRE.ReplaceAllStringFunc(text, func(run string) string {
		if len(run) == tokenLength {
			return HiddenSecret
		}
		return run
	})
	return codeRunRE.ReplaceAllString(text, HiddenSecret)
}

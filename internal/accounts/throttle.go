package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Password sign-ins are throttled by counting every attempt before its
// password is checked, under two keys: the account on one client, and the
// client alone. An attempt past either limit is refused without a check,
// whatever the password. Nothing counts an account across all clients, so
// guesses from elsewhere never lock its owner out on their own device.
const (
	SignInWindow              = 15 * time.Minute
	MaxSignInsAccountOnClient = 5  // attempts on one account from one client per window
	MaxSignInsClient          = 30 // attempts from one client, on any accounts, per window
)

// ThrottleStore counts sign-in attempts (see the store's login_throttle).
type ThrottleStore interface {
	CountLoginAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, time.Time, error)
	UncountLoginAttempt(ctx context.Context, key string, opened time.Time) error
	ClearLoginAttempts(ctx context.Context, key string) error
}

// ThrottledError refuses a sign-in past a limit; errors.Is(err,
// ErrThrottled) holds for it.
type ThrottledError struct {
	RetryAfter time.Duration // until the window that refused it is over
}

func (e *ThrottledError) Error() string {
	minutes := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	wait := "1 minute"
	if minutes > 1 {
		wait = fmt.Sprintf("%d minutes", minutes)
	}
	return "too many failed sign-ins from here; try again in " + wait + ", or sign in with an emailed link"
}

func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// signInTicket is an attempt let through the throttle: the counts it took,
// to be given back when the attempt succeeds or is never checked.
type signInTicket struct {
	s                        *Service
	pairKey, clientKey       string
	pairOpened, clientOpened time.Time
}

// admitSignIn counts an attempt on email from client, and refuses it when
// either count is past its limit. The client count comes first, so a client
// past its own limit adds no rows for the addresses it tries.
func (s *Service) admitSignIn(ctx context.Context, email, client string) (*signInTicket, error) {
	now := s.Now()
	t := &signInTicket{s: s, clientKey: "client:" + clientBucket(client)}
	t.pairKey = "account-client:" + email + " " + clientBucket(client)
	n, opened, err := s.Store.CountLoginAttempt(ctx, t.clientKey, now, SignInWindow)
	if err != nil {
		return nil, err
	}
	if n > MaxSignInsClient {
		return nil, &ThrottledError{RetryAfter: opened.Add(SignInWindow).Sub(now)}
	}
	t.clientOpened = opened
	if n, opened, err = s.Store.CountLoginAttempt(ctx, t.pairKey, now, SignInWindow); err != nil {
		return nil, err
	}
	if n > MaxSignInsAccountOnClient {
		return nil, &ThrottledError{RetryAfter: opened.Add(SignInWindow).Sub(now)}
	}
	t.pairOpened = opened
	return t, nil
}

// succeeded gives a good sign-in's budget back: the account starts afresh
// on this client, and the client's count keeps only failures, so readers
// behind one shared address are not throttled for signing in.
func (t *signInTicket) succeeded(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if err := t.s.Store.ClearLoginAttempts(ctx, t.pairKey); err != nil {
		return err
	}
	return t.s.Store.UncountLoginAttempt(ctx, t.clientKey, t.clientOpened)
}

// unchecked gives back the counts of an attempt whose password was never
// checked (the server was too busy), so that it costs the reader nothing.
func (t *signInTicket) unchecked(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if err := t.s.Store.UncountLoginAttempt(ctx, t.pairKey, t.pairOpened); err != nil {
		return err
	}
	return t.s.Store.UncountLoginAttempt(ctx, t.clientKey, t.clientOpened)
}

// clientBucket is the part of a client address attempts are counted under:
// the address itself, or for IPv6 its /64, which one subscriber line gets
// whole (counting single addresses would give such a client 2^64 budgets).
func clientBucket(client string) string {
	a, err := netip.ParseAddr(client)
	if err != nil {
		return client
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// BusyRetryAfter is how soon a sign-in turned away with ErrBusy may retry.
const BusyRetryAfter = 2 * time.Second

// RetryAfter says how long a refused sign-in should wait before it tries
// again; zero when err is no refusal.
func RetryAfter(err error) time.Duration {
	var throttled *ThrottledError
	switch {
	case errors.As(err, &throttled):
		return max(throttled.RetryAfter, time.Second)
	case errors.Is(err, ErrBusy):
		return BusyRetryAfter
	}
	return 0
}

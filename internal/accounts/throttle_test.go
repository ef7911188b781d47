package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

const (
	thOwner    = "owner@example.com"
	thPassword = "the owner's password"
)

type thClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *thClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *thClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func thService(t *testing.T, st *store.Store, hashes *accounts.HashLimiter) (*accounts.Service, *thClock) {
	t.Helper()
	clk := &thClock{now: time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)}
	s := &accounts.Service{Store: st, Now: clk.Now, Hashes: hashes}
	if _, err := s.Register(context.Background(), thOwner, thPassword, accounts.RoleReader); err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func thWantThrottled(t *testing.T, what string, err error) {
	t.Helper()
	var throttled *accounts.ThrottledError
	if !errors.As(err, &throttled) || !errors.Is(err, accounts.ErrThrottled) {
		t.Fatalf("%s: %v, want a throttled refusal", what, err)
	}
	if throttled.RetryAfter <= 0 || throttled.RetryAfter > accounts.SignInWindow {
		t.Errorf("%s: retry after %v, want within the window", what, throttled.RetryAfter)
	}
}

func TestThrottleParallelGuessesAreCountedBeforeTheCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, _ := thService(t, st, accounts.NewHashLimiter(0, accounts.HashWait))
		before := s.Hashes.Stats().Total
		var checked, in atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 60 {
			password := fmt.Sprintf("guess %d", i)
			if i == 29 {
				password = thPassword
			}
			wg.Go(func() {
				<-start
				a, err := s.Authenticate(ctx, thOwner, password, "192.0.2.1")
				switch {
				case err == nil && a.Email == thOwner && password == thPassword:
					in.Add(1)
					checked.Add(1)
				case errors.Is(err, accounts.ErrBadCredentials):
					checked.Add(1)
				case errors.Is(err, accounts.ErrThrottled), errors.Is(err, accounts.ErrBusy):
				default:
					t.Errorf("guess %d: %v %v", i, a, err)
				}
			})
		}
		close(start)
		wg.Wait()
		limit := int32(accounts.MaxSignInsAccountOnClient)
		if in.Load() == 1 {
			limit *= 2 // the success started the budget afresh
		}
		if checked.Load() > limit {
			t.Errorf("%d passwords checked (right one in: %d), want at most %d", checked.Load(), in.Load(), limit)
		}
		if hashed := s.Hashes.Stats().Total - before; hashed != int64(checked.Load()) {
			t.Errorf("%d hashes for %d checks", hashed, checked.Load())
		}
		_, err := s.Authenticate(ctx, thOwner, thPassword, "192.0.2.1")
		thWantThrottled(t, "the right password after the burst", err)
	})
}

func TestThrottleKeysAreAccountOnClientAndClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, clk := thService(t, st, accounts.NewHashLimiter(0, accounts.HashWait))
		guess := func(client string, n int) {
			t.Helper()
			for i := range n {
				if _, err := s.Authenticate(ctx, thOwner, "a guess", client); !errors.Is(err, accounts.ErrBadCredentials) {
					t.Fatalf("guess %d from %s: %v", i, client, err)
				}
			}
		}
		signIn := func(client string) error {
			_, err := s.Authenticate(ctx, thOwner, thPassword, client)
			return err
		}

		guess("192.0.2.1", accounts.MaxSignInsAccountOnClient)
		_, err := s.Authenticate(ctx, thOwner, thPassword, "192.0.2.1")
		thWantThrottled(t, "the guessing client", err)
		if err := signIn("192.0.2.2"); err != nil {
			t.Fatalf("the owner elsewhere: %v", err)
		}

		// One IPv6 line is one client: its /64.
		guess("2001:db8::1", accounts.MaxSignInsAccountOnClient)
		thWantThrottled(t, "another address on the same /64", signIn("2001:db8::2"))
		if err := signIn("2001:db8:0:1::1"); err != nil {
			t.Fatalf("another /64: %v", err)
		}

		// A good sign-in starts the account afresh on that client.
		guess("192.0.2.3", accounts.MaxSignInsAccountOnClient-1)
		if err := signIn("192.0.2.3"); err != nil {
			t.Fatal(err)
		}
		guess("192.0.2.3", accounts.MaxSignInsAccountOnClient)
		thWantThrottled(t, "past the limit again", signIn("192.0.2.3"))

		// The window ends.
		clk.Advance(accounts.SignInWindow)
		if err := signIn("192.0.2.1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}

		// One client across many accounts.
		for i := range accounts.MaxSignInsClient {
			if _, err := s.Authenticate(ctx, fmt.Sprintf("nobody%d@example.com", i), "a guess", "192.0.2.9"); !errors.Is(err, accounts.ErrBadCredentials) {
				t.Fatalf("account %d: %v", i, err)
			}
		}
		thWantThrottled(t, "the client past its own limit", signIn("192.0.2.9"))
	})
}

// Sign-ins turned away because every hashing turn was taken cost the
// reader no attempt.
func TestThrottleBusyCostsNoAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, _ := thService(t, st, accounts.NewHashLimiter(1, time.Millisecond))
		// Hold the only turn with a deliberately slow hash.
		slow, err := accounts.HashPassword("x")
		if err != nil {
			t.Fatal(err)
		}
		slow = strings.Replace(slow, ",t=2,", ",t=100,", 1)
		hashed := s.Hashes.Stats().Total
		var holding atomic.Bool
		holding.Store(true)
		held := make(chan struct{})
		go func() {
			defer close(held)
			s.Hashes.Check(ctx, slow, "x")
			holding.Store(false)
		}()
		for s.Hashes.Stats().Total == hashed {
			time.Sleep(time.Millisecond)
		}
		for i := range 2 * accounts.MaxSignInsAccountOnClient {
			if _, err := s.Authenticate(ctx, thOwner, "a guess", "192.0.2.1"); !errors.Is(err, accounts.ErrBusy) {
				t.Fatalf("attempt %d with the turn taken: %v, want ErrBusy", i, err)
			}
		}
		if !holding.Load() {
			t.Fatal("the slow hash ended before the busy attempts did; make it slower")
		}
		<-held
		if _, err := s.Authenticate(ctx, thOwner, thPassword, "192.0.2.1"); err != nil {
			t.Errorf("after the busy attempts: %v", err)
		}
	})
}

package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
)

// signedInTTL is how long a page view trusts what it learned of a session
// a moment ago. Signing out, revoking a device or subscribing through this
// instance takes effect at once (every form submit empties the cache);
// through another instance sharing the database, or a renewal job, within
// this long. So does a role given to a reader; a role taken away applies
// at once everywhere, since staff are not kept.
const signedInTTL = 2 * time.Second

const maxSignedIn = 10_000

// signedInCache keeps, for a couple of seconds, the session, account and
// subscription behind a session cookie, so that a signed-in reader's page
// views do not read them from the database each time. Only page views
// (GET) use it; form submits always read afresh. It keeps readers only
// (see signedIn).
type signedInCache struct {
	mu sync.RWMutex
	m  map[string]signedIn // by token hash, never the token itself
}

type signedIn struct {
	session *accounts.Session
	account *accounts.Account
	sub     *billing.Subscription
	at      time.Time
}

// signedIn returns the open session of token with its account and current
// subscription.
func (s *Server) signedIn(ctx context.Context, r *http.Request, token string) (signedIn, error) {
	now := s.Now()
	cacheable := r.Method == http.MethodGet || r.Method == http.MethodHead
	key := accounts.HashToken(token)
	c := &s.signedInCache
	if cacheable {
		c.mu.RLock()
		e, ok := c.m[key]
		c.mu.RUnlock()
		if ok && now.Sub(e.at) < signedInTTL && !now.Before(e.at) {
			return e, nil
		}
	}
	se, account, err := s.Accounts.SessionFor(ctx, token)
	if err != nil {
		return signedIn{}, err
	}
	sub, err := s.Billing.Current(ctx, account.ID)
	if err != nil {
		return signedIn{}, err
	}
	e := signedIn{session: se, account: account, sub: sub, at: now}
	// Staff are never kept: a role taken away through another instance,
	// or while this view was reading, must not keep its reach for the
	// TTL. They are few, so their reads cost little.
	if cacheable && !account.Role.IsStaff() {
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxSignedIn {
			c.m = make(map[string]signedIn)
		}
		c.m[key] = e
		c.mu.Unlock()
	}
	return e, nil
}

// ForgetSignedIn empties the cache, after a form submit or background work
// (a renewal) that may have signed someone out or changed a subscription.
func (s *Server) ForgetSignedIn() {
	c := &s.signedInCache
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// Package clock is the one source of the current time. Every rule that depends
// on time (the monthly meter, session expiry, renewals) asks a Clock, so tests
// and the demo can move time across month ends and renewal dates.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns the wall-clock time.
func (Real) Now() time.Time { return time.Now() }

// Offset is the wall clock shifted by a fixed duration. The demo uses it so a
// person can watch a month roll over or a renewal fall due.
type Offset struct{ By time.Duration }

// Now returns the wall-clock time plus the offset.
func (o Offset) Now() time.Time { return time.Now().Add(o.By) }

// Manual is a clock that only moves when told to. Tests use it.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a clock stopped at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.now = m.now.Add(d)
	m.mu.Unlock()
}

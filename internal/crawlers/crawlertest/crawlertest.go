// Package crawlertest is a DNS for tests of crawler verification: reverse
// and forward records set by the test, lookups counted, and a switch that
// makes every lookup hang as a dead resolver would.
package crawlertest

import (
	"context"
	"net"
	"sync"
)

// Resolver answers from the records it is given. It is safe for
// concurrent use.
type Resolver struct {
	mu      sync.Mutex
	reverse map[string][]string // address → names
	forward map[string][]string // name → addresses
	lookups map[string]int      // reverse lookups by address
	started int                 // lookups under way while stalled, at most
	stall   chan struct{}       // when set, lookups wait for it to close
	waiting int
}

// NewResolver returns a resolver with no records.
func NewResolver() *Resolver {
	return &Resolver{reverse: map[string][]string{}, forward: map[string][]string{}, lookups: map[string]int{}}
}

// Add records a host: addr's reverse name and the name's address.
func (r *Resolver) Add(addr, name string) {
	r.Reverse(addr, name)
	r.Host(trimDot(name), addr)
}

// Reverse records addr's reverse name only.
func (r *Resolver) Reverse(addr, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reverse[addr] = append(r.reverse[addr], name)
}

// Host records a name's address only.
func (r *Resolver) Host(name, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forward[name] = append(r.forward[name], addr)
}

// Remove forgets addr's reverse name.
func (r *Resolver) Remove(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.reverse, addr)
}

// Lookups returns how many reverse lookups of addr were asked.
func (r *Resolver) Lookups(addr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups[addr]
}

// AllLookups returns how many reverse lookups were asked in all.
func (r *Resolver) AllLookups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.lookups {
		n += c
	}
	return n
}

// Started returns the most lookups that were waiting at once while
// stalled.
func (r *Resolver) Started() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started
}

// Stall makes every lookup from now on hang, ignoring its context, until
// the returned function is called.
func (r *Resolver) Stall() (release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := make(chan struct{})
	r.stall = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.stall = nil
			r.mu.Unlock()
			close(ch)
		})
	}
}

// LookupAddr returns addr's reverse names, or a not-found error.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	r.mu.Lock()
	r.lookups[addr]++
	stall := r.stall
	if stall != nil {
		r.waiting++
		r.started = max(r.started, r.waiting)
	}
	names := append([]string(nil), r.reverse[addr]...)
	r.mu.Unlock()
	if stall != nil {
		<-stall
		r.mu.Lock()
		r.waiting--
		r.mu.Unlock()
	}
	if len(names) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	return names, nil
}

// LookupHost returns the name's addresses, or a not-found error.
func (r *Resolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	r.mu.Lock()
	addrs := append([]string(nil), r.forward[trimDot(host)]...)
	r.mu.Unlock()
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

func trimDot(name string) string {
	if n := len(name); n > 0 && name[n-1] == '.' {
		return name[:n-1]
	}
	return name
}

// Package crawlers tells a search engine's crawler from a request that
// only claims to be one. Any client can send Googlebot's user agent, so a
// crawler is believed only when the DNS says so: the reverse lookup of the
// client's address names a host in the crawler's own domain, and the
// forward lookup of that host gives the same address back. Only a request
// whose user agent names a configured crawler is ever looked up, so
// ordinary readers never wait on DNS.
package crawlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Crawler is a search engine's crawler: the word its user agent carries
// and the domains the hosts it crawls from are named in.
type Crawler struct {
	Agent   string   // matched as written in the User-Agent header, e.g. "Googlebot"
	Domains []string // e.g. "googlebot.com": a host must be a name under one
}

// Defaults are the crawlers verified when none are configured: Google's
// and Bing's, with the domains each documents for its crawlers.
var Defaults = []Crawler{
	{Agent: "Googlebot", Domains: []string{"googlebot.com", "google.com"}},
	{Agent: "bingbot", Domains: []string{"search.msn.com"}},
}

// ParseList reads crawlers written as "Googlebot=googlebot.com,google.com;
// bingbot=search.msn.com": each an agent, =, and its domains separated by
// commas, crawlers separated by semicolons. "off" is none.
func ParseList(list string) ([]Crawler, error) {
	list = strings.TrimSpace(list)
	if list == "off" {
		return nil, nil
	}
	var out []Crawler
	for _, item := range strings.Split(list, ";") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		agent, domains, ok := strings.Cut(item, "=")
		agent = strings.TrimSpace(agent)
		if !ok || agent == "" || strings.ContainsAny(agent, " \t,") {
			return nil, fmt.Errorf("%q: want an agent and its domains, such as Googlebot=googlebot.com,google.com", strings.TrimSpace(item))
		}
		c := Crawler{Agent: agent}
		for _, d := range strings.Split(domains, ",") {
			d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
			if d == "" {
				continue
			}
			if !strings.Contains(d, ".") || strings.ContainsAny(d, " /:*") {
				return nil, fmt.Errorf("%q: %q is not a domain such as googlebot.com", agent, d)
			}
			c.Domains = append(c.Domains, d)
		}
		if len(c.Domains) == 0 {
			return nil, fmt.Errorf("%q: name the domains its hosts are in, such as %s=googlebot.com", agent, agent)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New(`no crawler given: write "off" for none`)
	}
	return out, nil
}

// Resolver looks names and addresses up in the DNS. *net.Resolver is one.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Defaults of a Verifier's bounds.
const (
	DefaultTimeout = time.Second
	DefaultTTL     = time.Hour
	// failedTTL is how long a lookup that failed for a reason other than
	// an answer (a time-out, a server failure) is remembered: a crawler
	// caught by a DNS hiccup is believed again soon, and a flood of
	// claims from one address starts no more than one lookup a minute.
	failedTTL = time.Minute
	// maxRemembered bounds the addresses remembered, at about 100 bytes
	// each.
	maxRemembered = 10_000
	// maxLookups bounds the lookups under way at once: past it a claim is
	// not believed, so that claims from many addresses cannot pile up
	// goroutines behind a slow resolver.
	maxLookups = 16
)

// Verifier verifies the crawlers a request claims to be.
type Verifier struct {
	crawlers []Crawler
	resolver Resolver
	timeout  time.Duration
	ttl      time.Duration
	now      func() time.Time

	slots chan struct{} // a token per lookup under way

	mu       sync.Mutex
	known    map[claim]verdict
	inFlight map[claim]chan struct{} // closed when the lookup is done
}

type claim struct {
	crawler int
	addr    netip.Addr
}

type verdict struct {
	ok    bool
	until time.Time
}

// Options are a Verifier's settings; zero values take the defaults.
type Options struct {
	Resolver Resolver      // nil: the system's
	Timeout  time.Duration // how long a request waits for a lookup
	TTL      time.Duration // how long an answer is believed
	Now      func() time.Time
}

// New returns a verifier of crawlers; nil when there are none, which
// believes no claim.
func New(crawlers []Crawler, o Options) *Verifier {
	if len(crawlers) == 0 {
		return nil
	}
	v := &Verifier{crawlers: crawlers, resolver: o.Resolver, timeout: o.Timeout, ttl: o.TTL, now: o.Now,
		slots: make(chan struct{}, maxLookups), known: map[claim]verdict{}, inFlight: map[claim]chan struct{}{}}
	if v.resolver == nil {
		v.resolver = net.DefaultResolver
	}
	if v.timeout <= 0 {
		v.timeout = DefaultTimeout
	}
	if v.ttl <= 0 {
		v.ttl = DefaultTTL
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// Claimed returns the crawler the user agent names, or -1. It is asked on
// every story view, so it only compares strings.
func (v *Verifier) Claimed(userAgent string) int {
	if v == nil {
		return -1
	}
	for i, c := range v.crawlers {
		if strings.Contains(userAgent, c.Agent) {
			return i
		}
	}
	return -1
}

// Verified reports whether a request from addr whose user agent is
// userAgent comes from the crawler it names. A request naming none is
// not a crawler and is never looked up. A lookup not answered within the
// timeout, or one that cannot start because too many are under way, is
// not believed: the request is served as any anonymous reader's.
func (v *Verifier) Verified(ctx context.Context, userAgent, addr string) bool {
	i := v.Claimed(userAgent)
	if i < 0 {
		return false
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	k := claim{i, ip.Unmap()}
	v.mu.Lock()
	if got, ok := v.known[k]; ok && v.now().Before(got.until) {
		v.mu.Unlock()
		return got.ok
	}
	done, running := v.inFlight[k]
	if !running {
		select {
		case v.slots <- struct{}{}:
		default:
			v.mu.Unlock()
			return false
		}
		done = make(chan struct{})
		v.inFlight[k] = done
		// The lookup runs apart from the request, bounded by the
		// timeout, so that a resolver that ignores its context holds a
		// slot, not a reader; its answer is kept for the next request.
		go v.lookUp(k, done)
	}
	v.mu.Unlock()
	wait := time.NewTimer(v.timeout)
	defer wait.Stop()
	select {
	case <-done:
	case <-wait.C:
		return false
	case <-ctx.Done():
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.known[k].ok
}

// lookUp verifies claim k and remembers the answer.
func (v *Verifier) lookUp(k claim, done chan struct{}) {
	defer func() { <-v.slots }()
	ctx, cancel := context.WithTimeout(context.Background(), v.timeout)
	defer cancel()
	ok, err := v.verify(ctx, v.crawlers[k.crawler], k.addr)
	ttl := v.ttl
	if err != nil {
		ttl = min(ttl, failedTTL)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.known) >= maxRemembered {
		v.forgetExpired()
	}
	if len(v.known) < maxRemembered {
		v.known[k] = verdict{ok: ok, until: v.now().Add(ttl)}
	}
	delete(v.inFlight, k)
	close(done)
}

// forgetExpired drops the answers past their time, and if none are, any
// one: forgetting costs a lookup, never a wrong answer.
func (v *Verifier) forgetExpired() {
	now := v.now()
	for k, got := range v.known {
		if !now.Before(got.until) {
			delete(v.known, k)
		}
	}
	for k := range v.known {
		if len(v.known) < maxRemembered {
			break
		}
		delete(v.known, k)
	}
}

// verify asks the DNS whether addr is one of c's hosts. The error is set
// when the DNS gave no answer (a failure, a time-out), as opposed to an
// answer that refuses.
func (v *Verifier) verify(ctx context.Context, c Crawler, addr netip.Addr) (bool, error) {
	names, err := v.resolver.LookupAddr(ctx, addr.String())
	if err != nil {
		return false, lookupFailure(err)
	}
	var failed error
	for _, name := range names {
		host := strings.ToLower(strings.TrimSuffix(name, "."))
		if !InDomains(host, c.Domains) {
			continue
		}
		addrs, err := v.resolver.LookupHost(ctx, host)
		if err != nil {
			failed = lookupFailure(err)
			continue
		}
		for _, a := range addrs {
			if got, err := netip.ParseAddr(a); err == nil && got.Unmap() == addr {
				return true, nil
			}
		}
	}
	return false, failed
}

// lookupFailure is err unless it is the DNS's answer that the name does
// not exist, which refuses the claim like any other answer.
func lookupFailure(err error) error {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return nil
	}
	return err
}

// InDomains reports whether host is a name under one of domains: a
// label, a dot and the domain, so that googlebot.com.evil.test and
// evilgooglebot.com are not under googlebot.com.
func InDomains(host string, domains []string) bool {
	for _, d := range domains {
		if strings.HasSuffix(host, "."+d) && len(host) > len(d)+1 {
			return true
		}
	}
	return false
}

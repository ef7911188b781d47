// Package clientaddr finds the address of the client behind a request: the
// connection's peer, or, when that peer is a proxy the operator trusts, the
// address the proxies recorded in X-Forwarded-For. Anyone can send that
// header, so it is believed only as far back as the chain of trusted hops.
package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver tells the client address of requests. The zero value, and a nil
// *Resolver, trust no proxy.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver that believes X-Forwarded-For from peers in trusted.
func New(trusted []netip.Prefix) *Resolver {
	return &Resolver{trusted: append([]netip.Prefix(nil), trusted...)}
}

// ParseList reads a comma-separated list of IP addresses and CIDR ranges,
// such as "10.0.0.0/8, 192.168.1.5, fd00::/8". Empty items are skipped.
func ParseList(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address such as 10.0.0.1 or a CIDR range such as 10.0.0.0/8", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Of returns the client address of r. It is the peer of the connection
// unless that peer is trusted; then X-Forwarded-For is read from the right,
// each trusted hop vouching for the address to its left, and the first
// address not trusted is the client. A malformed entry ends the walk: what
// lies left of it was written by no one we trust.
func (res *Resolver) Of(r *http.Request) string {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !res.trusts(peer) {
		return peer.String()
	}
	client := peer
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHost(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		client = hop
		if !res.trusts(hop) {
			break
		}
	}
	return client.String()
}

func (res *Resolver) trusts(a netip.Addr) bool {
	if res == nil {
		return false
	}
	for _, p := range res.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHost reads an address with or without a port ("1.2.3.4",
// "1.2.3.4:5678", "[2001:db8::1]:443", "2001:db8::1").
func parseHost(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

type contextKey struct{}

// Handler resolves each request's client address once, at the edge, for
// From to read wherever it is needed. Trusting no proxy, it has nothing to
// resolve: the address is the peer's, which From reads from the request.
func (res *Resolver) Handler(next http.Handler) http.Handler {
	if res == nil || len(res.trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, res.Of(r))))
	})
}

// From returns the client address Handler resolved for r; a request that
// did not pass through Handler is taken to come from its connection's peer.
func From(r *http.Request) string {
	if addr, ok := r.Context().Value(contextKey{}).(string); ok {
		return addr
	}
	return (*Resolver)(nil).Of(r)
}

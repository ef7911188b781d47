package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProxyListParsing(t *testing.T) {
	got, err := ParseList(" 10.0.0.0/8, 192.168.1.5 ,, fd00::/8,::ffff:172.16.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.5/32", "fd00::/8", "172.16.0.1/32"}
	if len(got) != len(want) {
		t.Fatalf("parsed %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("item %d: %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.300", "10.0.0.0/33", "proxy.internal", "10.0.0.1:80", "fe80::1%eth0", "*"} {
		if _, err := ParseList("10.0.0.1," + bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseList(%q): err %v, want one naming it", bad, err)
		}
	}
}

func TestProxyClientAddress(t *testing.T) {
	trusted, err := ParseList("10.0.0.0/8, 2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	res := New(trusted)
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no header", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"forged header from an untrusted peer", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"forged chain from an untrusted peer", "203.0.113.7:5000", []string{"10.0.0.1, 10.0.0.2"}, "203.0.113.7"},
		{"trusted proxy without a header", "10.0.0.5:443", nil, "10.0.0.5"},
		{"trusted proxy", "10.0.0.5:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-written entries left of the real client", "10.0.0.5:443", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", "10.0.0.5:443", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"header on several lines", "10.0.0.5:443", []string{"1.1.1.1, 198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"garbage written by the client", "10.0.0.5:443", []string{"<script>, 198.51.100.1"}, "198.51.100.1"},
		{"garbage next to the proxy", "10.0.0.5:443", []string{"198.51.100.1, nonsense"}, "10.0.0.5"},
		{"every hop trusted", "10.0.0.5:443", []string{"10.1.1.1, 10.2.2.2"}, "10.1.1.1"},
		{"entry with a port", "10.0.0.5:443", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"IPv6 proxy and client", "[2001:db8:1::5]:443", []string{"2001:db8:2::9"}, "2001:db8:2::9"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.5]:443", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := res.Of(r); got != tc.want {
			t.Errorf("%s: client %q, want %q", tc.name, got, tc.want)
		}
	}

	// With no proxies configured the header is never believed.
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	for _, none := range []*Resolver{nil, New(nil)} {
		if got := none.Of(r); got != "127.0.0.1" {
			t.Errorf("without trusted proxies: client %q, want the peer", got)
		}
	}
}

func TestProxyHandlerPassesTheClientOn(t *testing.T) {
	trusted, _ := ParseList("10.0.0.0/8")
	var got string
	h := New(trusted).Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = From(r) }))
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "10.0.0.5:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "198.51.100.1" {
		t.Errorf("behind the handler: client %q, want the forwarded one", got)
	}
	if got := From(r); got != "10.0.0.5" {
		t.Errorf("without the handler: client %q, want the peer", got)
	}
}

// Trusting no proxy, the handler believes no X-Forwarded-For: the client
// is the peer, whatever the request claims.
func TestHandlerTrustingNoProxyGivesThePeer(t *testing.T) {
	for _, none := range []*Resolver{nil, New(nil)} {
		var got string
		h := none.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = From(r) }))
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = "203.0.113.7:51000"
		r.Header.Set("X-Forwarded-For", "198.51.100.1")
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != "203.0.113.7" {
			t.Errorf("client %q, want the peer", got)
		}
	}
}

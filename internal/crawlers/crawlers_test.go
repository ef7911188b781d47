package crawlers_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/crawlers"
	"broadsheet/internal/crawlers/crawlertest"
)

const googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

func TestParseList(t *testing.T) {
	got, err := crawlers.ParseList(" Googlebot = googlebot.com, Google.com. ; bingbot=search.msn.com;")
	if err != nil || len(got) != 2 || got[0].Agent != "Googlebot" || len(got[0].Domains) != 2 ||
		got[0].Domains[1] != "google.com" || got[1].Domains[0] != "search.msn.com" {
		t.Fatalf("ParseList = %+v, %v", got, err)
	}
	if got, err := crawlers.ParseList("off"); got != nil || err != nil {
		t.Errorf(`"off" = %+v, %v; want none`, got, err)
	}
	for _, bad := range []string{"", "Googlebot", "Googlebot=", "=google.com", "Googlebot=com", "Google bot=google.com", "Googlebot=*.google.com", "Googlebot=http://google.com"} {
		if _, err := crawlers.ParseList(bad); err == nil {
			t.Errorf("ParseList(%q) is accepted", bad)
		}
	}
}

func TestInDomains(t *testing.T) {
	domains := []string{"googlebot.com", "google.com"}
	for host, want := range map[string]bool{
		"crawl-66-249-66-1.googlebot.com": true,
		"rate-limited-proxy.google.com":   true,
		"googlebot.com":                   false, // the domain itself names no crawling host
		"googlebot.com.evil.test":         false,
		"crawl.googlebot.com.evil.test":   false,
		"evilgooglebot.com":               false,
		"googlebot.co":                    false,
		".googlebot.com":                  false,
	} {
		if got := crawlers.InDomains(host, domains); got != want {
			t.Errorf("InDomains(%q) = %v, want %v", host, got, want)
		}
	}
}

// Each way a claim can fail, and the one way it succeeds.
func TestVerified(t *testing.T) {
	dns := crawlertest.NewResolver()
	dns.Add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.")
	dns.Add("2001:4860:4801:10::1", "crawl-2001-4860-4801-10--1.googlebot.com")
	dns.Add("157.55.39.1", "msnbot-157-55-39-1.search.msn.com")
	dns.Add("203.0.113.7", "googlebot.com.evil.test")  // a lookalike reverse name...
	dns.Host("googlebot.com.evil.test", "203.0.113.7") // ...that resolves back
	dns.Reverse("198.51.100.9", "crawl-66-249-66-9.googlebot.com")
	dns.Host("crawl-66-249-66-9.googlebot.com", "66.249.66.9") // forward lookup gives another address
	v := crawlers.New(crawlers.Defaults, crawlers.Options{Resolver: dns, Timeout: time.Second})
	for _, c := range []struct {
		name, agent, addr string
		want              bool
	}{
		{"Googlebot from its host", googlebot, "66.249.66.1", true},
		{"Googlebot over IPv6", googlebot, "2001:4860:4801:10::1", true},
		{"Bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "157.55.39.1", true},
		{"Googlebot's name from Bing's host", googlebot, "157.55.39.1", false},
		{"a lookalike domain", googlebot, "203.0.113.7", false},
		{"a forward lookup to another address", googlebot, "198.51.100.9", false},
		{"an address without a reverse name", googlebot, "192.0.2.1", false},
		{"a reader's browser from Googlebot's host", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "66.249.66.1", false},
		{"an address that is not one", googlebot, "not-an-address", false},
	} {
		if got := v.Verified(context.Background(), c.agent, c.addr); got != c.want {
			t.Errorf("%s: Verified = %v, want %v", c.name, got, c.want)
		}
	}
	if n := dns.Lookups("192.0.2.1"); n != 1 {
		t.Errorf("an unknown address was looked up %d times, want 1", n)
	}
	v.Verified(context.Background(), googlebot, "192.0.2.1")
	if n := dns.Lookups("192.0.2.1"); n != 1 {
		t.Errorf("a refusal was not remembered: %d lookups", n)
	}
	if dns.Lookups("66.249.66.1") != 1 {
		t.Errorf("a reader's browser was looked up")
	}
	if crawlers.New(nil, crawlers.Options{}).Verified(context.Background(), googlebot, "66.249.66.1") {
		t.Error("with no crawler configured a claim is believed")
	}
}

// A resolver that does not answer holds no request past the timeout, and
// the claim is not believed; a flood of claims from one address starts
// one lookup, and from many addresses no more than the bound at once.
func TestSlowResolver(t *testing.T) {
	dns := crawlertest.NewResolver()
	dns.Add("66.249.66.1", "crawl-66-249-66-1.googlebot.com")
	release := dns.Stall()
	defer release()
	v := crawlers.New(crawlers.Defaults, crawlers.Options{Resolver: dns, Timeout: 100 * time.Millisecond})
	var wg sync.WaitGroup
	var believed atomic.Int32
	start := time.Now()
	for range 50 {
		wg.Go(func() {
			if v.Verified(context.Background(), googlebot, "66.249.66.1") {
				believed.Add(1)
			}
		})
	}
	wg.Wait()
	if took := time.Since(start); took > time.Second {
		t.Errorf("50 claims behind a stalled resolver took %v", took)
	}
	if believed.Load() != 0 {
		t.Errorf("%d claims believed without an answer", believed.Load())
	}
	if n := dns.Lookups("66.249.66.1"); n != 1 {
		t.Errorf("50 claims from one address started %d lookups, want 1", n)
	}
	for i := range 100 {
		wg.Go(func() { v.Verified(context.Background(), googlebot, net.IPv4(192, 0, 2, byte(i)).String()) })
	}
	wg.Wait()
	if n := dns.Started(); n > 16 {
		t.Errorf("%d lookups under way at once behind a stalled resolver, want at most 16", n)
	}
}

// An answer is believed for the TTL, then asked again.
func TestVerdictsExpire(t *testing.T) {
	dns := crawlertest.NewResolver()
	dns.Add("66.249.66.1", "crawl-66-249-66-1.googlebot.com")
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	v := crawlers.New(crawlers.Defaults, crawlers.Options{Resolver: dns, TTL: time.Hour, Now: func() time.Time { return now }})
	if !v.Verified(context.Background(), googlebot, "66.249.66.1") {
		t.Fatal("Googlebot not verified")
	}
	dns.Remove("66.249.66.1")
	now = now.Add(59 * time.Minute)
	if !v.Verified(context.Background(), googlebot, "66.249.66.1") || dns.Lookups("66.249.66.1") != 1 {
		t.Errorf("within the TTL the answer was not remembered (%d lookups)", dns.Lookups("66.249.66.1"))
	}
	now = now.Add(2 * time.Minute)
	if v.Verified(context.Background(), googlebot, "66.249.66.1") {
		t.Error("past the TTL, an address whose name is gone is still believed")
	}
}

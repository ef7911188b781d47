package web_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/crawlers"
	"broadsheet/internal/crawlers/crawlertest"
	"broadsheet/internal/store/storetest"
)

const (
	googlebotAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	browserAgent   = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
)

// crawlerSite starts a demo site on engine behind a trusted proxy on
// loopback, whose crawler lookups dns answers within timeout.
func crawlerSite(t *testing.T, engine string, dns *crawlertest.Resolver, timeout time.Duration, proxies string) *apptest.Site {
	t.Helper()
	return apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(proxies)}
		c.Crawlers = config.Crawlers{List: crawlers.Defaults, Resolver: dns, Timeout: timeout, TTL: time.Hour}
	})
}

// fetchAs fetches a story on b as a client at addr (through the proxy)
// sending agent, and returns its story element.
func fetchAs(t *testing.T, b *apptest.Browser, path, addr, agent string) string {
	t.Helper()
	resp := b.Do(http.MethodGet, path, nil, http.Header{"User-Agent": {agent}, "X-Forwarded-For": {addr}})
	if resp.Status != http.StatusOK {
		t.Fatalf("%s as %s from %s: status %d", path, agent, addr, resp.Status)
	}
	return storyElement(t, resp.Body)
}

// A crawler whose address the DNS confirms reads every story whole, as a
// subscriber does, and counts on no meter, even keeping cookies. A
// request that only claims to be Googlebot (from an address with no name,
// a lookalike domain, or a name that resolves elsewhere) gets byte for
// byte what a visitor gets, and counts on no meter either. An ordinary
// reader's view asks the DNS nothing.
func TestVerifiedCrawlersReadEverything(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dns := crawlertest.NewResolver()
			dns.Add("66.249.66.1", "crawl-66-249-66-1.googlebot.com.")
			dns.Add("157.55.39.1", "msnbot-157-55-39-1.search.msn.com.")
			dns.Add("203.0.113.7", "googlebot.com.evil.test.")
			dns.Reverse("198.51.100.9", "crawl-66-249-66-9.googlebot.com.")
			dns.Host("crawl-66-249-66-9.googlebot.com", "66.249.66.9")
			site := crawlerSite(t, engine, dns, time.Second, "127.0.0.1/32")
			var stories []*content.Article
			for _, s := range []seoStory{
				{slug: "crawl-premium", access: content.Premium, age: time.Hour, secret: true},
				{slug: "crawl-archived", access: content.Free, age: 400 * 24 * time.Hour, secret: true},
				{slug: "crawl-metered-1", access: content.Metered, age: 2 * time.Hour, secret: true},
				{slug: "crawl-metered-2", access: content.Metered, age: 3 * time.Hour, secret: true},
				{slug: "crawl-metered-3", access: content.Metered, age: 4 * time.Hour, secret: true},
				{slug: "crawl-metered-4", access: content.Metered, age: 5 * time.Hour, secret: true},
			} {
				stories = append(stories, s.add(t, site))
			}
			subscriber := site.NewBrowser()
			logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
			rows := meterRows(t, site)

			// Verified: Googlebot and Bingbot, one keeping cookies as a
			// browser does.
			googlebot, bingbot := site.NewBrowser(), site.NewBrowser()
			for _, a := range stories {
				path := "/article/" + a.Slug
				whole := storyElement(t, subscriber.Get(path).Body)
				if !strings.Contains(whole, gatedWord) {
					t.Fatalf("%s: the subscriber's page is not whole", a.Slug)
				}
				for name, got := range map[string]string{
					"Googlebot": fetchAs(t, googlebot, path, "66.249.66.1", googlebotAgent),
					"Bingbot":   fetchAs(t, bingbot, path, "157.55.39.1", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
				} {
					if got != whole {
						t.Errorf("%s, verified %s: not the whole story a subscriber reads:\n%s", a.Slug, name, got)
					}
				}
			}
			if got := meterRows(t, site); got != rows {
				t.Errorf("verified crawlers' reads changed the meter: %d rows, were %d", got, rows)
			}
			if n := dns.Lookups("66.249.66.1"); n != 1 {
				t.Errorf("Googlebot's address was looked up %d times for %d stories, want once", n, len(stories))
			}

			// Claims: each request a new client without cookies, compared
			// with a visitor's first view of the story.
			for _, a := range stories {
				path := "/article/" + a.Slug
				visitor := storyElement(t, site.NewBrowser().Get(path).Body)
				if strings.Contains(visitor, gatedWord) != (a.Access == content.Metered) {
					t.Fatalf("%s: a visitor's first view is not what the meter gives", a.Slug)
				}
				for name, addr := range map[string]string{
					"no reverse name": "192.0.2.1", "a lookalike domain": "203.0.113.7", "a name resolving elsewhere": "198.51.100.9",
				} {
					if got := fetchAs(t, site.NewBrowser(), path, addr, googlebotAgent); got != visitor {
						t.Errorf("%s, Googlebot claimed from %s: not a visitor's bytes:\n%s", a.Slug, name, got)
					}
				}
			}
			if got := meterRows(t, site); got != rows {
				t.Errorf("claimed crawlers' reads changed the meter: %d rows, were %d", got, rows)
			}

			// A claim keeping cookies is metered as the visitor it is.
			spoof, visitor := site.NewBrowser(), site.NewBrowser()
			for _, a := range stories[2:] {
				path := "/article/" + a.Slug
				if want, got := storyElement(t, visitor.Get(path).Body), fetchAs(t, spoof, path, "203.0.113.7", googlebotAgent); got != want {
					t.Errorf("%s, Googlebot claimed with cookies: not the visitor's bytes:\n%s\nwant\n%s", a.Slug, got, want)
				}
			}

			// Ordinary readers, whatever their address, are never looked up.
			asked := dns.AllLookups()
			reader := site.NewBrowser()
			for _, a := range stories {
				fetchAs(t, reader, "/article/"+a.Slug, "66.249.66.200", browserAgent)
				subscriber.Get("/article/" + a.Slug)
			}
			if got := dns.AllLookups(); got != asked {
				t.Errorf("ordinary readers' views made %d lookups", got-asked)
			}
		})
	}
}

// A resolver that does not answer does not hold the page: after the
// timeout the claimed crawler gets a visitor's view, and when the DNS
// answers later, the crawler is believed.
func TestCrawlerLookupTimesOut(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dns := crawlertest.NewResolver()
			dns.Add("66.249.66.1", "crawl-66-249-66-1.googlebot.com")
			site := crawlerSite(t, engine, dns, 300*time.Millisecond, "127.0.0.1/32")
			a := seoStory{slug: "crawl-slow", access: content.Premium, age: time.Hour, secret: true}.add(t, site)
			path := "/article/" + a.Slug
			visitor := storyElement(t, site.NewBrowser().Get(path).Body)
			release := dns.Stall()
			defer release()
			start := time.Now()
			got := fetchAs(t, site.NewBrowser(), path, "66.249.66.1", googlebotAgent)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("the page waited %v on a stalled resolver", took)
			}
			if got != visitor {
				t.Errorf("on a time-out the claimed crawler got more than a visitor:\n%s", got)
			}
			release()
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(fetchAs(t, site.NewBrowser(), path, "66.249.66.1", googlebotAgent), gatedWord) {
				if time.Now().After(deadline) {
					t.Fatal("once the DNS answered, Googlebot is still not believed")
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// The client address comes from X-Forwarded-For only through a trusted
// proxy: a client on an address the operator did not list cannot name
// Googlebot's address for itself.
func TestCrawlerAddressOnlyFromTrustedProxies(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dns := crawlertest.NewResolver()
			dns.Add("66.249.66.1", "crawl-66-249-66-1.googlebot.com")
			site := crawlerSite(t, engine, dns, time.Second, "10.0.0.0/8")
			a := seoStory{slug: "crawl-forwarded", access: content.Premium, age: time.Hour, secret: true}.add(t, site)
			path := "/article/" + a.Slug
			visitor := storyElement(t, site.NewBrowser().Get(path).Body)
			if got := fetchAs(t, site.NewBrowser(), path, "66.249.66.1", googlebotAgent); got != visitor {
				t.Errorf("Googlebot's address forwarded by an untrusted client was believed:\n%s", got)
			}
			if dns.Lookups("66.249.66.1") != 0 || dns.Lookups("127.0.0.1") != 1 {
				t.Errorf("looked up the forwarded address %d times and the peer's %d, want 0 and 1",
					dns.Lookups("66.249.66.1"), dns.Lookups("127.0.0.1"))
			}
		})
	}
}

package wire_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/clock"
	"broadsheet/internal/content"
	"broadsheet/internal/markup"
	"broadsheet/internal/media"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/wire"
)

// start is when every test's clock starts: a Sunday morning in India.
var start = time.Date(2026, 11, 15, 4, 30, 0, 0, time.UTC)

// world is one instance's wire on a store, with a section to file into
// and a feed server on loopback whose answers a test sets.
type world struct {
	t     *testing.T
	st    *store.Store
	svc   *wire.Service
	news  *newsroom.Service
	clock *clock.Manual
	feeds *feedServer
}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	if _, err := st.CreateSection(ctx, content.Section{Slug: "markets", Name: "Markets"}); err != nil {
		t.Fatal(err)
	}
	return newInstance(t, st, newFeedServer(t))
}

// newInstance is another process on the same database and feed server.
// openInstanceStore opens the database at url as another instance would,
// closed when the test ends.
func openInstanceStore(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newInstance(t *testing.T, st *store.Store, feeds *feedServer) *world {
	t.Helper()
	cache, err := settings.NewCache(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(start)
	m := markup.New()
	news := &newsroom.Service{Store: st, Media: media.Dir(t.TempDir()), Now: clk.Now, Markup: m}
	svc := &wire.Service{
		Store: st, Newsroom: news, Markup: m, Now: clk.Now,
		Fetcher:     wire.NewFetcher(wire.FetchOptions{AllowPrivate: true, Timeout: 2 * time.Second, Dial: loopbackOnly}),
		Publication: func() string { return cache.Get().Publication },
		Location:    func() *time.Location { return cache.Get().Location },
	}
	return &world{t: t, st: st, svc: svc, news: news, clock: clk, feeds: feeds}
}

// addFeed adds a feed of the feed server's path into Markets.
func (w *world) addFeed(path string, in wire.FeedInput) *wire.Feed {
	w.t.Helper()
	in.URL, in.Section = w.feeds.URL+path, "markets"
	f, err := w.svc.AddFeed(context.Background(), in)
	if err != nil {
		w.t.Fatalf("add feed %s: %v", path, err)
	}
	return f
}

func (w *world) poll(f *wire.Feed) wire.Result {
	w.t.Helper()
	r, err := w.svc.Poll(context.Background(), f.ID)
	if err != nil {
		w.t.Fatalf("poll %s: %v", f.URL, err)
	}
	return r
}

func (w *world) feed(id int64) *wire.Feed {
	w.t.Helper()
	f, err := w.svc.Feed(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return f
}

// wireStories lists every story, newest first, by headline.
func (w *world) stories() map[string]*content.Article {
	w.t.Helper()
	list, err := w.st.ListStories(context.Background(), content.StoryFilter{Limit: 1000, Now: w.clock.Now()})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]*content.Article{}
	for _, a := range list {
		if _, twice := out[a.Headline]; twice {
			w.t.Errorf("two stories are headlined %q", a.Headline)
		}
		out[a.Headline] = a
	}
	return out
}

// loopbackOnly dials loopback addresses only: the agencies' addresses in
// testdata (wire.example and the like) are refused without a lookup, so
// no test reaches past this machine.
func loopbackOnly(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if ip, perr := netip.ParseAddr(host); err != nil || perr != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("tests dial loopback only, not %s", address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// feedServer serves feeds on loopback: each path's answer is set by a
// test, as a file of testdata or a handler.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	requests atomic.Int64
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{handlers: map[string]http.HandlerFunc{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		fs.mu.Lock()
		h := fs.handlers[r.URL.Path]
		fs.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) handle(path string, h http.HandlerFunc) {
	fs.mu.Lock()
	fs.handlers[path] = h
	fs.mu.Unlock()
}

// wrap answers path with what with makes of its handler.
func (fs *feedServer) wrap(path string, with func(http.HandlerFunc) http.HandlerFunc) {
	fs.mu.Lock()
	fs.handlers[path] = with(fs.handlers[path])
	fs.mu.Unlock()
}

// serve answers path with body as contentType, with an ETag of the body
// and a 304 to a request that sends it back.
func (fs *feedServer) serve(path, contentType, body string) {
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	fs.handle(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("ETag", etag)
		w.Write([]byte(body))
	})
}

// serveFile serves a file of testdata with the type its name says.
func (fs *feedServer) serveFile(t *testing.T, path, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	fs.serve(path, typeOf(name), string(b))
}

func typeOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".json"):
		return "application/feed+json"
	case strings.Contains(name, "atom"):
		return "application/atom+xml; charset=utf-8"
	}
	return "application/rss+xml; charset=utf-8"
}

const defaultDisclaimer = "Disclaimer: No The Broadsheet Daily journalist was involved in creation of this content"

// hostile is what no story a reader sees may carry, whatever the feed
// sent.
var hostile = []string{"<script", "onclick", "onerror", "onmouseover", "javascript:", "<iframe", "<form", "<input", "style=", "evil.example"}

func storyHTML(a *content.Article) string {
	var b strings.Builder
	for _, bl := range a.Blocks() {
		b.WriteString(bl.HTML)
	}
	return b.String()
}

// Each agency's format, as such feeds come: the good items become
// stories of the feed's section and access, credited and with the
// disclaimer, their HTML made safe; the bad ones are refused and listed
// with why; a second poll changes nothing.
func TestIngestsEachFormatOfAgencyFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		w.feeds.serveFile(t, "/rss", "agency_rss.xml")
		w.feeds.serveFile(t, "/atom", "agency_atom.xml")
		w.feeds.serveFile(t, "/json", "agency_json.json")
		rss := w.addFeed("/rss", wire.FeedInput{Access: "free", Disclaimer: wire.DefaultDisclaimer})
		atom := w.addFeed("/atom", wire.FeedInput{Access: "premium", Source: "Pacific Newswire",
			Disclaimer: "Courtesy {{source}}; not edited by {{publication}}"})
		jsonFeed := w.addFeed("/json", wire.FeedInput{Hold: true})

		for _, c := range []struct {
			feed               *wire.Feed
			created, refused   int
			refusedWhy         []string
			source, disclaimer string
			access             content.Access
			status             content.Status
		}{
			{rss, 4, 3, []string{"neither a GUID nor a link", "no title", "no text once its HTML is made safe"},
				"Global Wire Service – Business", defaultDisclaimer, content.Free, content.StatusPublished},
			{atom, 2, 0, nil, "Pacific Newswire", "Courtesy Pacific Newswire; not edited by The Broadsheet Daily",
				content.Premium, content.StatusPublished},
			{jsonFeed, 2, 1, []string{"no title"}, "Deccan Agency Wire", "", content.Metered, content.StatusDraft},
		} {
			r := w.poll(c.feed)
			if r.Err != nil || r.Counts.New != c.created || r.Counts.Refused != c.refused || len(r.Refused) != c.refused {
				t.Fatalf("%s: %+v, err %v, refused %+v; want %d new, %d refused", c.feed.URL, r.Counts, r.Err, r.Refused, c.created, c.refused)
			}
			for i, why := range c.refusedWhy {
				if !strings.Contains(r.Refused[i].Reason, why) {
					t.Errorf("%s: refusal %d is %+v, want %q", c.feed.URL, i, r.Refused[i], why)
				}
			}
			stored := w.feed(c.feed.ID)
			if stored.Last.New != c.created || len(stored.Refused) != c.refused || stored.LastError != "" || stored.OKAt == nil ||
				!stored.NextPollAt.Equal(start.Add(wire.DefaultEvery)) {
				t.Errorf("%s: the feed records %+v, refused %+v, next poll %s", c.feed.URL, stored.Last, stored.Refused, stored.NextPollAt)
			}
			c.feed.Source, c.feed.Disclaimer = c.source, c.disclaimer // what its stories should carry
			c.feed.Access, c.feed.Hold = c.access, c.status == content.StatusDraft
		}

		stories := w.stories()
		if len(stories) != 8 {
			t.Fatalf("%d stories, want 8: %v", len(stories), keys(stories))
		}
		want := map[string]*wire.Feed{
			"Rupee firms 12 paise to 83.14 against US dollar in early trade": rss,
			"Sensex, Nifty open higher as IT & banking stocks gain":          rss,
			"सेंसेक्स में शुरुआती कारोबार में 200 अंकों की तेजी":             rss,
			"Monsoon revival lifts kharif sowing; pulses lag":                rss,
			"RBI keeps repo rate at 6.5%; stance unchanged":                  atom,
			"GST collections rise 9% in October":                             atom,
			"Cargo at major ports up 6% in October":                          jsonFeed,
			"Domestic air traffic touches a record":                          jsonFeed,
		}
		for headline, f := range want {
			a := stories[headline]
			if a == nil {
				t.Errorf("no story %q", headline)
				continue
			}
			status := content.StatusPublished
			if f.Hold {
				status = content.StatusDraft
			}
			if a.WireSource != f.Source || a.WireDisclaimer != f.Disclaimer || a.Access != f.Access ||
				a.Status != status || a.SectionSlug != "markets" {
				t.Errorf("%q: source %q, disclaimer %q, access %s, status %s, section %s", headline, a.WireSource,
					a.WireDisclaimer, a.Access, a.Status, a.SectionSlug)
			}
			html := storyHTML(a)
			for _, bad := range hostile {
				if strings.Contains(html, bad) || strings.Contains(a.Body, bad) {
					t.Errorf("%q keeps %q: %s", headline, bad, html)
				}
			}
		}
		rupee := stories["Rupee firms 12 paise to 83.14 against US dollar in early trade"]
		if !strings.Contains(storyHTML(rupee), "foreign fund inflows &amp; a dip in crude prices") ||
			rupee.Author != "GWS Markets Desk" ||
			rupee.Summary != "The rupee rose 12 paise to 83.14 against the US dollar in early trade on Sunday, tracking firm Asian currencies." {
			t.Errorf("the rupee story: byline %q, standfirst %q, body %s", rupee.Author, rupee.Summary, storyHTML(rupee))
		}
		hindi := stories["सेंसेक्स में शुरुआती कारोबार में 200 अंकों की तेजी"]
		if !strings.HasPrefix(hindi.Slug, "सेंसेक्स") || !strings.Contains(storyHTML(hindi), "बीएसई सेंसेक्स 200 अंक") {
			t.Errorf("the Hindi story: slug %q, body %s", hindi.Slug, storyHTML(hindi))
		}
		if gst := stories["GST collections rise 9% in October"]; gst.Author != "PNW Staff" {
			t.Errorf("GST byline %q", gst.Author)
		}
		if air := stories["Domestic air traffic touches a record"]; air.Author != "Deccan Agency Wire" || len(air.Blocks()) != 2 {
			t.Errorf("an item naming no author is credited to %q; its text made %d paragraphs", air.Author, len(air.Blocks()))
		}

		// Again, the server not asked for what it sent (no ETag kept):
		// every item is compared, and nothing is written twice.
		for _, path := range []string{"/rss", "/atom", "/json"} {
			w.feeds.wrap(path, withoutETag)
		}
		w.clock.Advance(wire.DefaultEvery)
		for f, n := range map[*wire.Feed]int{rss: 4, atom: 2, jsonFeed: 2} {
			if r := w.poll(f); r.Err != nil || r.NotModified || r.Counts.New != 0 || r.Counts.Updated != 0 || r.Counts.Unchanged != n {
				t.Errorf("%s polled again: %+v, not modified %v, err %v", f.URL, r.Counts, r.NotModified, r.Err)
			}
		}
		again := w.stories()
		if len(again) != 8 {
			t.Errorf("%d stories after a second poll, want 8", len(again))
		}
		for _, a := range again {
			if a.Revision != 1 {
				t.Errorf("%q was written again: revision %d", a.Headline, a.Revision)
			}
		}
	})
}

// withoutETag serves what h does without its ETag, and answers every
// request in full.
func withoutETag(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("If-None-Match")
		h(noETag{w}, r)
	}
}

type noETag struct{ http.ResponseWriter }

func (n noETag) WriteHeader(code int) {
	n.Header().Del("ETag")
	n.ResponseWriter.WriteHeader(code)
}

func (n noETag) Write(b []byte) (int, error) {
	n.Header().Del("ETag")
	return n.ResponseWriter.Write(b)
}

func keys(m map[string]*content.Article) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Bad settings are refused, each field saying why, and add nothing; an
// address another feed has too.
func TestFeedSettingsAreChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		_, err := w.svc.AddFeed(ctx, wire.FeedInput{URL: "ftp://agency.example/feed", Section: "sport", Access: "gold",
			Every: "5s", Disclaimer: "No {{editor}} was involved"})
		var bad *newsroom.InvalidError
		if !errors.As(err, &bad) {
			t.Fatalf("bad settings: %v", err)
		}
		fields := map[string]bool{}
		for _, f := range bad.Fields {
			fields[f.Field] = true
		}
		for _, f := range []string{"url", "section", "access", "every", "disclaimer"} {
			if !fields[f] {
				t.Errorf("no reason for %s in %v", f, bad)
			}
		}
		for _, every := range []string{"48h", "soon", "-5m"} {
			if _, err := w.svc.AddFeed(ctx, wire.FeedInput{URL: "https://a.example/" + every, Section: "markets", Every: every}); !errors.As(err, &bad) {
				t.Errorf("every %q: %v", every, err)
			}
		}
		first := w.addFeed("/rss", wire.FeedInput{})
		if first.Every != wire.DefaultEvery || first.Access != content.Metered || first.Hold {
			t.Errorf("defaults: %+v", first)
		}
		if _, err := w.svc.AddFeed(ctx, wire.FeedInput{URL: w.feeds.URL + "/rss#top", Section: "markets"}); !errors.As(err, &bad) ||
			bad.Fields[0].Field != "url" {
			t.Errorf("the same address again: %v", err)
		}
		if feeds, _ := w.svc.Feeds(ctx); len(feeds) != 1 {
			t.Errorf("%d feeds, want 1", len(feeds))
		}
	})
}

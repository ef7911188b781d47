// Package apptest runs a real Broadsheet server for tests: a migrated
// database on the chosen engine, the demo publication seeded, a manual
// clock, and an HTTP listener on loopback. Browser is a cookie-keeping
// HTTP client that behaves like one reader's device.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/demo"
	"broadsheet/internal/store/storetest"
)

// Start is when every test site's clock starts: mid-month, mid-morning IST.
var Start = time.Date(2026, 11, 15, 10, 0, 0, 0, mustIST())

func mustIST() *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		panic(err)
	}
	return loc
}

// Site is a running server.
type Site struct {
	URL   string
	App   *app.App
	Clock *clock.Manual
	t     testing.TB
}

// Each runs fn against a fresh demo site on each database engine.
func Each(t *testing.T, fn func(t *testing.T, site *Site)) {
	t.Helper()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { fn(t, NewSite(t, engine)) })
	}
}

// NewSite starts a demo site on engine, stopped when the test ends.
func NewSite(t testing.TB, engine string) *Site {
	t.Helper()
	return NewSiteOn(t, storetest.URL(t, engine), true)
}

// NewSiteOn starts a site on an existing database, seeding the demo if
// asked; several sites on one PostgreSQL database behave as one.
func NewSiteOn(t testing.TB, dbURL string, seed bool) *Site {
	t.Helper()
	return NewSiteWith(t, dbURL, seed, nil)
}

// Secret signs every test site's cookies, so that sites sharing a
// database share readers, as instances given one BROADSHEET_SECRET do.
const Secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// NewSiteWith is NewSiteOn with the configuration adjusted by configure
// (nil: none) before the site starts, e.g. an https base URL.
func NewSiteWith(t testing.TB, dbURL string, seed bool, configure func(*config.Config)) *Site {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := &config.Config{Addr: ln.Addr().String(), DataDir: t.TempDir(), DatabaseURL: dbURL, BaseURL: base, Secret: Secret, Demo: true}
	if configure != nil {
		configure(cfg)
	}
	clk := clock.NewManual(Start)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, clk, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.EnsurePlans(ctx, a.Store); err != nil {
		t.Fatal(err)
	}
	if seed {
		if _, err := demo.Seed(ctx, a.Store, a.Accounts, a.Billing, clk.Now(), a.Settings.Get().Location); err != nil {
			t.Fatal(err)
		}
	}
	// The plans and benefits seeded are what the gates read from now on,
	// and the settings seeded (the house ads) what the pages show.
	if err := a.Offer.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Settings.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &Site{URL: base, App: a, Clock: clk, t: t}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// RunJobs runs the background work that is due now, as the job runner
// would, and returns how many jobs ran.
func (s *Site) RunJobs() int {
	return s.App.RunDue(context.Background())
}

// Browser is one device: it keeps cookies and follows redirects.
type Browser struct {
	site   *Site
	client *http.Client
	t      testing.TB
}

// NewBrowser returns a device with no cookies.
func (s *Site) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{site: s, t: s.t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// Response is a fetched page.
type Response struct {
	Status int
	Body   string
	URL    string // after redirects
	// RequestURI is the path and query after redirects.
	RequestURI string
	Header     http.Header
}

// Get fetches a path.
func (b *Browser) Get(path string) Response {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, nil)
}

// Post submits a form to a path, as a same-origin browser form would.
func (b *Browser) Post(path string, form url.Values) Response {
	b.t.Helper()
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()), http.Header{
		"Content-Type":   {"application/x-www-form-urlencoded"},
		"Sec-Fetch-Site": {"same-origin"},
	})
}

// Do sends any request (JSON API calls, cross-site forms).
func (b *Browser) Do(method, path string, body io.Reader, header http.Header) Response {
	b.t.Helper()
	return b.do(method, path, body, header)
}

func (b *Browser) do(method, path string, body io.Reader, header http.Header) Response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.site.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Body: string(data), URL: resp.Request.URL.Path, RequestURI: resp.Request.URL.RequestURI(), Header: resp.Header}
}

// Cookie returns the value of a cookie the device holds for the site.
func (b *Browser) Cookie(name string) string {
	u, _ := url.Parse(b.site.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// SetCookie replaces a cookie on the device (to test tampering).
func (b *Browser) SetCookie(name, value string) {
	u, _ := url.Parse(b.site.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

package web_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/dberr"
	"broadsheet/internal/store/storetest"
)

// Addresses and forms that are not UTF-8 text (or hold NUL, which
// PostgreSQL cannot store) are refused with the site's own error page or
// JSON error, never a 500.
func TestUTF8InvalidInputIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		for _, c := range []struct {
			path string
			want int
		}{
			{"/article/%ff", http.StatusNotFound},
			{"/article/caf%c3", http.StatusNotFound},
			{"/article/a%00b", http.StatusNotFound},
			{"/section/%ff", http.StatusNotFound},
			{"/subscribe/%ff", http.StatusNotFound},
			{"/login/link/%ff", http.StatusNotFound},
			{"/?section=%ff", http.StatusBadRequest},
			{"/login?next=%ff", http.StatusBadRequest},
			{"/article/x?%ff=1", http.StatusBadRequest},
		} {
			resp := b.Get(c.path)
			if resp.Status != c.want || !strings.Contains(resp.Body, `<p class="error">`) {
				t.Errorf("GET %s: status %d, want %d with the error page; body %.200q", c.path, resp.Status, c.want, resp.Body)
			}
		}
		for _, c := range []struct {
			path string
			form url.Values
		}{
			{"/login", url.Values{"email": {"caf\xc3@example.com"}, "password": {"whatever-password"}}},
			{"/login/link", url.Values{"email": {"\xff@example.com"}}},
			{"/login", url.Values{"email": {"reader@demo.broadsheet.test\x00"}, "password": {"whatever-password"}}},
			{"/login/code", url.Values{"email": {"\xff@example.com"}, "code": {"123456"}}},
			{"/register", url.Values{"email": {"new\xff@example.com"}, "password": {"a-long-enough-password"}}},
			{"/register", url.Values{"email": {"fine@example.com"}, "password": {"a-long-enough-password\xff"}}},
		} {
			resp := b.Post(c.path, c.form)
			if resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, `<p class="error">`) {
				t.Errorf("POST %s %q: status %d, want 400 with the error page", c.path, c.form.Encode(), resp.Status)
			}
		}
		if _, err := site.App.Store.AccountByEmail(context.Background(), "fine@example.com"); !errors.Is(err, dberr.ErrNotFound) {
			t.Errorf("a refused registration made an account: %v", err)
		}
	})
}

// A User-Agent longer than what a session keeps, cut inside a multi-byte
// character, still signs the device in, on the site and through the API
// (which a session shares).
func TestUTF8UserAgentCutOnARune(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		ua := "Mozilla/5.0 " + strings.Repeat("x", 287) + "é tail" // é starts at byte 299
		b := site.NewBrowser()
		form := url.Values{"email": {reader.Email}, "password": {reader.Password}, "next": {"/account"}}
		resp := b.Do(http.MethodPost, "/login", strings.NewReader(form.Encode()), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}, "User-Agent": {ua},
		})
		if resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("sign-in with a long User-Agent: status %d at %s", resp.Status, resp.URL)
		}
		body := fmt.Sprintf(`{"email":%q,"password":%q}`, reader.Email, reader.Password)
		api := b.Do(http.MethodPost, "/api/v1/sessions", strings.NewReader(body), http.Header{
			"Content-Type": {"application/json"}, "User-Agent": {ua},
		})
		if api.Status != http.StatusCreated {
			t.Fatalf("API sign-in with a long User-Agent: status %d %s", api.Status, api.Body)
		}
	})
}

// Bodies are bounded: an oversize form or JSON body is refused with 413
// and changes nothing; a multipart upload, which no page takes, is refused
// before it is read.
func TestLimitRequestBodies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		pad := strings.Repeat("a", 100<<10)
		form := url.Values{"email": {"big@example.com"}, "password": {"a-long-enough-password"}, "pad": {pad}}
		if resp := b.Post("/register", form); resp.Status != http.StatusRequestEntityTooLarge || !strings.Contains(resp.Body, `<p class="error">`) {
			t.Errorf("100 KiB registration form: status %d, want 413 with the error page", resp.Status)
		}
		// The same form sent without a length (chunked) is cut off too.
		resp := b.Do(http.MethodPost, "/register", io.MultiReader(strings.NewReader(form.Encode())), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"},
		})
		if resp.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked 100 KiB registration form: status %d, want 413", resp.Status)
		}
		if _, err := site.App.Store.AccountByEmail(context.Background(), "big@example.com"); !errors.Is(err, dberr.ErrNotFound) {
			t.Errorf("an oversize registration made an account: %v", err)
		}
		small := "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nreader@demo.broadsheet.test\r\n--x--\r\n"
		if resp := b.Do(http.MethodPost, "/login", strings.NewReader(small), http.Header{
			"Content-Type": {"multipart/form-data; boundary=x"}, "Sec-Fetch-Site": {"same-origin"},
		}); resp.Status != http.StatusUnsupportedMediaType {
			t.Errorf("small multipart sign-in: status %d, want 415", resp.Status)
		}

		// A 200 MB multipart upload to the sign-in form: the answer comes
		// after the first megabyte, without the rest being read.
		upload := "--x\r\nContent-Disposition: form-data; name=\"email\"; filename=\"big.bin\"\r\n" +
			"Content-Type: application/octet-stream\r\n\r\n"
		status := rawPostStatus(t, site, "/login", "multipart/form-data; boundary=x", upload, 200<<20, 1<<20)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("200 MB multipart sign-in: status %d, want 413", status)
		}
	})
}

// rawPostStatus sends a POST announcing length bytes, sends prefix and
// then zeros up to sent bytes, and returns the status the server answers
// with.
func rawPostStatus(t *testing.T, site *apptest.Site, path, contentType, prefix string, length, sent int) int {
	t.Helper()
	host := strings.TrimPrefix(site.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nSec-Fetch-Site: same-origin\r\n\r\n%s", path, host, contentType, length, prefix)
	go func() {
		chunk := make([]byte, 64<<10)
		for n := 0; n < sent; n += len(chunk) {
			if _, err := conn.Write(chunk); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s with %d bytes announced: %v", path, length, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// Every kind of response carries the security headers: pages, error pages,
// static files, the API and its errors, and refused cross-site forms.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		b := site.NewBrowser()
		for _, c := range []struct {
			method, path string
			header       http.Header
		}{
			{"GET", "/", nil},
			{"GET", "/article/" + free[0].Slug, nil},
			{"HEAD", "/article/" + free[1].Slug, nil},
			{"GET", "/login", nil},
			{"GET", "/no-such-page", nil},
			{"GET", "/article/%ff", nil},
			{"GET", "/static/style.css", nil},
			{"GET", "/api/v1/articles", nil},
			{"GET", "/api/v1/articles/no-such-story", nil},
			{"POST", "/login", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"application/x-www-form-urlencoded"}}},
		} {
			resp := b.Do(c.method, c.path, strings.NewReader(""), c.header)
			h := resp.Header
			if got := h.Get("Content-Security-Policy"); got != wantCSP {
				t.Errorf("%s %s (%d): Content-Security-Policy %q", c.method, c.path, resp.Status, got)
			}
			for name, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "strict-origin-when-cross-origin",
				"X-Frame-Options":        "DENY",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("%s %s (%d): %s %q, want %q", c.method, c.path, resp.Status, name, got, want)
				}
			}
			if got := h.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("%s %s over http: Strict-Transport-Security %q", c.method, c.path, got)
			}
		}
	})
}

// With third-party origins allowed for ads, a page carrying ads adds them
// where ads load from and loosens nothing else: no inline script, framing
// or plug-ins, and the other headers as on every page. Pages without ads
// (the console, the API, a refusal) keep the site's own policy.
func TestAdOriginsWidenOnlyTheAdPagesPolicy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		saveAds(t, admin, "https://ads.example.net\nHTTPS://CDN.example.org:8443/ https://ads.example.net:443",
			map[string]string{"home-top": `<script src="https://cdn.example.org:8443/t.js"></script><a href="/subscribe">Subscribe</a>`})
		origins := "https://ads.example.net https://cdn.example.org:8443"
		resp := site.NewBrowser().Get("/")
		got := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self';", "script-src 'self' " + origins + ";", "style-src 'self';", "img-src 'self' data: " + origins + ";",
			"frame-ancestors 'none';", "base-uri 'none';", "form-action 'self';", "object-src 'none';", "frame-src 'self' " + origins + ";", "connect-src 'self' " + origins} {
			if !strings.Contains(got+";", want) {
				t.Errorf("the front page with ads: Content-Security-Policy %q lacks %q", got, want)
			}
		}
		if strings.Contains(got, "unsafe") || strings.Contains(got, "*") {
			t.Errorf("the front page with ads: Content-Security-Policy %q loosens more than the origins", got)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("the front page with ads lost a security header: %v", resp.Header)
		}
		for b, paths := range map[*apptest.Browser][]string{
			site.NewBrowser(): {"/login", "/section/markets", "/api/v1/articles", "/no-such-page", "/static/style.css"},
			admin:             {"/admin/ads", "/admin"},
		} {
			for _, path := range paths {
				if got := b.Get(path).Header.Get("Content-Security-Policy"); got != wantCSP {
					t.Errorf("%s, without ads: Content-Security-Policy %q", path, got)
				}
			}
		}
	})
}

// The policy forbids inline script and style: no page may rely on them.
// JSON-LD is data, not script, and is allowed.
func TestCSPPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	site := apptest.NewSite(t, "sqlite")
	free, premium := stories(t, site)
	admin := site.NewBrowser()
	logIn(t, admin, demoAccount(t, "admin"), "/")
	reader := site.NewBrowser()
	logIn(t, reader, demoAccount(t, "registered"), "/")
	anon := site.NewBrowser()
	inline := regexp.MustCompile(`(?i)<script(?:\s+type="application/ld\+json")?[^>]*>|<style|\sstyle=|\son[a-z]+=|javascript:`)
	pages := map[*apptest.Browser][]string{
		anon:   {"/", "/article/" + free[0].Slug, "/article/" + premium[0].Slug, "/section/" + free[0].SectionSlug, "/login", "/register", "/subscribe", "/no-such-page"},
		reader: {"/account", "/subscribe/smart-essential"},
		admin:  {"/admin", "/admin/outbox", "/admin/payments?email=subscriber@demo.broadsheet.test", "/admin/audit", "/admin/ads"},
	}
	for b, paths := range pages {
		for _, p := range paths {
			body := b.Get(p).Body
			for _, m := range inline.FindAllString(body, -1) {
				if !strings.Contains(m, "application/ld+json") {
					t.Errorf("%s has inline %q, which the Content-Security-Policy blocks", p, m)
				}
			}
		}
	}
}

// Served over https, cookies are __Host- cookies (Secure, Path=/, no
// Domain), only those names are read, and HSTS is sent.
func TestCookieHostPrefixAndHSTSOverHTTPS(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site := apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) {
				c.BaseURL = "https://news.example.com"
			})
			free, _ := stories(t, site)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			get := func(path string, cookies ...*http.Cookie) *http.Response {
				t.Helper()
				req, _ := http.NewRequest(http.MethodGet, site.URL+path, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp
			}
			first := get("/")
			for _, resp := range []*http.Response{first, get("/no-such-page"), get("/static/style.css"), get("/api/v1/articles")} {
				if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
					t.Errorf("%s: Strict-Transport-Security %q", resp.Request.URL.Path, got)
				}
			}
			reader := cookieNamed(first, "__Host-bs_reader")
			if reader == nil {
				t.Fatalf("no __Host-bs_reader cookie: %q", first.Header.Values("Set-Cookie"))
			}
			assertHostCookie(t, reader)
			if again := get("/article/"+free[0].Slug, &http.Cookie{Name: reader.Name, Value: reader.Value}); cookieNamed(again, "__Host-bs_reader") != nil {
				t.Error("the __Host-bs_reader cookie sent back was not recognised")
			}
			if plain := get("/", &http.Cookie{Name: "bs_reader", Value: reader.Value}); cookieNamed(plain, "__Host-bs_reader") == nil {
				t.Error("an unprefixed bs_reader cookie was honoured over https")
			}

			a := demoAccount(t, "registered")
			form := url.Values{"email": {a.Email}, "password": {a.Password}, "next": {"/"}}
			req, _ := http.NewRequest(http.MethodPost, site.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			session := cookieNamed(resp, "__Host-bs_session")
			if resp.StatusCode != http.StatusSeeOther || session == nil {
				t.Fatalf("sign-in: status %d, cookies %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
			}
			assertHostCookie(t, session)
			notice := cookieNamed(resp, "__Host-bs_notice")
			if notice == nil {
				t.Fatalf("no __Host-bs_notice cookie after sign-in: %q", resp.Header.Values("Set-Cookie"))
			}
			req, _ = http.NewRequest(http.MethodGet, site.URL+"/", nil)
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
			home, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(home.Body)
			home.Body.Close()
			if !strings.Contains(string(page), `id="nav-account"`) {
				t.Error("the __Host-bs_session cookie sent back did not sign the device in")
			}
		})
	}
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func assertHostCookie(t *testing.T, c *http.Cookie) {
	t.Helper()
	if !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
		t.Errorf("cookie %s: Secure %v, Path %q, Domain %q, HttpOnly %v; want a __Host- cookie", c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly)
	}
}

// The router's own answers (a redirect to the cleaned path) carry the
// security headers too, and the static folder is files only: no listing.
func TestSecurityHeadersOnRouterRedirectsAndNoStaticListing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		for _, path := range []string{"//login", "/static/../login", "/static"} {
			resp := coNoRedirect(t, site, http.MethodGet, path)
			if got := resp.Header.Get("Content-Security-Policy"); got != wantCSP {
				t.Errorf("GET %s (%d): Content-Security-Policy %q", path, resp.StatusCode, got)
			}
			if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("GET %s (%d): X-Frame-Options %q", path, resp.StatusCode, got)
			}
		}
		for _, path := range []string{"/static/", "/static/./"} {
			resp := site.NewBrowser().Get(path)
			if resp.Status != http.StatusNotFound || strings.Contains(resp.Body, "style.css") {
				t.Errorf("GET %s: status %d, a listing of the folder was served", path, resp.Status)
			}
		}
		if resp := site.NewBrowser().Get("/static/style.css"); resp.Status != http.StatusOK {
			t.Errorf("GET /static/style.css: status %d", resp.Status)
		}
	})
}

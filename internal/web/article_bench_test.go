package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// BenchmarkArticlePage measures the article page handler on SQLite without
// the network: a first-time visitor per request (a new reader, whose first
// story is carried in the cookie and not written), a new reader's first two
// stories (the second counts both), a returning reader re-reading a
// counted story, a signed-in reader re-reading one, and a reader with no
// free story left at the paywall.
//
//	go test ./internal/web -run '^$' -bench ArticlePage -benchmem
func BenchmarkArticlePage(b *testing.B) {
	site := apptest.NewSite(b, "sqlite")
	site.RunJobs() // as a server's first scheduled tasks: the newsletters' box under each story
	free, _ := stories(b, site)
	h := site.App.Handler()
	path := "/article/" + free[0].Slug

	b.Run("new-reader", func(b *testing.B) {
		viewInParallel(b, h, path, "")
	})

	// A new reader's first two stories, the second with the cookie the
	// first handed out: what a reader who keeps cookies costs on arrival.
	second := "/article/" + free[1].Slug
	b.Run("new-reader-returns", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				r := httptest.NewRequest(http.MethodGet, second, nil)
				r.AddCookie(w.Result().Cookies()[0])
				w = httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					// Fatal belongs to the benchmark's own goroutine, not to
					// RunParallel's: report the error and stop this one.
					b.Errorf("status %d", w.Code)
					return
				}
			}
		})
	})

	b.Run("returning-reader", func(b *testing.B) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		viewInParallel(b, h, path, "", w.Result().Cookies()[0])
	})
	// A signed-in reader re-reading a story: the masthead, which shows
	// their account, is the part of the page rendered per view.
	b.Run("signed-in-reader", func(b *testing.B) {
		browser := site.NewBrowser()
		reader := demoAccount(b, "registered")
		browser.Post("/login", url.Values{"email": {reader.Email}, "password": {reader.Password}, "next": {"/"}})
		browser.Get(path)
		session := &http.Cookie{Name: "bs_session", Value: browser.Cookie("bs_session")}
		anon := &http.Cookie{Name: "bs_reader", Value: browser.Cookie("bs_reader")}
		if session.Value == "" {
			b.Fatal("sign-in gave no session cookie")
		}
		viewInParallel(b, h, path, `id="nav-email"`, session, anon)
	})

	// A reader who has used the month's free stories asks for another:
	// refused, at the paywall.
	b.Run("reader-at-limit", func(b *testing.B) {
		var cookie *http.Cookie
		for _, a := range free[:4] {
			r := httptest.NewRequest(http.MethodGet, "/article/"+a.Slug, nil)
			if cookie != nil {
				r.AddCookie(cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if cs := w.Result().Cookies(); len(cs) > 0 {
				cookie = cs[0]
			}
		}
		viewInParallel(b, h, "/article/"+free[4].Slug, `id="paywall"`, cookie)
	})
}

// viewInParallel asks for path with cookies from every benchmark
// goroutine, checking each answer is a page that contains want.
func viewInParallel(b *testing.B, h http.Handler, path, want string, cookies ...*http.Cookie) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			for _, c := range cookies {
				r.AddCookie(c)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
				// Fatal belongs to the benchmark's own goroutine, not to
				// RunParallel's: report the error and stop this one.
				b.Errorf("status %d, or no %q in the page", w.Code, want)
				return
			}
		}
	})
}

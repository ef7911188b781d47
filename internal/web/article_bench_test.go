package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"broadsheet/internal/app/apptest"
)

// BenchmarkArticlePage measures the article page handler on SQLite without
// the network: a first-time visitor per request (a new reader, whose first
// story is carried in the cookie and not written), a new reader's first two
// stories (the second counts both), and a returning reader re-reading a
// counted story.
//
//	go test ./internal/web -run '^$' -bench ArticlePage -benchmem
func BenchmarkArticlePage(b *testing.B) {
	site := apptest.NewSite(b, "sqlite")
	free, _ := stories(b, site)
	h := site.App.Handler()
	path := "/article/" + free[0].Slug

	b.Run("new-reader", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					// Fatal belongs to the benchmark's own goroutine, not to
					// RunParallel's: report the error and stop this one.
					b.Errorf("status %d", w.Code)
					return
				}
			}
		})
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
		cookie := w.Result().Cookies()[0]
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
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
}

package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"broadsheet/internal/app/apptest"
)

// BenchmarkArticlePage measures the article page handler on SQLite without
// the network: a first-time visitor per request (a new reader and a meter
// write per view), and a returning reader re-reading a counted story.
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
					b.Fatalf("status %d", w.Code)
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
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	})
}

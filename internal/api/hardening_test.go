package api_test

import (
	"net/http"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// Paths, queries and bodies that are not UTF-8 text (or hold NUL, which
// PostgreSQL cannot store) get a JSON 400 or 404, never a 500.
func TestAPIUTF8InvalidInputIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		for _, c := range []struct {
			path string
			want int
		}{
			{"/api/v1/articles/%ff", http.StatusNotFound},
			{"/api/v1/articles/caf%c3", http.StatusNotFound},
			{"/api/v1/articles/a%00", http.StatusNotFound},
			{"/api/v1/nope/%ff", http.StatusNotFound},
			{"/api/v1/articles?section=%ff", http.StatusBadRequest},
			{"/api/v1/articles?section=caf%c3", http.StatusBadRequest},
			{"/api/v1/articles?section=a%00", http.StatusBadRequest},
			{"/api/v1/articles?cursor=%ff", http.StatusBadRequest},
		} {
			resp, out := call(t, b, http.MethodGet, c.path, nil, nil)
			wantError(t, resp, out, c.want)
		}
		for _, body := range []string{
			`{"email":"reader@demo.broadsheet.test\u0000","password":"reader-demo-pass"}`,
			"{\"email\":\"caf\xc3@example.com\",\"password\":\"x\"}",
		} {
			resp, out := call(t, b, http.MethodPost, "/api/v1/sessions", body, nil)
			wantError(t, resp, out, http.StatusBadRequest)
		}
	})
}

// JSON bodies are bounded: an oversize one is refused with 413, sent with
// its length or without (chunked), and a multipart upload with 415.
func TestAPILimitRequestBodies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		big := `{"email":"reader@demo.broadsheet.test","password":"` + strings.Repeat("a", 100<<10) + `"}`
		resp, out := call(t, b, http.MethodPost, "/api/v1/sessions", big, nil)
		wantError(t, resp, out, http.StatusRequestEntityTooLarge)

		chunked := b.Do(http.MethodPost, "/api/v1/sessions", struct{ *strings.Reader }{strings.NewReader(big)}, http.Header{"Content-Type": {"application/json"}})
		if chunked.Status != http.StatusRequestEntityTooLarge || !strings.Contains(chunked.Body, `"error"`) {
			t.Errorf("chunked 100 KiB sign-in: status %d %.200s, want a JSON 413", chunked.Status, chunked.Body)
		}
		multi := b.Do(http.MethodPost, "/api/v1/sessions", strings.NewReader("--x\r\n\r\n--x--\r\n"), http.Header{"Content-Type": {"multipart/form-data; boundary=x"}})
		if multi.Status != http.StatusUnsupportedMediaType || !strings.Contains(multi.Body, `"error"`) {
			t.Errorf("multipart sign-in: status %d %.200s, want a JSON 415", multi.Status, multi.Body)
		}
	})
}

// Package httpguard holds what every HTTP response of the site shares,
// pages and API alike: the security headers, and the checks that refuse a
// request no handler could serve (an address or form that is not text, an
// oversize body, a file upload) before any handler sees it.
package httpguard

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxBody bounds the body of any request: the largest form (the admin's
// settings, with the paywall copy) is a few KiB, and a JSON sign-in less.
const MaxBody = 64 << 10

// ContentSecurityPolicy allows the site's own scripts, styles and images
// only: no inline script or style, no framing, no plug-ins.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// Headers are the security headers set on every response.
type Headers struct {
	values map[string][]string
}

// NewHeaders returns the headers for a site served over https or not:
// HSTS only makes sense, and is only honoured, over https.
func NewHeaders(https bool) Headers {
	v := map[string][]string{
		"Content-Security-Policy": {ContentSecurityPolicy},
		"X-Content-Type-Options":  {"nosniff"},
		"Referrer-Policy":         {"strict-origin-when-cross-origin"},
		"X-Frame-Options":         {"DENY"},
	}
	if https {
		v["Strict-Transport-Security"] = []string{"max-age=31536000"}
	}
	return Headers{values: v}
}

// Set puts the headers on a response; a handler may still replace one
// (the sign-in link page sends no referrer at all). The value slices are
// shared by every response, which saves allocating them on each page view:
// a header is only ever replaced (Set) or appended to, never written in
// place.
func (hs Headers) Set(h http.Header) {
	for k, v := range hs.values {
		h[k] = v
	}
}

// Handler sets the headers on every response of next, before next runs,
// so that even the router's own redirects and refusals carry them.
func (hs Headers) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.Set(w.Header())
		next.ServeHTTP(w, r)
	})
}

// SetRetryAfter tells a refused client when to come back, in whole seconds
// rounded up; a wait of zero sets nothing.
func SetRetryAfter(w http.ResponseWriter, wait time.Duration) {
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
}

// Check runs every check a request must pass before a handler sees it:
// its address is UTF-8 text, its body is at most MaxBody, and checkBody
// (CheckForm for pages, CheckJSONBody for the API) accepts the body.
func Check(w http.ResponseWriter, r *http.Request, checkBody func(r *http.Request, max int64) *Refusal) *Refusal {
	return CheckUpTo(w, r, MaxBody, checkBody)
}

// CheckUpTo is Check with a body of at most max bytes, for the few
// requests that carry more than a form: a story's text.
func CheckUpTo(w http.ResponseWriter, r *http.Request, max int64, checkBody func(r *http.Request, max int64) *Refusal) *Refusal {
	if refusal := CheckURL(r); refusal != nil {
		return refusal
	}
	if refusal := LimitBody(w, r, max); refusal != nil {
		return refusal
	}
	return checkBody(r, max)
}

// CheckUpload is Check for a form that may carry a file: its body may be
// multipart, and up to max bytes. The handler parses a multipart body.
func CheckUpload(w http.ResponseWriter, r *http.Request, max int64) *Refusal {
	if refusal := CheckURL(r); refusal != nil {
		return refusal
	}
	if r.ContentLength > max {
		return tooLarge(max)
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, max)
	}
	return CheckForm(r, max)
}

// Refusal is why a request is refused, and with which status.
type Refusal struct {
	Status  int
	Message string // a lower-case clause, e.g. "the address is not valid UTF-8 text"
}

// CheckURL refuses a path (404: no page has such an address) or query
// (400) that is not text once decoded.
func CheckURL(r *http.Request) *Refusal {
	if !Text(r.URL.Path) {
		return &Refusal{http.StatusNotFound, "there is no page at that address"}
	}
	if !queryText(r.URL.RawQuery) {
		return &Refusal{http.StatusBadRequest, "the address holds characters that are not valid UTF-8 text"}
	}
	return nil
}

// LimitBody bounds the request's body to max bytes, refusing at once one
// that announces more, and refuses a multipart body: no form takes a file,
// and parsing one would spool it to temporary files.
func LimitBody(w http.ResponseWriter, r *http.Request, max int64) *Refusal {
	if r.ContentLength > max {
		return tooLarge(max)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.HasPrefix(mt, "multipart/") {
			return &Refusal{http.StatusUnsupportedMediaType, "file uploads and multipart forms are not accepted"}
		}
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, max)
	}
	return nil
}

// CheckForm parses an urlencoded form body (bounded by LimitBody) and
// refuses one that cannot be read or is not text.
func CheckForm(r *http.Request, max int64) *Refusal {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return tooLarge(max)
		}
		return &Refusal{http.StatusBadRequest, "the form could not be read"}
	}
	for k, vs := range r.PostForm {
		if !Text(k) {
			return notTextForm()
		}
		for _, v := range vs {
			if !Text(v) {
				return notTextForm()
			}
		}
	}
	return nil
}

// CheckJSONBody reads a JSON body (bounded by LimitBody) whole and refuses
// one that is not text: invalid UTF-8, or a NUL, raw or escaped, which
// would reach the database as a string it cannot store. The body is put
// back for the handler to decode.
func CheckJSONBody(r *http.Request, max int64) *Refusal {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	data, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return tooLarge(max)
		}
		return &Refusal{http.StatusBadRequest, "the body could not be read"}
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 || bytes.Contains(data, []byte(`\u0000`)) {
		return &Refusal{http.StatusBadRequest, "the body holds characters that are not valid UTF-8 text"}
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return nil
}

// Text reports whether s is UTF-8 without NUL: what every string the site
// keeps or looks up must be (PostgreSQL refuses anything else).
func Text(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

func queryText(raw string) bool {
	if !strings.Contains(raw, "%") {
		return Text(raw)
	}
	// Pairs with a malformed escape are dropped by every reader of the
	// query, as here.
	q, _ := url.ParseQuery(raw)
	for k, vs := range q {
		if !Text(k) {
			return false
		}
		for _, v := range vs {
			if !Text(v) {
				return false
			}
		}
	}
	return true
}

func tooLarge(max int64) *Refusal {
	return &Refusal{http.StatusRequestEntityTooLarge, "the request is larger than the " + strconv.FormatInt(max>>10, 10) + " KiB allowed"}
}

func notTextForm() *Refusal {
	return &Refusal{http.StatusBadRequest, "the form holds characters that are not valid UTF-8 text"}
}

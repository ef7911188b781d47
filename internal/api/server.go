// Package api is the JSON API for apps under /api/v1/. It answers the same
// questions as the pages, through the same services and the same access
// decision, with bearer tokens instead of cookies.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/httpguard"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/offer"
	"broadsheet/internal/search"
	"broadsheet/internal/settings"
)

// Server holds what the API handlers need.
type Server struct {
	Content  *content.Cache
	Articles *content.Service
	Newsroom *newsroom.Service
	Accounts *accounts.Service
	Billing  *billing.Service
	Offer    *offer.Service // what each plan includes
	Access   *access.Service
	Search   *search.Service
	// Newsletters names, under each benefit of a plan, the lists it opens.
	Newsletters *newsletter.Service
	Settings    *settings.Cache
	Now         func() time.Time
	BaseURL     string
	Log         *slog.Logger
	// Readers signs anonymous app readers' ids (X-Reader-Id).
	Readers *access.Signer
}

// handlerFunc is a handler that returns its error, so that failures become
// one JSON error shape and are logged in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Error is an error with the status and message an app should see.
type Error struct {
	Status  int
	Message string
	// Challenge is the WWW-Authenticate value of a 401.
	Challenge string
	// Fields says what is wrong with each bad field of a 422.
	Fields []newsroom.FieldError
}

func (e *Error) Error() string { return e.Message }

func errorf(status int, msg string) error { return &Error{Status: status, Message: msg} }

func badRequest(msg string) error { return errorf(http.StatusBadRequest, msg) }

func notFound(msg string) error { return errorf(http.StatusNotFound, msg) }

// unauthorized asks for a bearer token; invalid says one was given and is
// no good (RFC 6750), so the app knows to sign in again.
func unauthorized(msg string, invalid bool) error {
	challenge := `Bearer realm="api"`
	if invalid {
		challenge += `, error="invalid_token"`
	}
	return &Error{Status: http.StatusUnauthorized, Message: msg, Challenge: challenge}
}

// route is one path of the API and the handler of each method it answers.
type route struct {
	path    string
	methods map[string]handlerFunc
}

// routes lists every path the API serves. The OpenAPI description must
// name each path and method (openapi_test.go checks).
func (s *Server) routes() []route {
	type m = map[string]handlerFunc
	return []route{
		{"/api/v1/articles", m{http.MethodGet: s.listArticles}},
		{"/api/v1/articles/{slug}", m{http.MethodGet: s.getArticle, http.MethodHead: s.headArticle}},
		{"/api/v1/search", m{http.MethodGet: s.searchArticles}},
		{"/api/v1/sections/{slug}/articles", m{http.MethodGet: s.listSectionArticles}},
		{"/api/v1/archive/{year}/{month}/{day}", m{http.MethodGet: s.showArchiveDay}},
		{"/api/v1/plans", m{http.MethodGet: s.listPlans}},
		{"/api/v1/sessions", m{http.MethodPost: s.createSession}},
		{"/api/v1/sessions/current", m{http.MethodDelete: s.deleteSession}},
		{"/api/v1/me", m{http.MethodGet: s.showMe}},
		{"/api/v1/me/payments", m{http.MethodGet: s.listPayments}},
		// {file} is "<id>.pdf": a wildcard is a whole path segment.
		{invoicesPath + "{file}", m{http.MethodGet: s.showInvoicePDF}},
		{"/api/v1/openapi.json", m{http.MethodGet: s.showOpenAPI}},
		{adminArticles, m{http.MethodGet: s.listStories, http.MethodPost: s.createStory}},
		{adminArticles + "/{id}", m{http.MethodGet: s.showStory, http.MethodPatch: s.updateStory}},
	}
}

// Handler returns every API route. Each is registered from routes(), never
// here directly, so that the OpenAPI test sees it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.path, s.dispatch(rt.methods))
	}
	mux.HandleFunc("/api/", s.handle(func(http.ResponseWriter, *http.Request) error {
		return notFound("no such API endpoint")
	}))
	return s.guard(mux)
}

// maxStoryBody bounds the body sent to the newsroom's endpoints: a story's
// Markdown may be 200,000 bytes, more once escaped in JSON. Every other
// endpoint takes what fits in httpguard.MaxBody.
const maxStoryBody = 1 << 20

func bodyLimit(r *http.Request) int64 {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		return maxStoryBody
	}
	return httpguard.MaxBody
}

// guard refuses with a JSON error what no endpoint can serve: a path,
// query or body that is not UTF-8 text, an oversize body, a multipart
// upload.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusal := httpguard.CheckUpTo(w, r, bodyLimit(r), httpguard.CheckJSONBody); refusal != nil {
			if refusal.Status == http.StatusNotFound {
				refusal.Message = "no such API endpoint or resource"
			}
			w.Header().Set("Cache-Control", "private, no-store")
			writeError(w, &Error{Status: refusal.Status, Message: refusal.Message})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// dispatch picks the handler for the request's method. The standard mux
// answers a wrong method in plain text; apps get JSON here instead.
func (s *Server) dispatch(methods map[string]handlerFunc) http.HandlerFunc {
	allowed := make([]string, 0, len(methods))
	for m := range methods {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		h, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			return errorf(http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here; use "+strings.Join(allowed, " or "))
		}
		return h(w, r)
	})
}

func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Answers depend on who asks (meter, subscription): never cache
		// them in a shared cache.
		w.Header().Set("Cache-Control", "private, no-store")
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *Error
		if errors.Is(err, accounts.ErrBusy) {
			// Every password-hashing turn was taken (see accounts.HashLimiter).
			setRetryAfter(w, err)
			ae = &Error{Status: http.StatusServiceUnavailable, Message: accounts.ErrBusy.Error()}
		} else if !errors.As(err, &ae) {
			s.Log.Error("API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = &Error{Status: http.StatusInternalServerError, Message: "something went wrong on our side; please try again"}
		}
		writeError(w, ae)
	}
}

// writeError writes the one error shape every endpoint uses.
func writeError(w http.ResponseWriter, e *Error) {
	if e.Status == http.StatusUnauthorized {
		challenge := e.Challenge
		if challenge == "" {
			challenge = `Bearer realm="api"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	type body struct {
		Status  int                   `json:"status"`
		Message string                `json:"message"`
		Fields  []newsroom.FieldError `json:"fields,omitempty"`
	}
	writeJSON(w, e.Status, map[string]body{"error": {e.Status, e.Message, e.Fields}})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// A failed write means the app went away; there is no one to tell.
	w.Write(append(data, '\n'))
	return nil
}

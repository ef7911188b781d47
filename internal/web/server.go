// Package web serves the publication's HTML pages: the front page,
// sections, stories behind the meter, sign-in, subscribing, the reader's
// account and the admin console. Handlers are thin: they read the request,
// ask a service, and render a template.
package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/ads"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/complimentary"
	"broadsheet/internal/content"
	"broadsheet/internal/crawlers"
	"broadsheet/internal/feeds"
	"broadsheet/internal/mail"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/offer"
	"broadsheet/internal/partner"
	"broadsheet/internal/refunds"
	"broadsheet/internal/search"
	"broadsheet/internal/settings"
	"broadsheet/internal/sitemaps"
	"broadsheet/internal/store"
	"broadsheet/internal/wire"
)

// Server holds what the handlers need.
type Server struct {
	// Store feeds the rendered-story cache (stories.go) alone: handlers
	// ask the services.
	Store    *store.Store
	Content  *content.Cache
	Articles *content.Service
	Newsroom *newsroom.Service
	Outbox   mail.Outbox // the admins read what it kept
	Accounts *accounts.Service
	Billing  *billing.Service
	Offer    *offer.Service   // the offer page's benefits
	Partners *partner.Service // partners' offers and their codes
	Access   *access.Service
	Search   *search.Service
	Feeds    *feeds.Service
	Sitemaps *sitemaps.Service
	// Crawlers verifies the search engines' crawlers, which read every
	// story in full; nil verifies none.
	Crawlers *crawlers.Verifier
	// Newsletters: joining lists, the editors' console, unsubscribing.
	Newsletters *newsletter.Service
	Settings    *settings.Cache
	AdConsole   *ads.Console // saves the ad slots, audited
	Now         func() time.Time
	Cookies     Cookies
	BaseURL     string
	// CheckoutOrigin is where the payment provider's checkout page is, to
	// which the checkout form sends readers; "" when it is on this site.
	CheckoutOrigin string
	// StoryCacheBytes bounds the memory of the rendered stories kept for
	// the article page; 0 keeps the default, 64 MiB.
	StoryCacheBytes int
	Demo            bool
	Log             *slog.Logger

	// Refunds, Complimentary and Audit serve the admins' payments and
	// audit pages.
	Refunds       *refunds.Service
	Complimentary *complimentary.Service
	Audit         *audit.Service
	// Wire serves the wire feeds' console.
	Wire *wire.Service

	pages   map[string]*template.Template
	stories *storyCache
	copy    atomic.Pointer[pageCopy]
	// masthead is a signed-out reader's masthead around the log-in link
	// (framing.go).
	masthead atomic.Pointer[signedOutMasthead]
	// signedInCache spares signed-in readers' page views two reads.
	signedInCache signedInCache
	buffers       sync.Pool                    // see buffer
	nav           atomic.Pointer[renderedNav]  // see sectionNav
	vertical      atomic.Pointer[verticalCopy] // see verticalPaywall
	newsletterBox atomic.Pointer[newsletterBox]
}

// Init parses the templates; a broken template fails start-up.
func (s *Server) Init() error {
	pages, err := parsePages()
	if err != nil {
		return err
	}
	s.pages = pages
	if s.Cookies.Readers == nil {
		s.Cookies.Readers = access.NewSigner(s.Cookies.Secret)
	}
	if s.stories, err = newStoryCache(context.Background(), s.Store, s.StoryCacheBytes, s.Now); err != nil {
		return err
	}
	return s.RefreshNewsletters(context.Background())
}

// handlerFunc is a handler that returns its error, so that failures are
// turned into a response and logged in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with the status and message a reader should see.
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string { return e.message }

func notFound() error { return &httpError{http.StatusNotFound, "That page does not exist."} }

func badRequest(msg string) error { return &httpError{http.StatusBadRequest, msg} }

func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.ForgetSignedIn()
		}
		if err == nil {
			return
		}
		var he *httpError
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &he):
		case errors.As(err, &tooLarge):
			// A body past the guard's bound, read by the handler itself.
			he = &httpError{http.StatusRequestEntityTooLarge, "The form is too large."}
		case errors.Is(err, accounts.ErrBusy):
			// Every password-hashing turn was taken (see accounts.HashLimiter).
			setRetryAfter(w, err)
			he = &httpError{http.StatusServiceUnavailable, readerMessage(accounts.ErrBusy)}
		default:
			s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			he = &httpError{http.StatusInternalServerError, "Something went wrong on our side. Please try again."}
		}
		s.renderError(w, r, he.status, he.message)
	}
}

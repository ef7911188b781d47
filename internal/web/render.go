package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/content"
	"broadsheet/internal/money"
	"broadsheet/internal/offer"
	"broadsheet/internal/settings"
)

//go:embed templates
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

var funcs = template.FuncMap{
	"date":   func(t time.Time) string { return t.Format("2 Jan 2006") },
	"rupees": func(p money.Paise) string { return p.String() },
	// gateChoice is the select of who receives a newsletter list: the
	// list's benefit (0: registered readers) among those that may gate.
	"gateChoice": func(selected int64, gates []offer.Shown, id string) gateSelect {
		return gateSelect{Selected: selected, Gates: gates, ID: id}
	},
}

type gateSelect struct {
	Selected int64
	Gates    []offer.Shown
	ID       string
}

// parsePages parses each page under templates/pages together with the
// shared layout and partials, once, at start-up.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, name)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return pages, nil
}

// page is what every template receives.
type page struct {
	Title       string
	Description string
	// The publication, from the settings (see withSettings).
	Publication string
	Tagline     string
	Logo        string // the masthead's image in the media store, if any
	Lang        string
	LoginLink   string
	SectionNav  template.HTML
	// The reader, for the masthead (see forReader).
	Account    *accounts.Account // signed in, or nil
	Admin      bool
	Staff      bool          // editors and admins: the newsroom
	Subscribed bool          // the masthead offers no subscription
	Notice     template.HTML // see noticeHTML
	// Ad is the page's ad slot under the masthead, for a reader who sees
	// ads (adFor), or nothing.
	Ad   template.HTML
	Path string
	Head template.HTML // extra tags for <head>: Open Graph, JSON-LD
	// Feeds are the page's own feeds, offered in its head beside the
	// site's (feedLink).
	Feeds []feedLink
	Data  any
}

func (s *Server) newPage(w http.ResponseWriter, r *http.Request, v *viewer, title string, data any) *page {
	cfg := s.Settings.Get()
	secs, _ := s.Content.Sections(r.Context())
	p := &page{
		Title: title, SectionNav: s.sectionNav(secs),
		Path: r.URL.RequestURI(), Data: data, Notice: noticeHTML(s.takeNotice(w, r)),
	}
	p.withSettings(cfg)
	p.forReader(v)
	return p
}

// withSettings sets what every page shows of the publication: its name
// and tagline in the masthead, its language, the masthead's log-in link.
func (p *page) withSettings(cfg *settings.Settings) *page {
	p.Publication, p.Tagline, p.Lang, p.LoginLink = cfg.Publication, cfg.Tagline, cfg.Language, cfg.LoginLink
	p.Logo = cfg.Logo
	return p
}

// forReader sets what the masthead shows of reader v, if any. They are
// fields, worked out here, because in a template a field costs no
// reflective call, where and, not and a method call each cost one.
func (p *page) forReader(v *viewer) {
	if v == nil {
		return
	}
	p.Subscribed = v.Entitlements.Subscribed() || v.Entitlements.Has(offer.Premium) // staff read everything
	if v.Account != nil {
		p.Account, p.Admin, p.Staff = v.Account, v.Account.Role.IsAdmin(), v.Account.Role.IsStaff()
	}
}

// noticeHTML is the one-time notice at the top of a page, or nothing.
func noticeHTML(text string) template.HTML {
	if text == "" {
		return ""
	}
	return template.HTML(`<p class="notice" role="status">` + template.HTMLEscapeString(text) + `</p>`)
}

// render writes a page with status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) error {
	t, ok := s.pages[name]
	if !ok {
		return &httpError{http.StatusInternalServerError, "missing template " + name}
	}
	buf := s.buffer()
	defer s.releaseBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		return err
	}
	return send(w, status, buf)
}

// renderPart writes one template of a page alone, for a script of the
// page to put in place.
func (s *Server) renderPart(w http.ResponseWriter, status int, page, name string, data any) error {
	buf := s.buffer()
	defer s.releaseBuffer(buf)
	if err := s.pages[page].ExecuteTemplate(buf, name, data); err != nil {
		return err
	}
	return send(w, status, buf)
}

// send writes a page built whole in buf with status.
func send(w http.ResponseWriter, status int, buf *bytes.Buffer) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// buffer returns an empty buffer to build a page in. A page is built whole
// before it is sent (so a failure becomes an error page, not half a page),
// and growing a fresh buffer for every page was a large share of the
// article page's allocations.
func (s *Server) buffer() *bytes.Buffer {
	if buf, ok := s.buffers.Get().(*bytes.Buffer); ok {
		return buf
	}
	return new(bytes.Buffer)
}

func (s *Server) releaseBuffer(buf *bytes.Buffer) {
	buf.Reset()
	s.buffers.Put(buf)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	p := (&page{Title: http.StatusText(status), Data: message}).withSettings(s.Settings.Get())
	if err := s.render(w, status, "error", p); err != nil {
		http.Error(w, message, status)
	}
}

func staticHandler(files fs.FS) http.Handler {
	fsrv := http.FileServer(http.FS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files only: the folders are not a page to list.
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if info, err := fs.Stat(files, name); err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// sectionNav renders the masthead's section links once per section list:
// the list changes rarely and is on every page, and rendering it is a
// large share of a page's template work.
func (s *Server) sectionNav(secs []content.Section) template.HTML {
	if len(secs) == 0 {
		return ""
	}
	if n := s.nav.Load(); n != nil && len(n.secs) == len(secs) && &n.secs[0] == &secs[0] {
		return n.html
	}
	var buf bytes.Buffer
	if err := s.pages["error"].ExecuteTemplate(&buf, "section-nav", secs); err != nil {
		s.Log.Error("render section links", "err", err)
		return ""
	}
	n := &renderedNav{secs: secs, html: template.HTML(buf.String())}
	s.nav.Store(n)
	return n.html
}

// renderedNav is the section links and the list they were rendered from.
type renderedNav struct {
	secs []content.Section
	html template.HTML
}

package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"broadsheet/internal/accounts"
	"broadsheet/internal/ads"
	"broadsheet/internal/dberr"
	"broadsheet/internal/offer"
	"broadsheet/internal/settings"
)

// The market-insights vertical: the sections flagged as in it, whose
// stories only readers with the market-insights benefit read in full
// (the access decision refuses the others, with the reason
// meter.VerticalOnly), listed together at VerticalPath.

// VerticalPath is the vertical's own page.
const VerticalPath = "/insights"

// verticalData is the vertical's page: its name and line of text (the
// market-insights benefit's), the plans that include it, and its stories.
type verticalData struct {
	listData
	Benefit offer.Shown
	Plans   []string
}

// showVertical lists the vertical's stories, newest first, a page at a
// time; every reader sees the list, as for any section.
func (s *Server) showVertical(w http.ResponseWriter, r *http.Request) error {
	after, err := cursorOf(r)
	if err != nil {
		return err
	}
	p, err := s.Articles.VerticalPage(r.Context(), after)
	if err != nil {
		return err
	}
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := &verticalData{}
	paged(&d.listData, VerticalPath, p, after)
	d.Benefit, d.Plans = s.Offer.Offered(offer.MarketInsights)
	page := s.newPage(w, r, v, d.Benefit.Title, d)
	page.Description = d.Benefit.Body
	page.Ad = adFor(w, s.Settings.Get().Ads, v, ads.SectionTop) // the vertical is a section's page
	return s.render(w, http.StatusOK, "vertical", page)
}

// verticalCopy is the paywall of a vertical story, rendered for one
// snapshot of the plans' benefits and one version of the settings (the
// publication's name may be in the benefit's words).
type verticalCopy struct {
	snap *offer.Snapshot
	cfg  *settings.Settings
	html template.HTML
}

// verticalPaywall returns the paywall shown in place of a vertical story's
// rest: the benefit's title and words and the plans on offer that include
// it. It is kept until the plans' benefits or the settings change.
func (s *Server) verticalPaywall(cfg *settings.Settings) (template.HTML, error) {
	snap := s.Offer.Catalog.Get()
	if c := s.vertical.Load(); c != nil && c.snap == snap && c.cfg == cfg {
		return c.html, nil
	}
	b, plans := s.Offer.Offered(offer.MarketInsights)
	data := struct {
		Heading, Body, Included string
		Path                    string
	}{Heading: b.Title, Body: b.Body, Path: VerticalPath}
	switch len(plans) {
	case 0:
		data.Included = "No plan on offer includes it at the moment."
	case 1:
		data.Included = "It is included in " + plans[0] + "."
	default:
		data.Included = "It is included in " + strings.Join(plans[:len(plans)-1], ", ") + " and " + plans[len(plans)-1] + "."
	}
	var buf strings.Builder
	if err := s.pages["article"].ExecuteTemplate(&buf, "vertical-paywall-copy", data); err != nil {
		return "", err
	}
	c := &verticalCopy{snap: snap, cfg: cfg, html: template.HTML(buf.String())}
	s.vertical.Store(c)
	return c.html, nil
}

// submitSectionVertical puts a section in the vertical or takes it out.
// Which stories a benefit opens is the publisher's decision: admins only.
func (s *Server) submitSectionVertical(w http.ResponseWriter, r *http.Request) error {
	_, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return notFound()
	}
	var vertical bool
	switch r.PostFormValue("vertical") {
	case "1":
		vertical = true
	case "0":
	default:
		return badRequest("Say whether the section is in the vertical (1) or not (0).")
	}
	err = s.Newsroom.SetSectionVertical(r.Context(), id, vertical)
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	return s.sectionsSaved(w, r, err)
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"broadsheet/internal/content"
)

// The archive by date: /archive lists the years with published stories,
// /archive/yyyy that year's months, /archive/yyyy/mm that month's days,
// each with its count, and /archive/yyyy/mm/dd that day's stories in
// publication order, content.PageSize at a time (?after=, never an
// offset). Dates are the publication's, in its time zone.

type archiveData struct {
	Heading string
	Up      string // the longer period's address, or ""
	UpLabel string
	Periods []archivePeriod
	Day     bool // a day's stories, not a list of periods
	Stories []*content.Article
	Times   map[int64]string // each story's time of publication, locally
	More    string           // the next page's address, or ""
	Paged   bool
}

type archivePeriod struct {
	Href, Label string
	Count       int
}

// archiveDate reads the path's year, month and day, as many as it has: a
// missing part is 0. ok is false for a date that does not exist.
func archiveDate(r *http.Request) (y, m, d int, ok bool) {
	return content.ArchiveDate(r.PathValue("year"), r.PathValue("month"), r.PathValue("day"))
}

var errNoArchive = &httpError{http.StatusNotFound, "No stories were published then. The archive lists the dates that have stories."}

func (s *Server) showArchive(w http.ResponseWriter, r *http.Request) error {
	loc := s.Settings.Get().Location
	years, err := s.Articles.ArchiveYears(r.Context(), loc)
	if err != nil {
		return err
	}
	d := &archiveData{Heading: "Archive"}
	for _, p := range years {
		d.Periods = append(d.Periods, archivePeriod{fmt.Sprintf("/archive/%04d", p.Year), strconv.Itoa(p.Year), p.Count})
	}
	return s.renderArchive(w, r, d)
}

func (s *Server) showArchiveYear(w http.ResponseWriter, r *http.Request) error {
	y, _, _, ok := archiveDate(r)
	if !ok {
		return notFound()
	}
	months, err := s.Articles.ArchiveMonths(r.Context(), s.Settings.Get().Location, y)
	if err != nil {
		return err
	}
	if len(months) == 0 {
		return errNoArchive
	}
	d := &archiveData{Heading: strconv.Itoa(y), Up: "/archive", UpLabel: "All years"}
	for _, p := range months {
		d.Periods = append(d.Periods, archivePeriod{fmt.Sprintf("/archive/%04d/%02d", y, p.Month), time.Month(p.Month).String(), p.Count})
	}
	return s.renderArchive(w, r, d)
}

func (s *Server) showArchiveMonth(w http.ResponseWriter, r *http.Request) error {
	y, m, _, ok := archiveDate(r)
	if !ok {
		return notFound()
	}
	days, err := s.Articles.ArchiveDays(r.Context(), s.Settings.Get().Location, y, m)
	if err != nil {
		return err
	}
	if len(days) == 0 {
		return errNoArchive
	}
	d := &archiveData{Heading: fmt.Sprintf("%s %d", time.Month(m), y), Up: fmt.Sprintf("/archive/%04d", y), UpLabel: strconv.Itoa(y)}
	for _, p := range days {
		d.Periods = append(d.Periods, archivePeriod{fmt.Sprintf("/archive/%04d/%02d/%02d", y, m, p.Day), fmt.Sprintf("%d %s", p.Day, time.Month(m)), p.Count})
	}
	return s.renderArchive(w, r, d)
}

func (s *Server) showArchiveDay(w http.ResponseWriter, r *http.Request) error {
	y, m, day, ok := archiveDate(r)
	if !ok {
		return notFound()
	}
	after, err := content.ParseCursor(r.URL.Query().Get("after"))
	if err != nil {
		return badRequest("That page of the archive does not exist: its ?after= is not one the archive wrote.")
	}
	loc := s.Settings.Get().Location
	p, err := s.Articles.ArchiveDay(r.Context(), loc, y, m, day, after)
	if errors.Is(err, content.ErrBadCursor) {
		return badRequest("That page of the archive does not exist: its ?after= is not of this day.")
	}
	if err != nil {
		return err
	}
	if len(p.Stories) == 0 && after == nil {
		return errNoArchive
	}
	path := fmt.Sprintf("/archive/%04d/%02d/%02d", y, m, day)
	d := &archiveData{
		Heading: fmt.Sprintf("%d %s %d", day, time.Month(m), y), Up: fmt.Sprintf("/archive/%04d/%02d", y, m),
		UpLabel: fmt.Sprintf("%s %d", time.Month(m), y), Day: true, Stories: p.Stories, Paged: after != nil,
		Times: make(map[int64]string, len(p.Stories)),
	}
	for _, a := range p.Stories {
		d.Times[a.ID] = a.PublishedAt.In(loc).Format("15:04")
	}
	if p.Next != nil {
		d.More = path + "?" + url.Values{"after": {p.Next.String()}}.Encode()
	}
	return s.renderArchive(w, r, d)
}

func (s *Server) renderArchive(w http.ResponseWriter, r *http.Request, d *archiveData) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "archive", s.newPage(w, r, v, d.Heading, d))
}

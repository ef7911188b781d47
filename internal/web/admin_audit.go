package web

import (
	"net/http"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/audit"
)

// auditRow is one entry of the audit log as the page prints it.
type auditRow struct {
	ID      int64
	At      string // in the publication's time zone
	Admin   string
	AdminID int64
	Action  string
	Subject string // "payment 12", "ad slots"
	Details []audit.Detail
	Reason  string // "" where none is asked (the ad slots)
}

type auditData struct {
	Entries []auditRow
	Older   string // the next page's address, "" on the last
}

// showAudit lists the audit log, newest first, a page at a time; a page
// is a place in the log (?before=ID), not a page number.
func (s *Server) showAudit(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
			return notFound()
		}
	}
	page, err := s.Audit.Page(r.Context(), before)
	if err != nil {
		return err
	}
	loc := s.Settings.Get().Location
	var d auditData
	for _, e := range page.Entries {
		d.Entries = append(d.Entries, auditRow{
			ID: e.ID, At: e.At.In(loc).Format("2 Jan 2006 15:04 MST"), Admin: e.ActorEmail, AdminID: e.ActorID,
			Action: e.Action.Label(), Subject: e.Names(),
			Details: e.Details, Reason: e.Reason,
		})
	}
	if page.Older != 0 {
		d.Older = "/admin/audit?before=" + strconv.FormatInt(page.Older, 10)
	}
	return s.render(w, http.StatusOK, "admin_audit", s.newPage(w, r, v, "Audit log", d))
}

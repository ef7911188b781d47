package web

import (
	"errors"
	"net/http"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
)

// noticeReportResolved follows marking a reconciliation report resolved.
const noticeReportResolved = "report_resolved"

type reportRow struct {
	ID          int64
	Kind        string // what the kind means
	PaymentKey  string
	ProviderRef string
	Detail      string
	Found       string // in the publication's time zone
}

type reconciliationData struct {
	Reports []reportRow
}

// showReconciliation lists the differences with the payment provider that
// reconciliation could not repair, for an admin to look into.
func (s *Server) showReconciliation(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	reports, err := s.Billing.OpenReports(r.Context())
	if err != nil {
		return err
	}
	loc := s.Settings.Get().Location
	var data reconciliationData
	for _, rep := range reports {
		data.Reports = append(data.Reports, reportRow{ID: rep.ID, Kind: billing.ReportKindText(rep.Kind), PaymentKey: rep.PaymentKey,
			ProviderRef: rep.ProviderRef, Detail: rep.Detail, Found: rep.FoundAt.In(loc).Format("2 Jan 2006 15:04 MST")})
	}
	return s.render(w, http.StatusOK, "reconciliation", s.newPage(w, r, v, "Reconciliation", data))
}

// submitResolveReport marks a report resolved by the signed-in admin.
func (s *Server) submitResolveReport(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Billing.ResolveReport(r.Context(), id, v.Account.ID); errors.Is(err, billing.ErrUnknownReport) {
		return notFound()
	} else if err != nil {
		return err
	}
	s.setNotice(w, noticeReportResolved)
	http.Redirect(w, r, "/admin/reconciliation", http.StatusSeeOther)
	return nil
}

package api

import (
	"net/http"

	"broadsheet/internal/money"
)

type planJSON struct {
	Code           string      `json:"code"`
	Name           string      `json:"name"`
	PricePaise     money.Paise `json:"price_paise"`
	Currency       string      `json:"currency"`
	PriceDisplay   string      `json:"price_display"`
	TermMonths     int         `json:"term_months"`
	TermLabel      string      `json:"term_label"`
	MonthlyDisplay string      `json:"monthly_display"`
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Billing.Plans(r.Context())
	if err != nil {
		return err
	}
	out := make([]planJSON, 0, len(plans))
	for _, p := range plans {
		out = append(out, planJSON{
			Code:           p.Code,
			Name:           p.Name,
			PricePaise:     p.Price,
			Currency:       p.Currency,
			PriceDisplay:   p.Price.String(),
			TermMonths:     p.TermMonths,
			TermLabel:      p.TermLabel(),
			MonthlyDisplay: p.MonthlyPrice().String(),
		})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"plans": out})
}

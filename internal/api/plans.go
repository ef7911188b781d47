package api

import (
	"net/http"

	"broadsheet/internal/money"
	"broadsheet/internal/offer"
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
	// Benefits are what the plan includes, in the offer's order.
	Benefits []benefitJSON `json:"benefits"`
}

// benefitJSON is a benefit as apps show it: kind says which gate it opens
// (premium, archive, market_insights, ad_free, partner, or info for a
// line that opens none).
type benefitJSON struct {
	ID    int64  `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func benefitOf(b offer.Shown) benefitJSON {
	return benefitJSON{ID: b.ID, Kind: string(b.Kind), Title: b.Title, Text: b.Body}
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Billing.Plans(r.Context())
	if err != nil {
		return err
	}
	out := make([]planJSON, 0, len(plans))
	for _, p := range plans {
		benefits := []benefitJSON{}
		for _, b := range s.Offer.PlanBenefits(p.ID) {
			benefits = append(benefits, benefitOf(b))
		}
		out = append(out, planJSON{
			Benefits:       benefits,
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

package api

import (
	"net/http"

	"broadsheet/internal/money"
	"broadsheet/internal/newsletter"
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
// (premium, archive, market_insights, ad_free, partner, newsletters, or
// info for a line that opens none), and newsletters the lists open only to
// readers whose plan includes it.
type benefitJSON struct {
	ID          int64            `json:"id"`
	Kind        string           `json:"kind"`
	Title       string           `json:"title"`
	Text        string           `json:"text"`
	Newsletters []newsletterJSON `json:"newsletters"`
}

type newsletterJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func benefitOf(b offer.Shown, opens map[int64][]newsletter.List) benefitJSON {
	out := benefitJSON{ID: b.ID, Kind: string(b.Kind), Title: b.Title, Text: b.Body, Newsletters: []newsletterJSON{}}
	for _, l := range opens[b.ID] {
		out.Newsletters = append(out.Newsletters, newsletterJSON{Slug: l.Slug, Name: l.Name})
	}
	return out
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Billing.Plans(r.Context())
	if err != nil {
		return err
	}
	opens, err := s.newslettersByBenefit(r)
	if err != nil {
		return err
	}
	out := make([]planJSON, 0, len(plans))
	for _, p := range plans {
		benefits := []benefitJSON{}
		for _, b := range s.Offer.PlanBenefits(p.ID) {
			benefits = append(benefits, benefitOf(b, opens))
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

// newslettersByBenefit is the gated lists by the benefit that opens each
// (none when the server has no newsletters).
func (s *Server) newslettersByBenefit(r *http.Request) (map[int64][]newsletter.List, error) {
	if s.Newsletters == nil {
		return nil, nil
	}
	return s.Newsletters.ByBenefit(r.Context())
}

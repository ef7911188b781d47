package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
	"broadsheet/internal/offer"
)

type plansData struct {
	Plans      []*billing.Plan
	Benefits   []offer.Shown
	Subscribed bool
}

func (s *Server) showPlans(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	plans, err := s.Billing.Plans(r.Context())
	if err != nil {
		return err
	}
	benefits, err := s.Offer.Shown(r.Context())
	if err != nil {
		return err
	}
	cfg := s.Settings.Get()
	data := plansData{Plans: plans, Benefits: benefits, Subscribed: v.Entitlements.Premium}
	p := s.newPage(w, r, v, "Subscribe", data)
	p.Description = "Subscribe to " + cfg.Publication + ": every story, without ads."
	return s.render(w, http.StatusOK, "plans", p)
}

type checkoutData struct {
	Plan        *billing.Plan
	CheckoutKey string
	Error       string
	// InProgress: another checkout of the account is being charged, so
	// the page points to the account page, where it will show.
	InProgress bool
	// What the reader typed, kept when the form comes back with an error.
	// The card number and CVC are never echoed back.
	ExpMonth string
	ExpYear  string
}

// activePlan finds a plan on offer by its code. A retired plan's page is
// gone, and says so.
func (s *Server) activePlan(r *http.Request) (*billing.Plan, error) {
	plan, err := s.Billing.ActivePlan(r.Context(), r.PathValue("plan"))
	return plan, planGone(plan, err)
}

// planGone turns billing's answer that a plan is not on offer into the
// page that says so.
func planGone(plan *billing.Plan, err error) error {
	switch {
	case errors.Is(err, billing.ErrPlanRetired) && plan != nil:
		return &httpError{http.StatusGone, plan.Name + " is no longer offered. The plans on offer are at /subscribe."}
	case errors.Is(err, billing.ErrUnknownPlan):
		return notFound()
	}
	return err
}

// quoted is the price and term the checkout form showed the reader, if it
// says (a form from before it did takes the plan as it is).
func quoted(r *http.Request) billing.Quote {
	price, err1 := strconv.ParseInt(r.PostFormValue("plan_price"), 10, 64)
	term, err2 := strconv.Atoi(r.PostFormValue("plan_term"))
	if err1 != nil || err2 != nil || price <= 0 || term <= 0 {
		return billing.Quote{}
	}
	return billing.Quote{Price: money.Paise(price), TermMonths: term}
}

func (s *Server) showCheckout(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	plan, err := s.activePlan(r)
	if err != nil {
		return err
	}
	if v.Entitlements.Premium {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	return s.renderCheckout(w, r, v, http.StatusOK, checkoutData{Plan: plan})
}

func (s *Server) renderCheckout(w http.ResponseWriter, r *http.Request, v *viewer, status int, data checkoutData) error {
	data.CheckoutKey = billing.NewFormKey()
	p := s.newPage(w, r, v, "Checkout: "+data.Plan.Name, data)
	return s.render(w, status, "checkout", p)
}

func (s *Server) submitCheckout(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	plan, err := s.activePlan(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	card := billing.Card{
		Number:   r.PostFormValue("card_number"),
		ExpMonth: r.PostFormValue("exp_month"),
		ExpYear:  r.PostFormValue("exp_year"),
		CVC:      r.PostFormValue("cvc"),
	}
	key := strings.TrimSpace(r.PostFormValue("checkout_key"))
	if !billing.ValidFormKey(key) {
		return s.renderCheckout(w, r, v, http.StatusBadRequest, checkoutData{
			Plan: plan, Error: "The form expired. Enter your card again.", ExpMonth: card.ExpMonth, ExpYear: card.ExpYear,
		})
	}
	sub, err := s.Billing.CheckoutAt(r.Context(), v.Account.ID, plan.Code, quoted(r), card, key)
	var decline *billing.DeclineError
	switch {
	case errors.Is(err, billing.ErrPlanChanged):
		// Shown again as it is now, for the reader to pay or not.
		plan, err := s.activePlan(r)
		if err != nil {
			return err
		}
		return s.renderCheckout(w, r, v, http.StatusConflict, checkoutData{
			Plan: plan, Error: readerMessage(billing.ErrPlanChanged), ExpMonth: card.ExpMonth, ExpYear: card.ExpYear,
		})
	case errors.As(err, &decline):
		return s.renderCheckout(w, r, v, http.StatusPaymentRequired, checkoutData{
			Plan: plan, Error: decline.Message, ExpMonth: card.ExpMonth, ExpYear: card.ExpYear,
		})
	case errors.Is(err, billing.ErrAlreadySubscribed):
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	case errors.Is(err, billing.ErrCheckoutInProgress):
		// Another tab's checkout is being charged: this one charges nothing.
		return s.renderCheckout(w, r, v, http.StatusConflict, checkoutData{
			Plan: plan, InProgress: true,
			Error: "A payment for your subscription is already being processed. Nothing more was charged: wait a moment, then open your account page.",
		})
	case errors.Is(err, billing.ErrPaymentInProgress):
		if err != billing.ErrPaymentInProgress { // the gateway's answer was lost
			s.Log.Warn("checkout charge outcome unknown; recovery will settle it", "account", v.Account.ID, "err", err)
		}
		// The account page says the payment is being processed until it
		// is settled, by this form's request or by recovery.
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	case errors.Is(err, billing.ErrCheckoutFormUsed):
		return s.renderCheckout(w, r, v, http.StatusConflict, checkoutData{Plan: plan, Error: readerMessage(err)})
	case errors.Is(err, billing.ErrUnknownPlan):
		return planGone(plan, err)
	case err != nil:
		return err
	}
	// The welcome is for a subscription that exists and has not ended.
	if sub != nil && sub.Status != billing.Ended {
		s.setNotice(w, noticeSubscribed)
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

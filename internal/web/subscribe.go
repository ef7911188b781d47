package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"broadsheet/internal/billing"
	"broadsheet/internal/httpguard"
	"broadsheet/internal/money"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/offer"
)

type plansData struct {
	Plans      []*billing.Plan
	Benefits   []shownBenefit
	Subscribed bool
	Next       string // the story to return to once subscribed, "" for none
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
	var opens map[int64][]newsletter.List
	if s.Newsletters != nil {
		if opens, err = s.Newsletters.ByBenefit(r.Context()); err != nil {
			return err
		}
	}
	cfg := s.Settings.Get()
	data := plansData{Plans: plans, Subscribed: v.Entitlements.Subscribed(), Next: returnTo(r)}
	for _, b := range s.Offer.Shown() {
		data.Benefits = append(data.Benefits, shownBenefit{Shown: b, Newsletters: opens[b.ID]})
	}
	p := s.newPage(w, r, v, "Subscribe", data)
	p.Description = "Subscribe to " + cfg.Publication + "."
	return s.render(w, http.StatusOK, "plans", p)
}

// shownBenefit is a benefit on the offer page, with the newsletters it
// opens.
type shownBenefit struct {
	offer.Shown
	Newsletters []newsletter.List
}

// returnTo is the page a reader subscribing from it goes back to once
// paid, from the request's next parameter: a path on this site, or "".
func returnTo(r *http.Request) string {
	next := r.FormValue("next")
	if next == "" || safeNext(next) != next {
		return ""
	}
	return next
}

type checkoutData struct {
	Plan        *billing.Plan
	CheckoutKey string
	Next        string
	Error       string
	// InProgress: another payment of the account is being charged, so
	// the page points to the account page, where it will show.
	InProgress bool
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

// showCheckout shows the plan the reader chose, with the button that takes
// them to the payment provider's page; after a checkout that did not go
// through (?failed=FORMKEY, the reader's own) it says why.
func (s *Server) showCheckout(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	plan, err := s.activePlan(r)
	if err != nil {
		return err
	}
	if v.Entitlements.Subscribed() {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	data := checkoutData{Plan: plan, Next: returnTo(r)}
	if failed := r.FormValue("failed"); failed != "" {
		data.Error = s.Billing.CheckoutFailure(r.Context(), v.Account.ID, failed)
	}
	return s.renderCheckout(w, r, v, http.StatusOK, data)
}

func (s *Server) renderCheckout(w http.ResponseWriter, r *http.Request, v *viewer, status int, data checkoutData) error {
	data.CheckoutKey = billing.NewFormKey()
	s.allowCheckoutForm(w)
	p := s.newPage(w, r, v, "Checkout: "+data.Plan.Name, data)
	return s.render(w, status, "checkout", p)
}

// submitCheckout opens the checkout at the payment provider and sends the
// reader there.
func (s *Server) submitCheckout(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	plan, err := s.activePlan(r)
	if err != nil {
		return err
	}
	next := returnTo(r)
	key := strings.TrimSpace(r.PostFormValue("checkout_key"))
	if !billing.ValidFormKey(key) {
		return s.renderCheckout(w, r, v, http.StatusBadRequest, checkoutData{Plan: plan, Next: next, Error: "The form expired. Choose the plan again."})
	}
	page, err := s.Billing.StartCheckout(r.Context(), billing.CheckoutStart{
		AccountID: v.Account.ID, PlanCode: plan.Code, Quote: quoted(r), FormKey: key, Next: next,
	})
	var decline *billing.DeclineError
	switch {
	case errors.Is(err, billing.ErrPlanChanged):
		// Shown again as it is now, for the reader to pay or not.
		plan, err := s.activePlan(r)
		if err != nil {
			return err
		}
		return s.renderCheckout(w, r, v, http.StatusConflict, checkoutData{Plan: plan, Next: next, Error: readerMessage(billing.ErrPlanChanged)})
	case errors.As(err, &decline):
		return s.renderCheckout(w, r, v, http.StatusPaymentRequired, checkoutData{Plan: plan, Next: next, Error: decline.Message})
	case errors.Is(err, billing.ErrAlreadySubscribed), errors.Is(err, billing.ErrPaymentInProgress):
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	case errors.Is(err, billing.ErrCheckoutInProgress):
		// Another payment of the account is being charged: this one charges nothing.
		return s.renderCheckout(w, r, v, http.StatusConflict, checkoutData{Plan: plan, Next: next, InProgress: true,
			Error: "A payment for your subscription is already being processed. Nothing more was charged: wait a moment, then open your account page."})
	case errors.Is(err, billing.ErrCheckoutFormUsed), errors.Is(err, billing.ErrProviderUnavailable):
		return s.renderCheckout(w, r, v, http.StatusConflict, checkoutData{Plan: plan, Next: next, Error: readerMessage(err)})
	case errors.Is(err, billing.ErrUnknownPlan):
		return planGone(plan, err)
	case err != nil:
		return err
	}
	return s.sendToProvider(w, r, v, page, "Continue to payment")
}

// sendToProvider sends the reader on to a provider's page: by a redirect,
// or, for a provider that takes a form posted to its page, by a page
// whose form the reader's browser posts there.
func (s *Server) sendToProvider(w http.ResponseWriter, r *http.Request, v *viewer, page *billing.CheckoutPage, title string) error {
	if len(page.Fields) == 0 {
		http.Redirect(w, r, page.URL, http.StatusSeeOther)
		return nil
	}
	s.allowCheckoutForm(w)
	return s.render(w, http.StatusOK, "checkout_post", s.newPage(w, r, v, title, page))
}

// returnFromCheckout is where the provider sends the reader back, by a
// GET or a form POSTed from its site (which carries no session cookie).
// It asks billing what became of the payment and redirects (post,
// redirect, get): to the story the reader came from once subscribed, to
// the plan's page with the reason when it did not go through, or to the
// account page while it is being processed.
func (s *Server) returnFromCheckout(w http.ResponseWriter, r *http.Request) error {
	key := r.FormValue("key")
	sub, plan, err := s.Billing.CompleteCheckout(r.Context(), key)
	next := returnTo(r)
	var decline *billing.DeclineError
	switch {
	case errors.Is(err, billing.ErrUnknownCheckout):
		return notFound()
	case errors.As(err, &decline):
		target := "/subscribe/" + url.PathEscape(plan.Code) + "?" + url.Values{"failed": {billing.FormKeyOf(key)}}.Encode()
		if next != "" {
			target += "&" + url.Values{"next": {next}}.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	case errors.Is(err, billing.ErrPaymentInProgress):
		if err != billing.ErrPaymentInProgress {
			s.Log.Warn("checkout outcome not known yet; recovery will settle it", "err", err)
		}
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	case errors.Is(err, billing.ErrAlreadySubscribed), errors.Is(err, billing.ErrCheckoutFormUsed):
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	if sub != nil && sub.Status != billing.Ended {
		s.setNotice(w, noticeSubscribed)
	}
	if next == "" {
		next = "/account"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// allowCheckoutForm lets the page's form lead to the payment provider's
// checkout page: browsers hold a form, and the redirects after it, to the
// policy's form-action.
func (s *Server) allowCheckoutForm(w http.ResponseWriter) {
	if s.CheckoutOrigin == "" {
		return
	}
	csp := strings.Replace(httpguard.ContentSecurityPolicy, "form-action 'self'", "form-action 'self' "+s.CheckoutOrigin, 1)
	w.Header().Set("Content-Security-Policy", csp)
}

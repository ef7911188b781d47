package web

import (
	"errors"
	"net/http"
	"net/url"

	"broadsheet/internal/billing"
)

// The test gateway's checkout page stands in for a provider's hosted page
// in the demo and in tests: the reader types a test card, pays, and is
// sent back to the return address the checkout gave.

type testPayData struct {
	Plan    *billing.Plan
	Payment *billing.Payment
	Return  string
	Closed  bool
	Error   string
	// What the reader typed, kept when the form comes back with an error.
	// The card number and CVC are never echoed back.
	ExpMonth string
	ExpYear  string
}

func (s *Server) showTestPay(w http.ResponseWriter, r *http.Request) error {
	return s.renderTestPay(w, r, http.StatusOK, "", billing.Card{})
}

func (s *Server) renderTestPay(w http.ResponseWriter, r *http.Request, status int, message string, card billing.Card) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	p, plan, err := s.Billing.TestCheckout(r.Context(), r.PathValue("key"))
	if errors.Is(err, billing.ErrUnknownCheckout) {
		return notFound()
	}
	if err != nil {
		return err
	}
	data := testPayData{
		Plan: plan, Payment: p, Return: checkoutReturn(r), Error: message,
		Closed: p.Status != billing.PaymentPending, ExpMonth: card.ExpMonth, ExpYear: card.ExpYear,
	}
	return s.render(w, status, "testpay", s.newPage(w, r, v, "Test gateway: pay "+plan.Name, data))
}

func (s *Server) submitTestPay(w http.ResponseWriter, r *http.Request) error {
	card := billing.Card{
		Number:   r.PostFormValue("card_number"),
		ExpMonth: r.PostFormValue("exp_month"),
		ExpYear:  r.PostFormValue("exp_year"),
		CVC:      r.PostFormValue("cvc"),
	}
	err := s.Billing.PayTestCheckout(r.Context(), r.PathValue("key"), card)
	var decline *billing.DeclineError
	switch {
	case errors.Is(err, billing.ErrUnknownCheckout):
		return notFound()
	case errors.As(err, &decline):
		return s.renderTestPay(w, r, http.StatusPaymentRequired, decline.Message, card)
	case errors.Is(err, billing.ErrPaymentInProgress):
		s.Log.Warn("test gateway charge outcome unknown; recovery will settle it", "err", err)
	case err != nil && !errors.Is(err, billing.ErrCheckoutClosed):
		return err
	}
	http.Redirect(w, r, checkoutReturn(r), http.StatusSeeOther)
	return nil
}

// checkoutReturn is the return address the checkout gave the test
// gateway, kept to this site's return path so the page cannot be made to
// send a reader anywhere else.
func checkoutReturn(r *http.Request) string {
	u, err := url.Parse(r.FormValue("return"))
	if err != nil || u.Path != billing.ReturnPath {
		return "/account"
	}
	return u.Path + "?" + u.RawQuery
}

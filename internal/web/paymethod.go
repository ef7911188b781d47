package web

// A reader replacing the payment method their renewals charge: the account
// page's "Update payment method" opens the provider's page (billing's
// StartMethodUpdate), which sends them back to billing.SetupReturnPath.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"broadsheet/internal/billing"
)

// Notices after a payment method update.
const (
	noticeMethodUpdated  = "method_updated"
	noticeMethodRetrying = "method_retrying"
)

func init() {
	noticeText[noticeMethodUpdated] = "Your new payment method is saved: renewals are charged to it from now on."
	noticeText[noticeMethodRetrying] = "Your new payment method is saved. We are charging your overdue renewal to it now; this page shows it as soon as it is confirmed."
}

// methodNotFinished is what the page says when the reader came back
// without saving a new method.
const methodNotFinished = "No new payment method was saved, and nothing changed: your renewals are charged as before."

// methodLine describes the payment method a subscription's renewals
// charge, and gives the update form its key, when the reader may replace
// it: the subscription is paid, still gives access and is not
// complimentary.
func (s *Server) methodLine(ctx context.Context, sub *billing.Subscription, entitled bool) (line, formKey string, err error) {
	if sub == nil || sub.Complimentary || !entitled {
		return "", "", nil
	}
	m, err := s.Billing.PaymentMethodOf(ctx, sub)
	if err != nil {
		return "", "", err
	}
	switch {
	case m == nil:
		line = "None saved"
	case m.Last4 != "" && m.Brand != "":
		line = m.Brand + " ending " + m.Last4
	case m.Brand != "":
		line = m.Brand
	default:
		line = "Saved with the payment provider"
	}
	return line, billing.NewFormKey(), nil
}

// submitMethodUpdate opens the provider's page where the reader saves a
// new payment method and sends them there.
func (s *Server) submitMethodUpdate(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	key := strings.TrimSpace(r.PostFormValue("method_key"))
	if !billing.ValidFormKey(key) {
		return s.renderAccount(w, r, v, http.StatusBadRequest, "The form expired. Try again.")
	}
	page, err := s.Billing.StartMethodUpdate(r.Context(), v.Account.ID, key)
	switch {
	case errors.Is(err, billing.ErrNoSubscription), errors.Is(err, billing.ErrProviderUnavailable):
		return s.renderAccount(w, r, v, http.StatusConflict, readerMessage(err))
	case errors.Is(err, billing.ErrCheckoutFormUsed), errors.Is(err, billing.ErrUnknownSetup):
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	return s.sendToProvider(w, r, v, page, "Continue to the payment provider")
}

// returnFromSetupPost is a provider's return by a form POSTed from its
// site, which carries no session cookie: it goes on, as a GET, to the
// same address, where the reader is known.
func (s *Server) returnFromSetupPost(w http.ResponseWriter, r *http.Request) error {
	q := url.Values{"key": {r.FormValue("key")}}
	if r.FormValue("cancelled") != "" {
		q.Set("cancelled", "1")
	}
	http.Redirect(w, r, billing.SetupReturnPath+"?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// returnFromSetup records what became of the reader's setup: saved, it
// goes on to the account page with a notice; otherwise the account page
// says why nothing changed. Only the account that began the setup can
// complete it here: another's key, or a made-up one, is not found.
func (s *Server) returnFromSetup(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	done, err := s.Billing.CompleteMethodUpdate(r.Context(), v.Account.ID, r.FormValue("key"))
	var decline *billing.DeclineError
	switch {
	case errors.Is(err, billing.ErrUnknownSetup):
		return notFound()
	case errors.As(err, &decline):
		return s.renderAccount(w, r, v, http.StatusPaymentRequired, decline.Message)
	case errors.Is(err, billing.ErrSetupNotFinished):
		msg := methodNotFinished
		if r.FormValue("cancelled") != "" {
			msg = "You cancelled before saving a new payment method. " + msg
		}
		return s.renderAccount(w, r, v, http.StatusOK, msg)
	case errors.Is(err, billing.ErrPaymentInProgress):
		s.Log.Warn("payment method update outcome not known yet", "err", err)
		return s.renderAccount(w, r, v, http.StatusServiceUnavailable,
			"We could not confirm your new payment method with the payment provider yet. Reload this page in a minute; nothing was charged.")
	case err != nil:
		return err
	}
	notice := noticeMethodUpdated
	if done.Retrying {
		notice = noticeMethodRetrying
	}
	s.setNotice(w, notice)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// The test gateway's page for saving a card stands in for a provider's
// setup page: the reader types a test card and nothing is charged.

type testSetupData struct {
	Plan     *billing.Plan
	Return   string
	Closed   bool
	Error    string
	ExpMonth string
	ExpYear  string
}

func (s *Server) showTestSetup(w http.ResponseWriter, r *http.Request) error {
	return s.renderTestSetup(w, r, http.StatusOK, "", billing.Card{})
}

func (s *Server) renderTestSetup(w http.ResponseWriter, r *http.Request, status int, message string, card billing.Card) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	setup, plan, err := s.Billing.TestMethodSetup(r.Context(), v.Account.ID, r.PathValue("key"))
	if errors.Is(err, billing.ErrUnknownSetup) {
		return notFound()
	}
	if err != nil {
		return err
	}
	data := testSetupData{Plan: plan, Return: setupReturn(r), Error: message, Closed: setup.Status != billing.SetupPending,
		ExpMonth: card.ExpMonth, ExpYear: card.ExpYear}
	return s.render(w, status, "testsetup", s.newPage(w, r, v, "Test gateway: save a card", data))
}

func (s *Server) submitTestSetup(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	card := billing.Card{
		Number:   r.PostFormValue("card_number"),
		ExpMonth: r.PostFormValue("exp_month"),
		ExpYear:  r.PostFormValue("exp_year"),
		CVC:      r.PostFormValue("cvc"),
	}
	err = s.Billing.SaveTestSetupCard(r.Context(), v.Account.ID, r.PathValue("key"), card)
	var decline *billing.DeclineError
	switch {
	case errors.Is(err, billing.ErrUnknownSetup):
		return notFound()
	case errors.As(err, &decline):
		return s.renderTestSetup(w, r, http.StatusPaymentRequired, decline.Message, card)
	case err != nil && !errors.Is(err, billing.ErrCheckoutClosed):
		return err
	}
	http.Redirect(w, r, setupReturn(r), http.StatusSeeOther)
	return nil
}

// setupReturn is the return address the setup gave the test gateway, kept
// to this site's setup return path.
func setupReturn(r *http.Request) string {
	u, err := url.Parse(r.FormValue("return"))
	if err != nil || u.Path != billing.SetupReturnPath {
		return "/account"
	}
	return u.Path + "?" + u.RawQuery
}

package web

import (
	"errors"
	"net/http"

	"broadsheet/internal/billing"
)

// The link in a pre-debit notice cancels auto-renewal without signing in:
// opening it shows what the button would do, and only the button's POST
// cancels, as mail scanners open links too.

const cancelRenewalHeading = "Cancel auto-renewal"

// cancelLinkStatus is the status of a cancel link that cancels nothing.
func cancelLinkStatus(err error) int {
	switch {
	case errors.Is(err, billing.ErrCancelLinkInvalid):
		return http.StatusNotFound
	case errors.Is(err, billing.ErrCancelLinkUsed), errors.Is(err, billing.ErrCancelLinkExpired), errors.Is(err, billing.ErrNoSubscription):
		return http.StatusGone
	}
	return 0
}

func (s *Server) showCancelRenewal(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	d := confirmData{Heading: cancelRenewalHeading}
	link, err := s.Billing.CheckCancelLink(r.Context(), token)
	if status := cancelLinkStatus(err); status != 0 {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, status, d)
	} else if err != nil {
		return err
	}
	loc := s.Settings.Get().Location
	sub, n := link.Subscription, link.Notice
	if !sub.AutoRenew {
		d.Text = "Auto-renewal of your " + link.Plan.Name + " subscription is already off: nothing will be charged. " +
			"You keep reading until " + sub.PaidUntil.In(loc).Format(dayLayout) + "."
		return s.renderConfirm(w, r, v, http.StatusOK, d)
	}
	d.Text = "Turn off auto-renewal of your " + link.Plan.Name + " subscription? We will not charge " + n.Amount.String() +
		" on " + n.ChargeAt.In(loc).Format(dayLayout) + ", and you keep reading until " + sub.PaidUntil.In(loc).Format(dayLayout) +
		", the end of the term you paid for."
	d.Action, d.Button = billing.CancelRenewalPath+token, "Cancel auto-renewal"
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

func (s *Server) submitCancelRenewal(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(w, r)
	if err != nil {
		return err
	}
	d := confirmData{Heading: cancelRenewalHeading}
	link, err := s.Billing.CancelByLink(r.Context(), r.PathValue("token"))
	if status := cancelLinkStatus(err); status != 0 {
		d.Error = readerMessage(err)
		return s.renderConfirm(w, r, v, status, d)
	} else if err != nil {
		return err
	}
	sub := link.Subscription
	if sub.Status == billing.Ended {
		d.Error = readerMessage(billing.ErrNoSubscription)
		return s.renderConfirm(w, r, v, http.StatusGone, d)
	}
	d.Text = "Auto-renewal of your " + link.Plan.Name + " subscription is off: nothing more will be charged. You keep reading until " +
		sub.PaidUntil.In(s.Settings.Get().Location).Format(dayLayout) + ". You can turn it back on from your account page before then."
	return s.renderConfirm(w, r, v, http.StatusOK, d)
}

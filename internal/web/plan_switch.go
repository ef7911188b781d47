package web

import (
	"errors"
	"net/http"
	"strconv"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// Notices of plan switches.
const (
	noticeSwitchScheduled = "switch_scheduled"
	noticeSwitchUndone    = "switch_undone"
	noticeUpgraded        = "upgraded"
)

// switchRow is another plan on the account page, with both ways to
// switch to it: at the next renewal, or now for the amount shown.
type switchRow struct {
	Code, Name, Term string
	Price            string
	Scheduled        bool
	Upgrade          bool
	Amount           string // charged now: the price less the credit
	AmountPaise      int64
	Credit           string
	UnusedDays       int
}

// switchData fills the account page's plan switch section.
type switchData struct {
	Rows        []switchRow
	FormKey     string
	NextPlan    string // the plan chosen for the next renewal, if any
	CurrentCode string // the current plan's code, which takes a switch back
}

func (s *Server) fillSwitch(r *http.Request, sub *billing.Subscription, d *switchData) error {
	opts, err := s.Billing.SwitchOptions(r.Context(), sub)
	if err != nil {
		return err
	}
	d.FormKey = billing.NewFormKey()
	current, err := s.Billing.PlanOf(r.Context(), sub)
	if err != nil {
		return err
	}
	d.CurrentCode = current.Code
	for _, o := range opts {
		row := switchRow{Code: o.Plan.Code, Name: o.Plan.Name, Term: o.Plan.TermLabel(), Price: o.Plan.Price.String(),
			Scheduled: o.Scheduled, Upgrade: o.Upgrade, Amount: o.Amount.String(), AmountPaise: int64(o.Amount),
			Credit: o.Credit.String(), UnusedDays: o.UnusedDays}
		if o.Scheduled {
			d.NextPlan = o.Plan.Name
		}
		d.Rows = append(d.Rows, row)
	}
	return nil
}

// submitSwitchAtRenewal sets the plan the subscription moves to at its
// next renewal; the current plan's code takes a switch back.
func (s *Server) submitSwitchAtRenewal(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	plan := r.PostFormValue("plan")
	err = s.Billing.SwitchAtRenewal(r.Context(), v.Account.ID, plan)
	if switchRefused(err) {
		return s.renderAccount(w, r, v, http.StatusBadRequest, readerMessage(err))
	}
	if err != nil {
		return err
	}
	notice := noticeSwitchScheduled
	if r.PostFormValue("undo") != "" {
		notice = noticeSwitchUndone
	}
	s.setNotice(w, notice)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// submitUpgrade switches plans now, charging the amount the page showed.
func (s *Server) submitUpgrade(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	amount, err := strconv.ParseInt(r.PostFormValue("amount"), 10, 64)
	if err != nil || amount <= 0 {
		return s.renderAccount(w, r, v, http.StatusBadRequest, readerMessage(billing.ErrSwitchAmountChanged))
	}
	err = s.Billing.Upgrade(r.Context(), billing.UpgradeRequest{
		AccountID: v.Account.ID, PlanCode: r.PostFormValue("plan"), Amount: money.Paise(amount), FormKey: r.PostFormValue("form_key"),
	})
	var decline *billing.DeclineError
	if switchRefused(err) || errors.As(err, &decline) || errors.Is(err, billing.ErrPaymentInProgress) {
		return s.renderAccount(w, r, v, http.StatusBadRequest, readerMessage(err))
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeUpgraded)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// switchRefused: a switch refused for a reason the reader can act on.
func switchRefused(err error) bool {
	for _, e := range []error{billing.ErrNoSubscription, billing.ErrUnknownPlan, billing.ErrSwitchUnavailable, billing.ErrSwitchSamePlan,
		billing.ErrUpgradeNotPossible, billing.ErrSwitchAmountChanged, billing.ErrSubscriptionChanged} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

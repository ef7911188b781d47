package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mssola/useragent"

	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/offer"
	"broadsheet/internal/partner"
)

// accountData fills the account page. Dates are formatted here, in the
// publication's time zone, so that every reader sees the same calendar
// day the renewal rules use.
type accountData struct {
	Email string
	Error string

	Subscription *billing.Subscription
	PlanName     string
	Status       string
	Entitled     bool
	Includes     []offer.Shown // what the plan includes, while it gives access
	PaidUntil    string
	NextCharge   string // "₹2,700 on 14 November 2027", when auto-renew is on
	RenewalDue   bool   // auto-renew is on and the renewal is due or being charged now
	AccessEnds   string // the last day, when auto-renew is off
	GraceEnds    string // past due: the last day of reading while the renewal is retried
	NoRetry      bool   // past due with no retry left: it ends with GraceEnds
	// Method is the payment method renewals charge, and MethodKey the key
	// of the form that replaces it, when the reader may (paymethod.go).
	Method, MethodKey string
	// PaymentPending: a checkout was charged or is being charged, and its
	// outcome is not recorded yet.
	PaymentPending bool

	Devices     []deviceRow
	DeviceLimit int

	Verified    bool // the address is confirmed
	HasPassword bool // changing the password or email asks for it

	// Partners are the partner offers the reader's plan includes or they
	// claimed a code of (partners.go).
	Partners []partner.ReaderOffer

	Billing billingData // billing details, payments and invoices (invoices.go)
	Switch  switchData  // other plans to switch to (plan_switch.go)

	Newsletters []newsletterRow // each list, whether the reader is on it and may join it, and what opens it
}

// deviceRow is one signed-in session as the reader recognises it.
type deviceRow struct {
	ID       int64
	Browser  string
	OS       string
	LastSeen string
	Current  bool
}

var subscriptionStatusText = map[billing.Status]string{
	billing.Active:  "Active",
	billing.PastDue: "Payment overdue: we could not charge your card and will try again",
	billing.Ended:   "Ended",
}

const (
	dayLayout      = "2 January 2006"
	lastSeenLayout = "2 Jan 2006, 15:04"
)

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	return s.renderAccount(w, r, v, http.StatusOK, "")
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, v *viewer, status int, message string) error {
	return s.renderAccountWith(w, r, v, status, message, billingData{})
}

// renderAccountWith is renderAccount with the billing details form as
// given, such as the details a reader submitted and the reason they were
// refused.
func (s *Server) renderAccountWith(w http.ResponseWriter, r *http.Request, v *viewer, status int, message string, b billingData) error {
	ctx := r.Context()
	cfg := s.Settings.Get()
	loc := cfg.Location
	d := accountData{Email: v.Account.Email, Error: message, DeviceLimit: cfg.DeviceLimit, Billing: b}
	d.Verified, d.HasPassword = v.Account.Verified(), v.Account.PasswordHash != ""
	if sub := v.Subscription; sub != nil {
		plan, err := s.Billing.PlanOf(ctx, sub)
		if err != nil {
			return err
		}
		d.Subscription, d.PlanName = sub, plan.Name
		d.Status = subscriptionStatusText[sub.Status]
		if d.Status == "" {
			d.Status = string(sub.Status)
		}
		d.Entitled = v.Entitlements.Subscribed()
		if d.Entitled {
			d.Includes = s.Offer.PlanBenefits(sub.PlanID)
		}
		if d.Method, d.MethodKey, err = s.methodLine(ctx, sub, billing.Entitled(sub, s.Now())); err != nil {
			return err
		}
		d.PaidUntil = sub.PaidUntil.In(loc).Format(dayLayout)
		if sub.AutoRenew && sub.Status == billing.PastDue {
			d.GraceEnds = billing.AccessUntil(sub).In(loc).Format(dayLayout)
			if d.NoRetry = sub.NextAttemptAt == nil; d.NoRetry {
				d.Status = "Payment overdue"
			}
		}
		if sub.AutoRenew && !d.NoRetry {
			// The charge is made ahead of the term's end (or on the
			// retry date of a declined one, or a day after a late
			// notice): that is the date to show, unless it has passed,
			// when the renewal is being charged now.
			amount, at, err := s.Billing.NextCharge(ctx, sub)
			if err != nil {
				return err
			}
			if at.After(s.Now()) {
				d.NextCharge = amount.String() + " on " + at.In(loc).Format(dayLayout)
			} else {
				d.RenewalDue = true
			}
		} else if !sub.AutoRenew {
			d.AccessEnds = d.PaidUntil
		}
		if err := s.fillSwitch(r, sub, &d.Switch); err != nil {
			return err
		}
	}
	partners, err := s.Partners.ForReader(ctx, v.Account.ID, v.Entitlements)
	if err != nil {
		return err
	}
	d.Partners = partners
	pending, err := s.Billing.PendingCheckout(ctx, v.Account.ID)
	if err != nil {
		return err
	}
	d.PaymentPending = pending
	if err := s.fillBilling(r, v, &d.Billing, loc); err != nil {
		return err
	}
	if d.Newsletters, err = s.newsletterRows(ctx, v); err != nil {
		return err
	}
	sessions, err := s.Accounts.Sessions(ctx, v.Account.ID)
	if err != nil {
		return err
	}
	for _, se := range sessions {
		browser, os := describeDevice(se.UserAgent)
		d.Devices = append(d.Devices, deviceRow{
			ID: se.ID, Browser: browser, OS: os,
			LastSeen: se.LastSeenAt.In(loc).Format(lastSeenLayout),
			Current:  v.Session != nil && se.ID == v.Session.ID,
		})
	}
	return s.render(w, status, "account", s.newPage(w, r, v, "Your account", d))
}

// describeDevice names a session's browser and system from its user agent.
func describeDevice(ua string) (browser, os string) {
	if strings.TrimSpace(ua) == "" {
		return "Unknown browser", "unknown system"
	}
	p := useragent.New(ua)
	name, version := p.Browser()
	if name == "" {
		name = "Unknown browser"
	}
	// "Chrome 120" reads better than "Chrome 120.0.6099.71".
	if major, _, _ := strings.Cut(version, "."); major != "" {
		name += " " + major
	}
	os = p.OS()
	if os == "" {
		os = "unknown system"
	}
	return name, os
}

func (s *Server) submitCancel(w http.ResponseWriter, r *http.Request) error {
	return s.setAutoRenew(w, r, false)
}

func (s *Server) submitResume(w http.ResponseWriter, r *http.Request) error {
	return s.setAutoRenew(w, r, true)
}

func (s *Server) setAutoRenew(w http.ResponseWriter, r *http.Request, on bool) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	change, notice := s.Billing.Cancel, noticeCancelled
	if on {
		change, notice = s.Billing.Resume, noticeResumed
	}
	if err := change(r.Context(), v.Account.ID); errors.Is(err, billing.ErrNoSubscription) || errors.Is(err, billing.ErrComplimentaryRenewal) {
		return s.renderAccount(w, r, v, http.StatusBadRequest, readerMessage(err))
	} else if err != nil {
		return err
	}
	s.setNotice(w, notice)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (s *Server) submitRevokeSession(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if id == v.Session.ID {
		// Signing out the device in hand is logging out.
		return s.submitLogout(w, r)
	}
	// The store only ends a session of this account, so another
	// reader's session id finds nothing.
	err = s.Accounts.RevokeSession(r.Context(), v.Account.ID, id)
	if errors.Is(err, dberr.ErrNotFound) {
		return &httpError{http.StatusNotFound, "That device is not signed in to your account."}
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeRevoked)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (s *Server) submitRevokeOtherSessions(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccountForm(w, r)
	if err != nil || !ok {
		return err
	}
	if _, err := s.Accounts.RevokeOtherSessions(r.Context(), v.Session); err != nil {
		return err
	}
	s.setNotice(w, noticeRevoked)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// requireAccountForm is requireAccount for the account page's forms: a
// reader whose session ended before submitting one signs in again and
// comes back to the account page, not to the form's address.
func (s *Server) requireAccountForm(w http.ResponseWriter, r *http.Request) (*viewer, bool, error) {
	v, err := s.viewer(w, r)
	if err != nil {
		return nil, false, err
	}
	if !v.SignedIn() {
		http.Redirect(w, r, "/login?next=%2Faccount", http.StatusSeeOther)
		return v, false, nil
	}
	return v, true, nil
}

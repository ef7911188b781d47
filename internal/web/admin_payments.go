package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"broadsheet/internal/accounts"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/complimentary"
	"broadsheet/internal/refunds"
)

// The admins' payments page, /admin/payments: a reader found by email,
// their subscription and payments, and the forms that refund a payment or
// give a complimentary subscription.

type paymentsData struct {
	Email   string // as searched
	Error   string // why the search or a form was refused
	Outcome string // what the form just sent did
	Pending bool   // the refund just asked for is not confirmed yet
	Reader  *readerView
	// The complimentary subscription form, as sent when it was refused.
	Plans     []*billing.PlanUse
	Gift      giftValues
	GiftError string
	MaxMonths int
}

type readerView struct {
	Email        string
	ID           int64
	Subscription string // what it is, "" for none
	Payments     []adminPaymentRow
}

type adminPaymentRow struct {
	ID       int64
	Date     string
	What     string
	Amount   string
	Status   string
	Gateway  string
	Invoice  string // its number
	Refunded string // by refunds that succeeded, "" for none
	Pending  string // by refunds not confirmed yet, "" for none
	Left     string
	Refunds  []adminRefundRow
	// The refund form, when the payment may be refunded.
	Refundable  bool
	Key         string // the form's one-time key
	Form        refundValues
	Error       string
	CurrentTerm bool   // a whole refund asks what becomes of access
	TermEnds    string // the end of the term it paid for
}

type adminRefundRow struct {
	Amount string
	Date   string
	Status string
	Admin  string
	Reason string
	Ref    string
}

type refundValues struct {
	Amount    string
	Reason    string
	EndAccess string
}

type giftValues struct {
	PlanID int64
	Months string
	Reason string
}

// refusedRefund is a refund form shown again with why it was refused.
type refusedRefund struct {
	paymentID int64
	values    refundValues
	message   string
}

func (s *Server) showPayments(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	q := r.URL.Query()
	d := paymentsData{Email: strings.TrimSpace(q.Get("email"))}
	if key := q.Get("refund"); key != "" {
		d.Outcome, d.Pending = s.refundOutcome(r, key)
	}
	if until := q.Get("given"); until != "" {
		d.Outcome = "Complimentary subscription given, until " + until + "."
	}
	return s.renderPayments(w, r, v, http.StatusOK, d, nil)
}

// refundOutcome says what became of the refund a form asked for.
func (s *Server) refundOutcome(r *http.Request, key string) (string, bool) {
	refund, err := s.Refunds.ByKey(r.Context(), key)
	if err != nil {
		return "", false
	}
	if refund.Status == refunds.Succeeded {
		return "Refunded " + refund.Amount.String() + ": the credit note is issued, and the reader sees both on their account page.", false
	}
	return "The refund of " + refund.Amount.String() + " is recorded, and the payment provider has not confirmed it yet. " +
		"It is asked for again within minutes, under the same key, and made once.", true
}

// renderPayments shows the page: the search, and the reader searched for
// with their payments, with refused forms as they were sent.
func (s *Server) renderPayments(w http.ResponseWriter, r *http.Request, v *viewer, status int, d paymentsData, refused *refusedRefund) error {
	ctx := r.Context()
	d.MaxMonths = billing.MaxTermMonths
	if d.Gift.Months == "" {
		d.Gift.Months = "1"
	}
	if d.Email != "" {
		reader, err := s.Refunds.Reader(ctx, d.Email)
		switch {
		case errors.Is(err, refunds.ErrNoAccount):
			if d.Error == "" {
				d.Error = readerMessage(err)
			}
			if status == http.StatusOK {
				status = http.StatusNotFound
			}
		case err != nil:
			return err
		default:
			view, err := s.readerView(r, reader, refused)
			if err != nil {
				return err
			}
			d.Reader = view
		}
	}
	if d.Reader != nil && d.Reader.Subscription == "" {
		plans, err := s.Billing.AllPlans(ctx)
		if err != nil {
			return err
		}
		d.Plans = plans
	}
	return s.render(w, status, "admin_payments", s.newPage(w, r, v, "Payments", d))
}

func (s *Server) readerView(r *http.Request, reader *refunds.Reader, refused *refusedRefund) (*readerView, error) {
	loc := s.Settings.Get().Location
	view := &readerView{Email: reader.Account.Email, ID: reader.Account.ID}
	if sub := reader.Subscription; sub != nil {
		plan, err := s.Billing.PlanOf(r.Context(), sub)
		if err != nil {
			return nil, err
		}
		what := "paid"
		if sub.Complimentary {
			what = "complimentary"
		}
		view.Subscription = plan.Name + ", " + what + ", " + string(sub.Status) + " until " + sub.PaidUntil.In(loc).Format(dayLayout)
		if !sub.AutoRenew {
			view.Subscription += ", not renewing"
		}
	}
	for _, p := range reader.Payments {
		row := adminPaymentRow{
			ID: p.Payment.ID, Date: p.Payment.CreatedAt.In(loc).Format(dayLayout), Amount: p.Payment.Amount.String(),
			Status: p.Payment.Status, Gateway: p.Payment.Gateway, Left: p.Left.String(),
			Refundable: p.Refundable, CurrentTerm: p.CurrentTerm, TermEnds: p.TermEnds.In(loc).Format(dayLayout),
		}
		row.What = p.Payment.Purpose
		if p.Invoice != nil {
			row.What, row.Invoice = p.Invoice.Description+" ("+p.Invoice.Term()+")", p.Invoice.Number
		}
		if p.Refunded > 0 {
			row.Refunded = p.Refunded.String()
		}
		if p.Pending > 0 {
			row.Pending = p.Pending.String()
		}
		for _, rf := range p.Refunds {
			row.Refunds = append(row.Refunds, adminRefundRow{
				Amount: rf.Amount.String(), Date: rf.CreatedAt.In(loc).Format(lastSeenLayout), Status: string(rf.Status),
				Admin: rf.AdminEmail, Reason: rf.Reason, Ref: rf.GatewayRef,
			})
		}
		if row.Refundable {
			row.Key, row.Form = billing.NewFormKey(), refundValues{Amount: p.Left.Plain(), EndAccess: string(refunds.EndNow)}
		}
		if refused != nil && refused.paymentID == row.ID {
			row.Form, row.Error = refused.values, refused.message
		}
		view.Payments = append(view.Payments, row)
	}
	return view, nil
}

// submitRefund refunds a payment as the admin's form asks. A refused form
// is shown again with the reason; one sent twice refunds once.
func (s *Server) submitRefund(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	f := r.PostForm
	values := refundValues{Amount: f.Get("amount"), Reason: f.Get("reason"), EndAccess: f.Get("end_access")}
	email, key := strings.TrimSpace(f.Get("email")), f.Get("key")
	_, err = s.Refunds.Refund(r.Context(), refunds.Request{
		AdminID: v.Account.ID, PaymentID: id, Key: key, Amount: values.Amount, Reason: values.Reason,
		EndAccess: refunds.EndAccess(values.EndAccess),
	})
	var bad *refunds.InputError
	var exceeds *refunds.ExceedsError
	refuse := func(status int, err error) error {
		return s.renderPayments(w, r, v, status, paymentsData{Email: email},
			&refusedRefund{paymentID: id, values: values, message: "Nothing was refunded: " + readerMessage(err)})
	}
	switch {
	case err == nil, errors.Is(err, refunds.ErrInProgress), errors.Is(err, refunds.ErrNotConfirmed):
		if errors.Is(err, refunds.ErrNotConfirmed) {
			s.Log.Warn("refund not confirmed; left to recovery", "payment", id, "err", err)
		}
		http.Redirect(w, r, "/admin/payments?"+url.Values{"email": {email}, "refund": {key}}.Encode(), http.StatusSeeOther)
		return nil
	case errors.As(err, &bad):
		return refuse(http.StatusUnprocessableEntity, err)
	case errors.As(err, &exceeds), errors.Is(err, refunds.ErrNotRefundable), errors.Is(err, refunds.ErrNoInvoice),
		errors.Is(err, refunds.ErrOtherProvider), errors.Is(err, refunds.ErrFormUsed):
		return refuse(http.StatusConflict, err)
	case errors.Is(err, refunds.ErrUnknownPayment):
		return notFound()
	case errors.Is(err, audit.ErrNotAdmin):
		// Demoted by another admin while this form was on its way.
		return &httpError{http.StatusForbidden, forbiddenFor(accounts.RoleAdmin)}
	}
	return err
}

// submitComplimentary gives the reader a complimentary subscription; a
// refused form is shown again with the reason, and nothing is given.
func (s *Server) submitComplimentary(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	f := r.PostForm
	email := strings.TrimSpace(f.Get("email"))
	gift := giftValues{Months: f.Get("months"), Reason: f.Get("reason")}
	gift.PlanID, _ = strconv.ParseInt(f.Get("plan"), 10, 64)
	sub, err := s.Complimentary.Give(r.Context(), complimentary.Grant{
		AdminID: v.Account.ID, Email: email, PlanID: gift.PlanID, Months: gift.Months, Reason: gift.Reason,
	})
	var bad *complimentary.InputError
	refuse := func(status int, err error) error {
		return s.renderPayments(w, r, v, status, paymentsData{Email: email, Gift: gift,
			GiftError: "Nothing was given: " + readerMessage(err)}, nil)
	}
	switch {
	case err == nil:
		until := sub.PaidUntil.In(s.Settings.Get().Location).Format(dayLayout)
		http.Redirect(w, r, "/admin/payments?"+url.Values{"email": {email}, "given": {until}}.Encode(), http.StatusSeeOther)
		return nil
	case errors.As(err, &bad), errors.Is(err, complimentary.ErrNoPlan):
		return refuse(http.StatusUnprocessableEntity, err)
	case errors.Is(err, complimentary.ErrNoAccount):
		return refuse(http.StatusNotFound, err)
	case errors.Is(err, complimentary.ErrAlreadySubscribed):
		return refuse(http.StatusConflict, err)
	case errors.Is(err, audit.ErrNotAdmin):
		return &httpError{http.StatusForbidden, forbiddenFor(accounts.RoleAdmin)}
	}
	return err
}

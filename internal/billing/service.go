// Package billing owns plans, subscriptions and their paid terms, and the
// payments that pay for them. A subscription moves between states
// (active, past_due, ended); each paid period is a Term record; every charge
// carries an idempotency key so no reader is charged twice for one term,
// whatever retries, crashes or second instances happen.
package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/dberr"
	"broadsheet/internal/gst"
	"broadsheet/internal/mail"
	"broadsheet/internal/money"
)

// Store is what billing needs from the database.
type Store interface {
	TestChargeStore
	Plans(ctx context.Context) ([]*Plan, error)
	PlanByCode(ctx context.Context, code string) (*Plan, error)
	PlanByID(ctx context.Context, id int64) (*Plan, error)
	PlanStore
	CreatePaymentMethod(ctx context.Context, m *PaymentMethod) (int64, error)
	PaymentMethodByID(ctx context.Context, id int64) (*PaymentMethod, error)
	CheckoutStore
	ReportStore
	SubscriptionByID(ctx context.Context, id int64) (*Subscription, error)
	CurrentSubscription(ctx context.Context, accountID int64) (*Subscription, error)
	SetAutoRenew(ctx context.Context, sub *Subscription, on bool, nextAttempt *time.Time, now time.Time) (bool, error)
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]*Subscription, error)
	Terms(ctx context.Context, subscriptionID int64) ([]Term, error)
	AccountByID(ctx context.Context, id int64) (*accounts.Account, error)
	EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error)
	RenewalStore
	InvoiceStore
	SwitchStore
	MethodSetupStore
}

// Errors for readers.
var (
	ErrAlreadySubscribed = errors.New("you already have an active subscription")
	ErrNoSubscription    = errors.New("you have no subscription")
	ErrUnknownPlan       = errors.New("there is no such plan")
	ErrPaymentInProgress = errors.New("this payment is already being processed; refresh in a moment")
)

// Service is the billing service.
type Service struct {
	Store   Store
	Gateway Gateway
	Now     func() time.Time
	// Location is the publication's time zone, in which terms are counted
	// in calendar months; asked each time, as an admin may change it.
	Location func() *time.Location
	// Mail sends receipts, which name the Publication (asked each time, as
	// an admin may rename it) and link to the account page under BaseURL.
	Mail        mail.Sender
	Publication func() string
	BaseURL     string
	// TaxProfile is the publisher's tax profile, which each invoice copies
	// when it is issued (asked each time, as an admin may change it).
	TaxProfile func() gst.Profile
	// Schedule is when renewals are announced and declined ones retried
	// (nil: DefaultSchedule); asked each time, as an admin may change it.
	Schedule func() Schedule
}

// ActivePlan finds a plan on offer by its code; ErrUnknownPlan if there is
// none, ErrPlanRetired (which is an ErrUnknownPlan) if it was retired.
func (s *Service) ActivePlan(ctx context.Context, code string) (*Plan, error) {
	plan, err := s.Store.PlanByCode(ctx, code)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrUnknownPlan
	}
	if err == nil && !plan.Active {
		return plan, ErrPlanRetired
	}
	return plan, err
}

// PlanOf is the plan a subscription is on, withdrawn or not.
func (s *Service) PlanOf(ctx context.Context, sub *Subscription) (*Plan, error) {
	return s.Store.PlanByID(ctx, sub.PlanID)
}

// NextPlanOf is the plan the reader chose for the subscription's coming
// renewal, or nil when it renews on its own plan.
func (s *Service) NextPlanOf(ctx context.Context, sub *Subscription) (*Plan, error) {
	if sub.NextPlanID == 0 {
		return nil, nil
	}
	return s.Store.PlanByID(ctx, sub.NextPlanID)
}

// Plans lists the plans on offer.
func (s *Service) Plans(ctx context.Context) ([]*Plan, error) { return s.Store.Plans(ctx) }

// Entitled reports whether the subscription gives access now: paid up, or
// while its renewal is being collected (see AccessUntil).
func Entitled(sub *Subscription, now time.Time) bool {
	if sub == nil || sub.Status == Ended {
		return false
	}
	return now.Before(AccessUntil(sub))
}

// Current returns the account's subscription that has not ended, or nil.
func (s *Service) Current(ctx context.Context, accountID int64) (*Subscription, error) {
	sub, err := s.Store.CurrentSubscription(ctx, accountID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, nil
	}
	return sub, err
}

// Cancel stops auto-renewal; access lasts to the end of the paid term.
func (s *Service) Cancel(ctx context.Context, accountID int64) error {
	return s.setAutoRenew(ctx, accountID, false)
}

// Resume turns auto-renewal back on before the term ends.
func (s *Service) Resume(ctx context.Context, accountID int64) error {
	return s.setAutoRenew(ctx, accountID, true)
}

func (s *Service) setAutoRenew(ctx context.Context, accountID int64, on bool) error {
	// The next attempt is worked out from the subscription as read; if a
	// renewal changed it meanwhile, the write applies to nothing and the
	// subscription is read again, so a resume never schedules a charge
	// from a term already paid.
	for range 3 {
		sub, err := s.Current(ctx, accountID)
		if err != nil {
			return err
		}
		if sub == nil || !Entitled(sub, s.Now()) {
			return ErrNoSubscription
		}
		if on && sub.Complimentary {
			return ErrComplimentaryRenewal
		}
		var next *time.Time
		if on {
			t := sub.PaidUntil.Add(-RenewalLead)
			if sub.NextAttemptAt != nil && sub.Status == PastDue {
				t = *sub.NextAttemptAt
			}
			next = &t
		}
		if applied, err := s.Store.SetAutoRenew(ctx, sub, on, next, s.Now()); err != nil || applied {
			return err
		}
	}
	return ErrPaymentInProgress
}

// DueSubscriptions lists subscriptions that need a renewal attempt or have
// run out.
func (s *Service) DueSubscriptions(ctx context.Context, limit int) ([]*Subscription, error) {
	return s.Store.DueSubscriptions(ctx, s.Now(), limit)
}

// Receipt describes a payment for an email.
func Receipt(plan *Plan, amount money.Paise, paidUntil time.Time, loc *time.Location) string {
	return fmt.Sprintf("Thank you. We received %s for %s (%s). Your subscription is paid until %s.",
		amount, plan.Name, plan.TermLabel(), paidUntil.In(loc).Format("2 January 2006"))
}

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

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// Store is what billing needs from the database.
type Store interface {
	TestChargeStore
	Plans(ctx context.Context) ([]*Plan, error)
	PlanByCode(ctx context.Context, code string) (*Plan, error)
	PlanByID(ctx context.Context, id int64) (*Plan, error)
	CreatePaymentMethod(ctx context.Context, m *PaymentMethod) (int64, error)
	PaymentMethodByID(ctx context.Context, id int64) (*PaymentMethod, error)
	BeginPayment(ctx context.Context, p *Payment) (*Payment, bool, error)
	FinishPayment(ctx context.Context, id int64, status, ref, failure string, now time.Time) error
	CheckoutStore
	SubscriptionByID(ctx context.Context, id int64) (*Subscription, error)
	CurrentSubscription(ctx context.Context, accountID int64) (*Subscription, error)
	SetAutoRenew(ctx context.Context, id int64, on bool, nextAttempt *time.Time, now time.Time) error
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]*Subscription, error)
	ExtendSubscription(ctx context.Context, term *Term, nextAttempt time.Time, now time.Time) (bool, error)
	RecordRenewalFailure(ctx context.Context, id int64, failures int, next *time.Time, now time.Time) error
	EndSubscription(ctx context.Context, id int64, now time.Time) error
}

// Renewal timing.
const (
	// RenewalLead is how long before a term ends the renewal is charged.
	RenewalLead = 24 * time.Hour
	// GracePeriod is how long a past-due subscriber keeps access after the
	// paid term while renewal is retried.
	GracePeriod = 7 * 24 * time.Hour
)

// retryAfter is the wait after the nth declined renewal; after the last the
// subscription ends.
var retryAfter = []time.Duration{24 * time.Hour, 2 * 24 * time.Hour, 3 * 24 * time.Hour}

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
}

// Plans lists the plans on offer.
func (s *Service) Plans(ctx context.Context) ([]*Plan, error) { return s.Store.Plans(ctx) }

// Entitled reports whether the subscription gives access now: paid up, or
// past due within the grace period.
func Entitled(sub *Subscription, now time.Time) bool {
	if sub == nil || sub.Status == Ended {
		return false
	}
	until := sub.PaidUntil
	if sub.Status == PastDue {
		until = until.Add(GracePeriod)
	}
	return now.Before(until)
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
	sub, err := s.Current(ctx, accountID)
	if err != nil {
		return err
	}
	if sub == nil || !Entitled(sub, s.Now()) {
		return ErrNoSubscription
	}
	var next *time.Time
	if on {
		t := sub.PaidUntil.Add(-RenewalLead)
		if sub.NextAttemptAt != nil && sub.Status == PastDue {
			t = *sub.NextAttemptAt
		}
		next = &t
	}
	return s.Store.SetAutoRenew(ctx, sub.ID, on, next, s.Now())
}

// DueSubscriptions lists subscriptions that need a renewal attempt or have
// run out.
func (s *Service) DueSubscriptions(ctx context.Context, limit int) ([]*Subscription, error) {
	return s.Store.DueSubscriptions(ctx, s.Now(), limit)
}

// RenewalKey names one renewal attempt: subscription, term and attempt.
// The job that runs it and the charge it makes carry this key, so the
// attempt happens once however many instances see it due.
func RenewalKey(sub *Subscription) string {
	return fmt.Sprintf("renewal:%d:%d:%d", sub.ID, sub.TermsPaid+1, sub.RenewalFailures+1)
}

// Renew runs the renewal attempt due for a subscription: it ends a
// subscription that was cancelled and has run out, or charges the saved
// card for the next term and extends the subscription, or records the
// decline and schedules a retry. Running it again for the same attempt
// (a replay after a crash, a second instance) charges nothing more.
func (s *Service) Renew(ctx context.Context, subscriptionID int64) error {
	sub, err := s.Store.SubscriptionByID(ctx, subscriptionID)
	if err != nil {
		return err
	}
	now := s.Now()
	if sub.Status == Ended {
		return nil
	}
	if !sub.AutoRenew {
		if !now.Before(sub.PaidUntil) {
			return s.Store.EndSubscription(ctx, sub.ID, now)
		}
		return nil
	}
	if sub.NextAttemptAt == nil || now.Before(*sub.NextAttemptAt) {
		return nil
	}
	plan, err := s.Store.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	method, err := s.Store.PaymentMethodByID(ctx, sub.PaymentMethodID)
	if err != nil {
		return err
	}
	key := RenewalKey(sub)
	payment, _, err := s.Store.BeginPayment(ctx, &Payment{
		AccountID: sub.AccountID, IdempotencyKey: key, Amount: plan.Price, Currency: plan.Currency,
		Gateway: s.Gateway.Name(), CreatedAt: now,
	})
	if err != nil {
		return err
	}
	res := ChargeResult{Succeeded: payment.Status == PaymentSucceeded, Reference: payment.GatewayRef, Failure: payment.Failure}
	if payment.Status == PaymentPending {
		// New, or left pending by a crash: the gateway's idempotency key
		// makes this the same charge either way.
		if res, err = s.Gateway.Charge(ctx, Charge{IdempotencyKey: key, Token: method.Token, Amount: plan.Price, Currency: plan.Currency}); err != nil {
			return err
		}
		status := PaymentFailed
		if res.Succeeded {
			status = PaymentSucceeded
		}
		if err := s.Store.FinishPayment(ctx, payment.ID, status, res.Reference, res.Failure, now); err != nil {
			return err
		}
	}
	if !res.Succeeded {
		failures := sub.RenewalFailures + 1
		var next *time.Time
		if failures <= len(retryAfter) {
			t := now.Add(retryAfter[failures-1])
			next = &t
		}
		return s.Store.RecordRenewalFailure(ctx, sub.ID, failures, next, now)
	}
	seq := sub.TermsPaid + 1
	months := plan.TermMonths * seq
	term := &Term{
		SubscriptionID: sub.ID, Seq: seq, PlanID: plan.ID, StartsAt: sub.PaidUntil,
		EndsAt: AddMonths(sub.AnchorAt, months, s.Location()), Amount: plan.Price, PaymentID: payment.ID,
	}
	_, err = s.Store.ExtendSubscription(ctx, term, term.EndsAt.Add(-RenewalLead), now)
	return err
}

// Receipt describes a payment for an email.
func Receipt(plan *Plan, amount money.Paise, paidUntil time.Time, loc *time.Location) string {
	return fmt.Sprintf("Thank you. We received %s for %s (%s). Your subscription is paid until %s.",
		amount, plan.Name, plan.TermLabel(), paidUntil.In(loc).Format("2 January 2006"))
}

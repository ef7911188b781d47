package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"broadsheet/internal/dberr"
)

// CheckoutStore is what checkout and its recovery need from the database.
type CheckoutStore interface {
	PaymentByKey(ctx context.Context, key string) (*Payment, error)
	PaymentByID(ctx context.Context, id int64) (*Payment, error)
	// BeginCheckout records a pending checkout payment for plan, as the
	// checkout read it, or returns the one with the same key (created
	// false); ErrConflict while the account has a live subscription or
	// another pending checkout, ErrPlanRetired or ErrPlanChanged if the
	// plan is no longer on offer as read. An admin's change to the plan
	// waits for it, or it for the change.
	BeginCheckout(ctx context.Context, p *Payment, plan *Plan) (*Payment, bool, error)
	// InBillingTx runs fn in one transaction: committed if fn returns
	// nil, rolled back otherwise.
	InBillingTx(ctx context.Context, fn func(tx Tx) error) error
	SettlePayment(ctx context.Context, id int64, status, ref, failure string, now time.Time) (bool, error)
	// SetCheckoutRef records the provider's id of a pending checkout's page.
	SetCheckoutRef(ctx context.Context, id int64, ref string) error
	RefundPayment(ctx context.Context, id int64, ref, refundRef string, now time.Time) error
	PendingCheckout(ctx context.Context, accountID int64) (*Payment, error)
	// PendingPayments lists pending payments of the purposes last changed
	// (begun, or their charge sent again) before the given time, oldest first.
	PendingPayments(ctx context.Context, before time.Time, limit int, purposes ...string) ([]*Payment, error)
}

// Checkout timing.
const (
	// CheckoutRecoveryAfter is how old a pending checkout must be before
	// recovery asks the gateway what became of it: by then the request
	// that began it has either recorded the outcome or died.
	CheckoutRecoveryAfter = 2 * time.Minute
	// checkoutChargeTimeout bounds the wait for the gateway at checkout. It
	// is well below CheckoutRecoveryAfter, so no charge is still on its
	// way when recovery looks.
	checkoutChargeTimeout = 30 * time.Second
)

// ReceiptJob is the kind of job that emails the receipt for a new
// subscription; its payload is the subscription's id.
const ReceiptJob = "receipt"

// ReceiptKey names the receipt job of a subscription: one per subscription.
func ReceiptKey(subscriptionID int64) string {
	return "receipt:" + strconv.FormatInt(subscriptionID, 10)
}

// CheckoutRecoveryJob is the kind of job that settles a payment left
// pending, a checkout's or a renewal's (see RecoverPayment); its payload is
// the payment's id.
const CheckoutRecoveryJob = "checkout-recovery"

// CheckoutRecoveryKey names the recovery job of a pending payment.
func CheckoutRecoveryKey(paymentID int64) string {
	return "checkout-recovery:" + strconv.FormatInt(paymentID, 10)
}

// recoveryKey names the recovery job of a pending payment as it stands:
// one per payment, and one more each time a renewal's charge is sent
// again, so that a charge sent again by a run that died is looked at too.
func recoveryKey(p *Payment) string {
	if p.UpdatedAt.After(p.CreatedAt) {
		return CheckoutRecoveryKey(p.ID) + ":" + strconv.FormatInt(p.UpdatedAt.UnixNano(), 10)
	}
	return CheckoutRecoveryKey(p.ID)
}

// checkoutKey is the idempotency key of the payment one checkout form makes.
func checkoutKey(accountID int64, formKey string) string {
	return fmt.Sprintf("checkout:%d:%s", accountID, formKey)
}

// Reader-facing checkout errors.
var (
	ErrCheckoutInProgress = errors.New("a payment for your subscription is already being processed; wait a moment, then open your account page")
	ErrCheckoutFormUsed   = errors.New("this checkout form was already used; open the plans page to subscribe again")
)

// released is the failure recorded on a checkout that never reached the gateway.
const released = "The payment did not go through and nothing was charged."

// checkoutOutcome answers a checkout form submitted again from what became
// of its payment, without charging.
func (s *Service) checkoutOutcome(ctx context.Context, p *Payment) (*Subscription, error) {
	switch p.Status {
	case PaymentPending:
		return nil, ErrPaymentInProgress
	case PaymentFailed:
		if p.Failure == released {
			return nil, &DeclineError{released + " Try again."}
		}
		return nil, &DeclineError{p.Failure + " Try another card."}
	}
	current, err := s.Current(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	if p.Status == PaymentRefunded && current == nil {
		return nil, &DeclineError{"Your payment could not be completed and was refunded. Try again."}
	}
	if p.Status == PaymentRefunded {
		return current, ErrAlreadySubscribed
	}
	if current == nil {
		return nil, ErrCheckoutFormUsed
	}
	return current, nil
}

// settleCheckout records the gateway's answer to a checkout's charge: the
// subscription starts with the payment, or the decline is recorded. A
// charge that went through but can no longer start a subscription (the
// account has one, or the payment was released meanwhile) is refunded.
func (s *Service) settleCheckout(ctx context.Context, p *Payment, plan *Plan, res ChargeResult) (*Subscription, error) {
	now := s.Now()
	if !res.Succeeded {
		if _, err := s.Store.SettlePayment(ctx, p.ID, PaymentFailed, res.Reference, res.Failure, now); err != nil {
			return nil, err
		}
		latest, err := s.Store.PaymentByID(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		return s.checkoutOutcome(ctx, latest)
	}
	if plan == nil {
		return nil, s.refund(ctx, p, res.Reference)
	}
	paidUntil := AddMonths(now, plan.TermMonths, s.Location())
	next := paidUntil.Add(-RenewalLead)
	sub := &Subscription{
		AccountID: p.AccountID, PlanID: plan.ID, Status: Active, AutoRenew: true, PaymentMethodID: p.PaymentMethodID,
		AnchorAt: now, PaidUntil: paidUntil, TermsPaid: 1, NextAttemptAt: &next, CreatedAt: now, UpdatedAt: now,
	}
	// The term records what was charged: a recovery may find the plan
	// repriced since.
	term := &Term{PlanID: plan.ID, StartsAt: now, EndsAt: paidUntil, Amount: p.Amount}
	err := s.completeCheckout(ctx, p.ID, res.Reference, sub, term, res.Method, now)
	switch {
	case err == nil:
		return sub, nil
	case errors.Is(err, dberr.ErrConflict):
		if err := s.refund(ctx, p, res.Reference); err != nil {
			return nil, err
		}
	case errors.Is(err, errSettledMeanwhile):
		// Settled by someone else: completed by recovery, or released
		// by it while this charge was still on its way.
		latest, err := s.Store.PaymentByID(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if latest.Status == PaymentFailed {
			if err := s.refund(ctx, latest, res.Reference); err != nil {
				return nil, err
			}
		}
	default:
		return nil, err
	}
	latest, err := s.Store.PaymentByID(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return s.checkoutOutcome(ctx, latest)
}

// errSettledMeanwhile: the payment a completion was for is no longer pending.
var errSettledMeanwhile = errors.New("the payment was settled meanwhile")

// completeCheckout records a paid checkout in one transaction, under the
// account's lock: the payment succeeded, the payment method the provider
// saved for renewals (method, nil for a checkout that named a saved card),
// the subscription with its first term, and the job that emails the
// receipt; it sets sub.ID. If the payment
// is no longer pending (errSettledMeanwhile) or the account already has a
// live subscription (ErrConflict), or any step fails, nothing changes.
func (s *Service) completeCheckout(ctx context.Context, paymentID int64, ref string, sub *Subscription, term *Term, method *PaymentMethod, now time.Time) error {
	return s.Store.InBillingTx(ctx, func(tx Tx) error {
		if err := tx.LockAccount(ctx, sub.AccountID); err != nil {
			return err
		}
		if settled, err := tx.SettlePayment(ctx, paymentID, PaymentSucceeded, ref, "", now); err != nil {
			return err
		} else if !settled {
			return errSettledMeanwhile
		}
		if method != nil {
			saved := *method
			saved.AccountID, saved.CreatedAt = sub.AccountID, now
			id, err := tx.CreatePaymentMethod(ctx, &saved)
			if err != nil {
				return err
			}
			sub.PaymentMethodID = id
		}
		id, err := tx.CreateSubscription(ctx, sub)
		if err != nil {
			return err
		}
		term.SubscriptionID, term.Seq, term.PaymentID = id, 1, paymentID
		if err := tx.CreateTerm(ctx, term); err != nil {
			return err
		}
		if err := s.issueInvoice(ctx, tx, sub.AccountID, term, now); err != nil {
			return err
		}
		if _, err := tx.EnqueueJob(ctx, ReceiptJob, ReceiptKey(id), strconv.FormatInt(id, 10), now, now); err != nil {
			return err
		}
		sub.ID = id
		return nil
	})
}

// refund gives back a checkout's charge that paid for nothing and records it.
func (s *Service) refund(ctx context.Context, p *Payment, ref string) error {
	refundRef, err := s.Gateway.Refund(ctx, RefundRequest{Key: p.IdempotencyKey, Reference: ref, RefundKey: "refund:" + p.IdempotencyKey})
	if err != nil {
		return err
	}
	return s.Store.RefundPayment(ctx, p.ID, ref, refundRef, s.Now())
}

// PendingCheckout reports whether the account has a checkout payment in
// flight, whose outcome is not known yet.
func (s *Service) PendingCheckout(ctx context.Context, accountID int64) (bool, error) {
	_, err := s.Store.PendingCheckout(ctx, accountID)
	if errors.Is(err, dberr.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// StalePayments lists checkout, renewal and upgrade payments left pending longer
// than CheckoutRecoveryAfter since they were begun (or, a renewal, since
// its charge was last sent), for RecoverPayment: the request or job that
// began them died or lost the gateway's answer.
func (s *Service) StalePayments(ctx context.Context, limit int) ([]*Payment, error) {
	return s.Store.PendingPayments(ctx, s.Now().Add(-CheckoutRecoveryAfter), limit,
		PurposeCheckout, PurposeLegacyCheckout, PurposeRenewal, PurposeUpgrade)
}

// RecoverCheckout settles a checkout payment left pending: it asks the
// gateway what became of the charge under the payment's key, and starts
// the subscription if it went through (refunding it if the account has
// one by now), records the decline, or releases the payment if the
// gateway never received it, so the reader can check out again. It is
// safe to run again and beside the request that began the checkout.
func (s *Service) RecoverCheckout(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	if p.Status != PaymentPending {
		return nil
	}
	res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, p.CheckoutRef)
	if err != nil {
		return err
	}
	if !found {
		// Not while its page may still take the reader's payment: the
		// job is retried until then.
		if open := p.CreatedAt.Add(CheckoutPageLifetime); p.CheckoutRef != "" && s.Now().Before(open) {
			return fmt.Errorf("checkout payment %d: its page takes payment until %s", p.ID, open.Format(time.RFC3339))
		}
		_, err := s.Store.SettlePayment(ctx, p.ID, PaymentFailed, "", released, s.Now())
		return err
	}
	var plan *Plan
	if p.Purpose == PurposeCheckout && p.PlanID != 0 {
		if plan, err = s.Store.PlanByID(ctx, p.PlanID); err != nil {
			return err
		}
	}
	if _, err = s.settleCheckout(ctx, p, plan, res); err != nil && !isReaderOutcome(err) {
		return err
	}
	latest, err := s.Store.PaymentByID(ctx, p.ID)
	if err != nil {
		return err
	}
	if latest.Status == PaymentPending {
		return fmt.Errorf("checkout payment %d is still pending", p.ID)
	}
	return nil
}

// isReaderOutcome reports whether err is an answer for the reader (a
// decline, an existing subscription) rather than a failure to settle.
func isReaderOutcome(err error) bool {
	var decline *DeclineError
	return errors.As(err, &decline) || errors.Is(err, ErrAlreadySubscribed) || errors.Is(err, ErrCheckoutFormUsed)
}

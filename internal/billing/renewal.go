package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
)

// RenewalStore is what renewals need from the database beyond payments.
// Renewals and checkouts of one account take turns in it, so that a renewal
// never charges for, or brings back, a subscription a checkout replaced.
type RenewalStore interface {
	// BeginRenewal records the pending renewal payment for sub, or returns
	// the one with the same key (created false); ErrConflict if the
	// subscription ended or changed since sub was read.
	BeginRenewal(ctx context.Context, p *Payment, sub *Subscription) (*Payment, bool, error)
	// EndSubscription ends sub if it is still as read and no renewal of it
	// is pending: ErrConflict while one is, ErrNotFound if it changed.
	EndSubscription(ctx context.Context, sub *Subscription, now time.Time) error
	// ClaimCharge records that a pending payment's charge is being sent
	// again at now, if it was last sent (UpdatedAt) no later than
	// sentBefore and sub is still as read and renewing, and reports
	// whether it did: of two runs that would send it, one does, and a
	// reader who cancelled meanwhile is not charged.
	ClaimCharge(ctx context.Context, id int64, sub *Subscription, sentBefore, now time.Time) (bool, error)
	NoticeStore
}

// renewalChargeTimeout bounds the wait for the gateway at renewal, well
// below CheckoutRecoveryAfter, after which recovery asks the gateway.
const renewalChargeTimeout = 30 * time.Second

// renewalInFlight is how long after a renewal's charge was sent it may
// still reach the provider: the process that sent it may have died, or
// stopped waiting, with the request on its way. Until then a renewal the
// provider has nothing under is neither charged again nor released.
const renewalInFlight = CheckoutRecoveryAfter

// ErrRenewalInProgress answers a checkout while the renewal of the
// account's subscription is being charged: nothing is charged, and the
// reader can check out once the renewal is settled.
var ErrRenewalInProgress error = renewalInProgress{}

type renewalInProgress struct{}

func (renewalInProgress) Error() string {
	return "the renewal of your subscription is being charged right now; nothing more was charged: wait a few minutes, then open your account page"
}

// Is makes it an ErrCheckoutInProgress: another payment of the account is in flight.
func (renewalInProgress) Is(target error) bool { return target == ErrCheckoutInProgress }

// RenewalKey names one renewal attempt: subscription, term and attempt.
// The job that runs it and the charge it makes carry this key, so the
// attempt happens once however many instances see it due.
func RenewalKey(sub *Subscription) string {
	return renewalKeyFor(sub.ID, sub.TermsPaid+1, sub.RenewalFailures+1)
}

// parseRenewalKey reads back what RenewalKey wrote: the subscription, the
// term the charge pays for and which attempt it is.
func parseRenewalKey(key string) (subscriptionID int64, seq, attempt int, ok bool) {
	parts := strings.Split(key, ":")
	if len(parts) != 4 || parts[0] != "renewal" {
		return 0, 0, 0, false
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.Atoi(parts[2])
	attempt, err3 := strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || seq < 2 || attempt < 1 {
		return 0, 0, 0, false
	}
	return id, seq, attempt, true
}

// chargeable reports whether the renewal attempt under key may be charged
// now: it is the subscription's current attempt, and the subscription is
// live, renewing and due.
func chargeable(sub *Subscription, key string, now time.Time) bool {
	return RenewalKey(sub) == key && sub.Status != Ended && sub.AutoRenew &&
		sub.NextAttemptAt != nil && !now.Before(*sub.NextAttemptAt)
}

// Renew runs the renewal attempt due for a subscription: it ends a
// subscription that was cancelled and has run out, or whose grace period
// ran out with no retry left, or charges the saved card for the next term
// the amount its pre-debit notice named and extends the subscription, or
// records the decline and schedules a retry. A term whose notice has not
// been out for a day is not charged (the error says so). Running it again
// for the same attempt (a replay after a crash, a second instance) charges
// nothing more: a payment already made under the attempt's key is settled
// first, whatever became of the subscription since, by extending it or
// refunding.
func (s *Service) Renew(ctx context.Context, subscriptionID int64) error {
	sub, err := s.Store.SubscriptionByID(ctx, subscriptionID)
	if err != nil {
		return err
	}
	key := RenewalKey(sub)
	if p, err := s.Store.PaymentByKey(ctx, key); err == nil {
		if settled, err := s.resumeRenewal(ctx, sub, p); err != nil || settled {
			return quiet(err)
		}
	} else if !errors.Is(err, dberr.ErrNotFound) {
		return err
	}
	now := s.Now()
	if sub.Status == Ended {
		return nil
	}
	if !sub.AutoRenew {
		if now.Before(sub.PaidUntil) {
			return nil
		}
		err := s.Store.EndSubscription(ctx, sub, now)
		if errors.Is(err, dberr.ErrNotFound) || errors.Is(err, dberr.ErrConflict) {
			return nil // it changed meanwhile: the next round sees it as it is
		}
		return err
	}
	if graceOver(sub, now) {
		return s.endUnpaid(ctx, sub, now)
	}
	if !chargeable(sub, key, now) {
		return nil
	}
	notice, err := s.chargeNotice(ctx, sub, now)
	if err != nil {
		return err
	}
	plan, err := s.Store.PlanByID(ctx, renewalPlanID(sub, notice))
	if err != nil {
		return err
	}
	payment, created, err := s.Store.BeginRenewal(ctx, &Payment{
		AccountID: sub.AccountID, IdempotencyKey: key, PlanID: plan.ID, PaymentMethodID: sub.PaymentMethodID,
		Amount: notice.Amount, Currency: plan.Currency, Gateway: s.Gateway.Name(), CreatedAt: now,
	}, sub)
	if errors.Is(err, dberr.ErrConflict) {
		return nil // ended or changed since it was read: nothing to charge
	}
	if err != nil {
		return err
	}
	if !created {
		return nil // another run of this attempt holds the payment
	}
	return quiet(s.chargeRenewal(ctx, sub, payment))
}

// resumeRenewal settles a payment already made under the subscription's
// current renewal key, and reports whether that settled this attempt.
// false means the payment was released as never charged and the
// subscription cannot be charged now: what remains is to end it if due.
func (s *Service) resumeRenewal(ctx context.Context, sub *Subscription, p *Payment) (bool, error) {
	now := s.Now()
	switch p.Status {
	case PaymentRefunded:
		return true, nil
	case PaymentSucceeded:
		return true, s.settleRenewal(ctx, p, ChargeResult{Succeeded: true, Reference: p.GatewayRef})
	case PaymentFailed:
		if p.Failure != released {
			return true, s.settleRenewal(ctx, p, ChargeResult{Reference: p.GatewayRef, Failure: p.Failure})
		}
		if chargeable(sub, p.IdempotencyKey, now) {
			return true, s.chargeRenewal(ctx, sub, p)
		}
		return false, nil
	}
	// Pending: the process that charged it died or lost the answer, or
	// the provider is yet to debit it.
	res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, "")
	if errors.Is(err, ErrChargePending) {
		return true, s.awaitDebit(ctx, p, err)
	}
	if err != nil {
		return true, err
	}
	if found {
		return true, s.settleRenewal(ctx, p, res)
	}
	if now.Before(p.UpdatedAt.Add(renewalInFlight)) {
		return true, errAwaitingCharge
	}
	if chargeable(sub, p.IdempotencyKey, now) {
		claimed, err := s.Store.ClaimCharge(ctx, p.ID, sub, now.Add(-renewalInFlight), now)
		if err != nil {
			return true, err
		}
		if !claimed {
			// Another run is sending it again and sees it through (should
			// it die, recovery looks at the charge it sent: recoveryKey),
			// or the subscription changed since it was read: the next run
			// sees it as it is.
			return true, errAwaitingCharge
		}
		return true, s.chargeRenewal(ctx, sub, p)
	}
	if _, err := s.Store.SettlePayment(ctx, p.ID, PaymentFailed, "", released, now); err != nil {
		return true, err
	}
	return false, nil
}

// errAwaitingCharge says a renewal's charge may still be on its way to
// the provider: nothing is charged, and recovery looks at the payment once
// it cannot be (StalePayments counts from the last charge sent). Not a
// failure of the job that saw it (see quiet).
var errAwaitingCharge = errors.New("the renewal's charge may still be on its way")

// chargeRenewal charges the saved card for a pending renewal payment and
// settles it. Once begun, the charge is seen through even if the job is
// stopped (a graceful shutdown), within renewalChargeTimeout. A charge the
// provider will debit later (ErrChargePending) leaves the payment pending
// and its debit awaited (errAwaitingDebit).
func (s *Service) chargeRenewal(ctx context.Context, sub *Subscription, p *Payment) error {
	ctx = context.WithoutCancel(ctx)
	// The look for a late capture is bounded like the charge, so that the
	// charge leaves within renewalInFlight of the send stamped on p: past
	// it, recovery may send the charge again.
	lookCtx, cancelLook := context.WithTimeout(ctx, renewalChargeTimeout)
	paid, err := s.paidLate(lookCtx, p)
	cancelLook()
	if err != nil || paid {
		return err
	}
	method, err := s.Store.PaymentMethodByID(ctx, sub.PaymentMethodID)
	if err != nil {
		return err
	}
	chargeCtx, cancel := context.WithTimeout(ctx, renewalChargeTimeout)
	res, err := s.Gateway.Charge(chargeCtx, Charge{IdempotencyKey: p.IdempotencyKey, Token: method.Token, Amount: p.Amount, Currency: p.Currency})
	cancel()
	if errors.Is(err, ErrChargePending) {
		return s.awaitDebit(ctx, p, err)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPaymentInProgress, err)
	}
	return s.settleRenewal(ctx, p, res)
}

// paidLate looks, before a retry charges a term, for a charge the
// provider took late under an earlier attempt at the term, settled here as
// declined or released (it was on its way when another charge of that
// attempt was declined), and settles it as any charge: it pays the term if
// it can, and is refunded otherwise. It reports whether that leaves the
// retry p nothing to charge, in which case p is released uncharged.
func (s *Service) paidLate(ctx context.Context, p *Payment) (bool, error) {
	subID, seq, attempt, ok := parseRenewalKey(p.IdempotencyKey)
	if !ok || attempt == 1 {
		return false, nil
	}
	settled := false
	for a := 1; a < attempt; a++ {
		earlier, err := s.Store.PaymentByKey(ctx, renewalKeyFor(subID, seq, a))
		if errors.Is(err, dberr.ErrNotFound) || err == nil && earlier.Status != PaymentFailed {
			continue
		}
		if err != nil {
			return false, err
		}
		took, err := s.settleLate(ctx, earlier)
		if err != nil {
			return false, err
		}
		settled = settled || took
	}
	if !settled {
		return false, nil
	}
	sub, err := s.Store.SubscriptionByID(ctx, subID)
	if err != nil {
		return false, err
	}
	now := s.Now()
	if chargeable(sub, p.IdempotencyKey, now) {
		return false, nil
	}
	_, err = s.Store.SettlePayment(ctx, p.ID, PaymentFailed, "", released, now)
	return true, err
}

// settleLate settles a renewal or upgrade payment settled here as
// declined or released whose charge the provider took after all (a
// charge on its way when it was settled), and reports whether the provider
// took it: the term it paid for is added if the subscription is still
// where the charge found it, and the charge refunded otherwise, as for any
// charge.
func (s *Service) settleLate(ctx context.Context, p *Payment) (bool, error) {
	res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, "")
	if err != nil || !found || !res.Succeeded {
		return false, err
	}
	if p.Purpose == PurposeUpgrade {
		return true, s.settleUpgrade(ctx, p, res)
	}
	return true, s.settleRenewal(ctx, p, res)
}

// settleRenewal records the gateway's answer to a renewal charge. A
// decline is recorded on the subscription if it is still at that attempt.
// A charge that went through extends the subscription by the term it paid
// for; if it cannot (the subscription ended, a checkout replaced it), the
// charge is refunded, so every charge buys a term or is given back.
func (s *Service) settleRenewal(ctx context.Context, p *Payment, res ChargeResult) error {
	ctx = context.WithoutCancel(ctx)
	subID, seq, attempt, ok := parseRenewalKey(p.IdempotencyKey)
	if !ok {
		return fmt.Errorf("renewal payment %d has a malformed key %q", p.ID, p.IdempotencyKey)
	}
	sub, err := s.Store.SubscriptionByID(ctx, subID)
	if err != nil {
		return err
	}
	now := s.Now()
	if !res.Succeeded {
		if _, err := s.Store.SettlePayment(ctx, p.ID, PaymentFailed, res.Reference, res.Failure, now); err != nil {
			return err
		}
		return s.recordDecline(ctx, sub, p, seq, attempt, now)
	}
	planID := p.PlanID
	if planID == 0 { // recorded before renewals named their plan
		planID = sub.PlanID
	}
	plan, err := s.Store.PlanByID(ctx, planID)
	if err != nil {
		return err
	}
	term := &Term{
		SubscriptionID: sub.ID, Seq: seq, PlanID: plan.ID, StartsAt: sub.PaidUntil,
		EndsAt: s.termEnd(sub, plan, seq), Amount: p.Amount, PaymentID: p.ID,
	}
	paid, err := s.extendSubscription(ctx, sub.AccountID, term, res.Reference, term.EndsAt.Add(-RenewalLead), now)
	if err != nil || paid {
		return err
	}
	return s.refund(ctx, p, res.Reference)
}

// extendSubscription records a paid renewal term and marks its payment
// succeeded, together with the job that emails its receipt, under the
// account's lock. It applies only if the
// subscription has not ended and still has term.Seq-1 terms paid, so a
// renewal replayed after a crash or run by two instances extends it once,
// and a late renewal never brings back a subscription a checkout ended. It
// reports whether the payment has its term now (from this call or an
// earlier one); false means the charge paid for nothing and must be
// refunded.
func (s *Service) extendSubscription(ctx context.Context, accountID int64, term *Term, ref string, nextAttempt, now time.Time) (bool, error) {
	applied := false
	err := s.Store.InBillingTx(ctx, func(tx Tx) error {
		if err := tx.LockAccount(ctx, accountID); err != nil {
			return err
		}
		if paid, err := tx.PaymentHasTerm(ctx, term.PaymentID); err != nil || paid {
			applied = paid
			return err
		}
		if extended, err := tx.ExtendSubscription(ctx, term, nextAttempt, now); err != nil || !extended {
			return err
		}
		if marked, err := tx.MarkPaymentSucceeded(ctx, term.PaymentID, ref, now); err != nil {
			return err
		} else if !marked {
			return errSettledMeanwhile // refunded meanwhile: undo the extension
		}
		if err := tx.CreateTerm(ctx, term); err != nil {
			return err
		}
		if err := s.issueInvoice(ctx, tx, accountID, term, now); err != nil {
			return err
		}
		if _, err := tx.EnqueueJob(ctx, RenewalReceiptJob, RenewalReceiptKey(term), strconv.FormatInt(term.PaymentID, 10), now, now); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if errors.Is(err, errSettledMeanwhile) || errors.Is(err, dberr.ErrNotFound) || errors.Is(err, dberr.ErrConflict) {
		return false, nil
	}
	return applied, err
}

// RecoverRenewal settles a renewal payment left pending: it asks the
// gateway what became of the charge, then extends the subscription or
// refunds the charge, records the decline, charges it if the gateway
// never received it and the subscription is still due, or releases it. A
// charge the provider has yet to debit, or that may still be on its way
// to it, stays pending, quietly, and is looked at again later. It is safe
// to run again and beside the renewal job.
func (s *Service) RecoverRenewal(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	if p.Status != PaymentPending {
		return nil
	}
	subID, _, _, ok := parseRenewalKey(p.IdempotencyKey)
	if !ok {
		return fmt.Errorf("renewal payment %d has a malformed key %q", p.ID, p.IdempotencyKey)
	}
	sub, err := s.Store.SubscriptionByID(ctx, subID)
	if err != nil {
		return err
	}
	if _, err := s.resumeRenewal(ctx, sub, p); errors.Is(err, errAwaitingDebit) || errors.Is(err, errAwaitingCharge) {
		return nil
	} else if err != nil {
		return err
	}
	latest, err := s.Store.PaymentByID(ctx, p.ID)
	if err != nil {
		return err
	}
	if latest.Status == PaymentPending {
		return fmt.Errorf("renewal payment %d is still pending", p.ID)
	}
	return nil
}

// RecoverPayment settles a payment left pending: checkout, renewal or upgrade.
func (s *Service) RecoverPayment(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	switch p.Purpose {
	case PurposeRenewal:
		return s.RecoverRenewal(ctx, paymentID)
	case PurposeUpgrade:
		return s.RecoverUpgrade(ctx, paymentID)
	}
	return s.RecoverCheckout(ctx, paymentID)
}

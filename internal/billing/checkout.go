package billing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
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
	// PendingPayments lists pending payments of the purposes begun before
	// the given time, oldest first.
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

// Quote is a plan's price and term as the reader was shown them.
type Quote struct {
	Price      money.Paise
	TermMonths int
}

// CheckoutStart is a reader's request to pay for a plan.
type CheckoutStart struct {
	AccountID int64
	PlanCode  string
	// Quote is the price and term the reader was shown: if the plan's
	// differ now (an admin changed them meanwhile), nothing is begun and
	// the error is ErrPlanChanged. A zero quote takes the plan as it is.
	Quote Quote
	// FormKey names the checkout form the reader submitted: the same form
	// again (a double submit, Back and submit) opens the same checkout.
	FormKey string
	// Next is the page the reader returns to once paid, such as the story
	// whose paywall sent them; "" for the account page.
	Next string
}

// StartCheckout begins the payment of a plan's first term on the
// provider's page and returns where to send the reader. The provider
// sends them back to ReturnPath, where CompleteCheckout records the
// outcome. One checkout per account is open at a time: a new one replaces
// an open one the reader never paid, and an account with a subscription
// gets ErrAlreadySubscribed.
func (s *Service) StartCheckout(ctx context.Context, c CheckoutStart) (*CheckoutPage, error) {
	plan, err := s.ActivePlan(ctx, c.PlanCode)
	if err != nil {
		return nil, err
	}
	if c.FormKey == "" || len(c.FormKey) > maxFormKeyLen {
		return nil, errors.New("checkout form has no valid key; reload the page")
	}
	key := checkoutKey(c.AccountID, c.FormKey)
	if p, err := s.Store.PaymentByKey(ctx, key); err == nil {
		if p.Status == PaymentPending {
			return s.openCheckoutPage(ctx, p, plan, c.Next)
		}
		return nil, s.closedCheckout(ctx, p)
	} else if !errors.Is(err, dberr.ErrNotFound) {
		return nil, err
	}
	if c.Quote != (Quote{}) && (c.Quote.Price != plan.Price || c.Quote.TermMonths != plan.TermMonths) {
		return nil, ErrPlanChanged
	}
	if err := s.makeWayForCheckout(ctx, c.AccountID); err != nil {
		return nil, err
	}
	payment, err := s.beginCheckout(ctx, c.AccountID, key, plan)
	if err != nil {
		return nil, err
	}
	return s.openCheckoutPage(ctx, payment, plan, c.Next)
}

// closedCheckout answers a checkout form whose payment is settled: why it
// did not go through, or ErrAlreadySubscribed.
func (s *Service) closedCheckout(ctx context.Context, p *Payment) error {
	if _, err := s.checkoutOutcome(ctx, p); err != nil {
		return err
	}
	return ErrAlreadySubscribed
}

// makeWayForCheckout ends the account's subscription if it gives no access
// any more but its end has not been recorded yet, so that a new one can
// start; ErrAlreadySubscribed if it still gives access.
func (s *Service) makeWayForCheckout(ctx context.Context, accountID int64) error {
	current, err := s.Current(ctx, accountID)
	if err != nil || current == nil {
		return err
	}
	if Entitled(current, s.Now()) {
		return ErrAlreadySubscribed
	}
	// Not while its renewal is being charged, nor if it changed since it
	// was read (a renewal may have just extended it).
	err = s.Store.EndSubscription(ctx, current, s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		if current, err := s.Current(ctx, accountID); err != nil {
			return err
		} else if current != nil && Entitled(current, s.Now()) {
			return ErrAlreadySubscribed
		}
		return ErrRenewalInProgress
	}
	if errors.Is(err, dberr.ErrConflict) {
		return ErrRenewalInProgress
	}
	return err
}

// beginCheckout records the pending payment of a new checkout. An open
// checkout of the account that was never paid is released to make way for
// it (a reader who left the provider's page and chose again); one that was
// paid or declined meanwhile is settled first.
func (s *Service) beginCheckout(ctx context.Context, accountID int64, key string, plan *Plan) (*Payment, error) {
	for range 2 {
		payment, created, err := s.Store.BeginCheckout(ctx, &Payment{
			AccountID: accountID, IdempotencyKey: key, PlanID: plan.ID,
			Amount: plan.Price, Currency: plan.Currency, Gateway: s.Gateway.Name(), CreatedAt: s.Now(),
		}, plan)
		if err == nil && !created && payment.Status != PaymentPending {
			return nil, s.closedCheckout(ctx, payment)
		}
		if !errors.Is(err, dberr.ErrConflict) {
			return payment, err
		}
		if current, err := s.Current(ctx, accountID); err != nil {
			return nil, err
		} else if current != nil {
			return nil, ErrAlreadySubscribed
		}
		open, err := s.Store.PendingCheckout(ctx, accountID)
		if errors.Is(err, dberr.ErrNotFound) {
			continue // settled meanwhile
		}
		if err != nil {
			return nil, err
		}
		if err := s.releaseUnpaid(ctx, open); err != nil {
			return nil, err
		}
	}
	return nil, ErrCheckoutInProgress
}

// releaseUnpaid releases an open checkout the provider says was never
// paid; one paid or declined meanwhile is settled instead. A payment made
// on its page after all is refunded when it is heard of, as for any
// checkout that can no longer start a subscription.
func (s *Service) releaseUnpaid(ctx context.Context, p *Payment) error {
	if p.CheckoutRef == "" {
		return ErrCheckoutInProgress // a card charged by the old checkout form, still in flight
	}
	res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, p.CheckoutRef)
	if err != nil {
		return err
	}
	if found {
		plan, err := s.Store.PlanByID(ctx, p.PlanID)
		if err != nil {
			return err
		}
		if _, err := s.settleCheckout(ctx, p, plan, res); err != nil && !isReaderOutcome(err) {
			return err
		}
		return nil
	}
	// Its page may still be paid before it closes: the payment is looked
	// at again then, and a charge found is refunded.
	now := s.Now()
	return s.Store.InBillingTx(ctx, func(tx Tx) error {
		if _, err := tx.SettlePayment(ctx, p.ID, PaymentFailed, "", replaced, now); err != nil {
			return err
		}
		id := strconv.FormatInt(p.ID, 10)
		_, err := tx.EnqueueJob(ctx, SettleJob, "settle:replaced:"+id, id, p.CreatedAt.Add(CheckoutPageLifetime+CheckoutRecoveryAfter), now)
		return err
	})
}

// replaced is the failure recorded on a checkout left unpaid when the
// reader began another.
const replaced = "This checkout was replaced by a newer one and nothing was charged."

// CheckoutPageLifetime is how long a provider's checkout page takes
// payment. A checkout unpaid after it is released (see RecoverCheckout).
const CheckoutPageLifetime = time.Hour

// ReturnPath is where a provider sends the reader back from its checkout
// page, with the payment's key and the page to go on to.
const ReturnPath = "/checkout/return"

// openCheckoutPage asks the provider for the page of a pending checkout,
// the same page for the same payment, and records its reference.
func (s *Service) openCheckoutPage(ctx context.Context, p *Payment, plan *Plan, next string) (*CheckoutPage, error) {
	account, err := s.Store.AccountByID(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	back := url.Values{"key": {p.IdempotencyKey}}
	if next != "" {
		back.Set("next", next)
	}
	page, err := s.Gateway.StartCheckout(ctx, CheckoutRequest{
		Key: p.IdempotencyKey, Amount: p.Amount, Currency: p.Currency,
		Description: plan.Name + " (" + plan.TermLabel() + ")", TermMonths: plan.TermMonths,
		AccountID: p.AccountID, Email: account.Email,
		ReturnURL: s.BaseURL + ReturnPath + "?" + back.Encode(),
		CancelURL: s.BaseURL + "/subscribe/" + url.PathEscape(plan.Code),
		ExpiresAt: p.CreatedAt.Add(CheckoutPageLifetime),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	if page.Ref != p.CheckoutRef {
		if err := s.Store.SetCheckoutRef(ctx, p.ID, page.Ref); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// ErrProviderUnavailable: the payment provider could not be reached to
// open a checkout; nothing was charged.
var ErrProviderUnavailable = errors.New("the payment provider cannot be reached right now; nothing was charged: try again in a few minutes")

// CompleteCheckout records what became of a checkout the reader came back
// from: it asks the provider, and starts the subscription if the payment
// went through. It answers like a checkout: the subscription, a
// *DeclineError, ErrAlreadySubscribed, or ErrPaymentInProgress while the
// provider has no outcome yet. It is safe to run again and beside a
// webhook's or recovery's settling of the same payment.
func (s *Service) CompleteCheckout(ctx context.Context, key string) (*Subscription, *Plan, error) {
	p, err := s.Store.PaymentByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) || (err == nil && p.Purpose != PurposeCheckout) {
		return nil, nil, ErrUnknownCheckout
	}
	if err != nil {
		return nil, nil, err
	}
	plan, err := s.Store.PlanByID(ctx, p.PlanID)
	if err != nil {
		return nil, nil, err
	}
	if p.Status != PaymentPending && !releasedUnpaid(p) {
		sub, err := s.checkoutOutcome(ctx, p)
		return sub, plan, err
	}
	res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, p.CheckoutRef)
	if err != nil {
		return nil, plan, fmt.Errorf("%w: %w: %w", ErrPaymentInProgress, errLookupFailed, err)
	}
	if !found && p.Status == PaymentPending {
		return nil, plan, ErrPaymentInProgress
	}
	if found && (p.Status == PaymentPending || res.Succeeded) {
		// A payment made on a released checkout's page after all is
		// refunded by settling it.
		if sub, err := s.settleCheckout(ctx, p, plan, res); p.Status == PaymentPending || !isReaderOutcome(err) {
			return sub, plan, err
		}
	}
	latest, err := s.Store.PaymentByID(ctx, p.ID)
	if err != nil {
		return nil, plan, err
	}
	sub, err := s.checkoutOutcome(ctx, latest)
	return sub, plan, err
}

// releasedUnpaid reports whether a checkout was released as never paid
// (recovery, or a newer checkout): its page may have been paid after all.
func releasedUnpaid(p *Payment) bool {
	return p.Status == PaymentFailed && (p.Failure == released || p.Failure == replaced)
}

// errLookupFailed: the provider could not be asked about a payment.
var errLookupFailed = errors.New("the payment provider did not answer")

// ErrUnknownCheckout: no checkout has that key.
var ErrUnknownCheckout = errors.New("there is no such checkout")

// Checkout pays a plan by card on the test gateway's page in one go, as a
// reader would: open the checkout, pay on its page, come back. The demo
// seeds its subscriber with it.
func (s *Service) Checkout(ctx context.Context, accountID int64, planCode string, card Card, formKey string) (*Subscription, error) {
	return s.CheckoutAt(ctx, accountID, planCode, Quote{}, card, formKey)
}

// CheckoutAt is Checkout at the price and term the reader was shown.
func (s *Service) CheckoutAt(ctx context.Context, accountID int64, planCode string, quote Quote, card Card, formKey string) (*Subscription, error) {
	if _, err := s.StartCheckout(ctx, CheckoutStart{AccountID: accountID, PlanCode: planCode, Quote: quote, FormKey: formKey}); err != nil {
		if errors.Is(err, ErrAlreadySubscribed) {
			current, cerr := s.Current(ctx, accountID)
			if cerr != nil {
				return nil, cerr
			}
			return current, err
		}
		return nil, err
	}
	key := checkoutKey(accountID, formKey)
	if err := s.PayTestCheckout(ctx, key, card); err != nil && !errors.Is(err, ErrCheckoutClosed) {
		return nil, err
	}
	sub, _, err := s.CompleteCheckout(ctx, key)
	return sub, err
}

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

// StalePayments lists checkout and renewal payments left pending longer
// than CheckoutRecoveryAfter, for RecoverPayment: the request or job that
// began them died or lost the gateway's answer.
func (s *Service) StalePayments(ctx context.Context, limit int) ([]*Payment, error) {
	return s.Store.PendingPayments(ctx, s.Now().Add(-CheckoutRecoveryAfter), limit,
		PurposeCheckout, PurposeLegacyCheckout, PurposeRenewal)
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

// FormKeyOf is the form key a checkout payment's key was made from, for a
// page that names the checkout to its reader.
func FormKeyOf(key string) string {
	_, formKey, _ := strings.Cut(strings.TrimPrefix(key, "checkout:"), ":")
	return formKey
}

// CheckoutFailure says why the account's checkout made from formKey did
// not go through, or "" if it did, is still open, or is not the account's.
func (s *Service) CheckoutFailure(ctx context.Context, accountID int64, formKey string) string {
	if formKey == "" || len(formKey) > maxFormKeyLen {
		return ""
	}
	p, err := s.Store.PaymentByKey(ctx, checkoutKey(accountID, formKey))
	if err != nil {
		return ""
	}
	var decline *DeclineError
	if _, err := s.checkoutOutcome(ctx, p); errors.As(err, &decline) {
		return decline.Message
	}
	return ""
}

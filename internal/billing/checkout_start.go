package billing

// Beginning a checkout on the provider's page and coming back from it.

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

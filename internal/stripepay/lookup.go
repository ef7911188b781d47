package stripepay

import (
	"context"
	"fmt"
	"strings"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// Reader-facing outcomes Stripe gives no message for.
const (
	checkoutExpired = "The checkout expired before payment."
	paymentDeclined = "Your card was declined."
	paymentCanceled = "The payment was cancelled."
	// needsAuthentication: the bank wants the reader to confirm a renewal,
	// which cannot be done while they are away.
	needsAuthentication = "Your bank asked to confirm this payment, which cannot be done for an automatic renewal."
)

// Lookup asks Stripe what became of the payment under key: the checkout
// session ref when there is one, otherwise the payment intent made under
// the key, found by the key in its metadata.
func (g *Gateway) Lookup(ctx context.Context, key, ref string) (billing.ChargeResult, bool, error) {
	if ref != "" && billing.IsSetupKey(key) {
		return g.lookupSetupSession(ctx, ref)
	}
	if ref != "" {
		return g.lookupSession(ctx, ref)
	}
	return g.lookupCharge(ctx, key)
}

// lookupSession reads a checkout session with its payment intent and the
// payment method that intent saved. Only a paid session is a success, and
// only an expired one or one whose asynchronous payment failed a failure:
// while a session is open the reader may still pay, after a decline too.
func (g *Gateway) lookupSession(ctx context.Context, ref string) (billing.ChargeResult, bool, error) {
	params := &stripe.CheckoutSessionRetrieveParams{}
	params.AddExpand("payment_intent")
	params.AddExpand("payment_intent.payment_method")
	s, err := g.client.V1CheckoutSessions.Retrieve(ctx, ref, params)
	if err != nil {
		return billing.ChargeResult{}, false, fmt.Errorf("stripe: retrieving checkout session %s: %w", ref, err)
	}
	pi := s.PaymentIntent
	switch {
	case s.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid:
		if pi == nil || pi.ID == "" {
			return billing.ChargeResult{}, false, fmt.Errorf("stripe: checkout session %s is paid but names no payment intent", ref)
		}
		res := billing.ChargeResult{Succeeded: true, Reference: pi.ID, Amount: money.Paise(pi.AmountReceived)}
		if res.Amount == 0 {
			res.Amount = money.Paise(s.AmountTotal)
		}
		res.Method = savedMethod(pi, s.Customer)
		return res, true, nil
	case s.Status == stripe.CheckoutSessionStatusExpired:
		res := billing.ChargeResult{Failure: checkoutExpired}
		if pi != nil {
			res.Reference = pi.ID
		}
		return res, true, nil
	case s.Status == stripe.CheckoutSessionStatusComplete && pi != nil:
		// Complete but unpaid: an asynchronous payment still on its way,
		// or one that failed for good.
		if res, settled := intentOutcome(pi, false); settled {
			return res, true, nil
		}
	}
	return billing.ChargeResult{}, false, nil
}

// lookupCharge finds the payment intent made under key: a Charge's, or a
// checkout's whose session is not known. Stripe's search matches
// case-insensitively, so only an intent whose metadata holds exactly this
// key counts. A successful one wins over others made under the key (a
// retry after Stripe forgot the idempotency key); one still on its way
// over a failed one.
func (g *Gateway) lookupCharge(ctx context.Context, key string) (billing.ChargeResult, bool, error) {
	params := &stripe.PaymentIntentSearchParams{}
	params.Query = "metadata['" + keyField + "']:'" + searchQuote(key) + "'"
	params.Limit = stripe.Int64(10)
	params.Single = true
	params.AddExpand("data.payment_method")
	var failed *billing.ChargeResult
	pending := false
	for pi, err := range g.client.V1PaymentIntents.Search(ctx, params).All(ctx) {
		if err != nil {
			return billing.ChargeResult{}, false, fmt.Errorf("stripe: searching payment intents: %w", err)
		}
		if pi == nil || pi.Metadata[keyField] != key {
			continue
		}
		res, settled := searchedOutcome(pi)
		switch {
		case settled && res.Succeeded:
			return res, true, nil
		case settled && failed == nil:
			failed = &res
		case !settled:
			pending = true
		}
	}
	if failed != nil && !pending {
		return *failed, true, nil
	}
	return billing.ChargeResult{}, false, nil
}

// searchedOutcome reads an intent found by its key. A checkout's intent
// (the one that saves the card) has its reader on the page: a decline
// there is not the end while the page is open, and Stripe cancels the
// intent when the page expires. A paid one carries the card it saved.
func searchedOutcome(pi *stripe.PaymentIntent) (billing.ChargeResult, bool) {
	checkout := pi.SetupFutureUsage == stripe.PaymentIntentSetupFutureUsageOffSession
	res, settled := intentOutcome(pi, !checkout)
	switch {
	case !checkout:
	case res.Succeeded:
		res.Method = savedMethod(pi)
	case settled && pi.Status != stripe.PaymentIntentStatusCanceled:
		return billing.ChargeResult{}, false
	}
	return res, settled
}

// searchQuote escapes a value for a quoted string in Stripe's search
// query language.
func searchQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// intentOutcome reads a payment intent's status: settled is false while
// the payment may still go either way. An intent that waits for the
// reader's action is still open on a checkout page, but failed when it
// was an off-session charge, since nobody is there to act.
func intentOutcome(pi *stripe.PaymentIntent, offSession bool) (res billing.ChargeResult, settled bool) {
	res.Reference = pi.ID
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		res.Succeeded, res.Amount = true, money.Paise(pi.AmountReceived)
		return res, true
	case stripe.PaymentIntentStatusCanceled:
		res.Failure = paymentCanceled
		return res, true
	case stripe.PaymentIntentStatusRequiresPaymentMethod:
		// A failed attempt leaves its error; a fresh intent has none.
		if pi.LastPaymentError == nil {
			return res, false
		}
		res.Failure = declineMessage(pi.LastPaymentError)
		return res, true
	case stripe.PaymentIntentStatusRequiresAction:
		if offSession {
			res.Failure = needsAuthentication
			return res, true
		}
	}
	return res, false
}

// declineMessage is Stripe's message for a failed payment, written for the
// customer, or a plain one when it gives none.
func declineMessage(e *stripe.Error) string {
	if e != nil && e.Msg != "" {
		return e.Msg
	}
	return paymentDeclined
}

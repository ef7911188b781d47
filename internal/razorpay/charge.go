package razorpay

import (
	"context"
	"errors"
	"fmt"

	"broadsheet/internal/billing"
)

// Charge charges a saved token off-session, once per idempotency key. The
// key's order is found by receipt or created; if a payment under it was
// already captured (or declined), that is the answer and nothing more is
// charged, even when the first call's answer was lost on the way. A
// declined charge is a result, not an error; an error means the outcome
// is not known (network, Razorpay down, a payment still with the bank)
// and Lookup should be asked later.
func (g *Gateway) Charge(ctx context.Context, c billing.Charge) (billing.ChargeResult, error) {
	if err := checkKey(c.IdempotencyKey); err != nil {
		return billing.ChargeResult{}, err
	}
	customerID, tokenID, err := parseMethodToken(c.Token)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if c.Amount <= 0 {
		return billing.ChargeResult{}, fmt.Errorf("razorpay: cannot charge %d paise", c.Amount)
	}
	receipt := Receipt(c.IdempotencyKey)
	existing, err := g.c.OrdersByReceipt(ctx, receipt)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if len(existing) > 0 {
		oc, err := g.settle(ctx, existing)
		if err != nil {
			return billing.ChargeResult{}, err
		}
		if oc.found {
			return oc.result, nil
		}
	}
	capture := true
	order, err := g.orderFor(ctx, existing, OrderRequest{
		Amount: int64(c.Amount), Currency: currencyOr(c.Currency), Receipt: receipt,
		Notes: Notes{NoteKey: c.IdempotencyKey}, PaymentCapture: &capture,
	})
	if err != nil {
		return billing.ChargeResult{}, err
	}
	cust, err := g.c.FetchCustomer(ctx, customerID)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if cust.Email == "" {
		return billing.ChargeResult{}, fmt.Errorf("razorpay: customer %s has no email, which a recurring payment needs", customerID)
	}
	_, err = g.c.CreateRecurringPayment(ctx, RecurringPaymentRequest{
		Email: cust.Email, Contact: string(cust.Contact), Amount: order.Amount, Currency: order.Currency,
		OrderID: order.ID, CustomerID: customerID, Token: tokenID, Description: c.Description,
		Notes: Notes{NoteKey: c.IdempotencyKey},
	})
	var refused *Error
	if err != nil && !(errors.As(err, &refused) && refused.Refused()) {
		return billing.ChargeResult{}, err
	}
	// Read the outcome from the order rather than the answer: it also
	// covers a refusal because another call under this key paid the
	// order a moment ago.
	oc, err := g.settle(ctx, []Order{*order})
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if oc.found {
		return oc.result, nil
	}
	if refused != nil {
		// Refused before any payment was made: nothing was charged.
		return billing.ChargeResult{Reference: refused.PaymentID, Failure: refused.Description}, nil
	}
	return billing.ChargeResult{}, fmt.Errorf("%w: order %s lists no payment yet", ErrPending, order.ID)
}

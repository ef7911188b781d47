package razorpay

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// outcome is what the payments made under one key came to.
type outcome struct {
	found   bool
	result  billing.ChargeResult
	payment *Payment // the payment result is about
}

// settle reads the payments of a key's orders and says what they came
// to. A captured payment is a success (an authorized one is captured
// first); one still with the bank is ErrPending; failed ones alone are a
// decline, the latest's reason the failure; none is nothing found.
func (g *Gateway) settle(ctx context.Context, orders []Order) (outcome, error) {
	oldestFirst(orders)
	var captured, authorized, failed *Payment
	pending := false
	for _, o := range orders {
		payments, err := g.c.OrderPayments(ctx, o.ID)
		if err != nil {
			return outcome{}, err
		}
		sort.SliceStable(payments, func(i, j int) bool { return payments[i].CreatedAt < payments[j].CreatedAt })
		for i := range payments {
			p := &payments[i]
			switch p.Status {
			case PaymentCaptured, PaymentRefunded:
				if captured == nil {
					captured = p
				}
			case PaymentAuthorized:
				if authorized == nil {
					authorized = p
				}
			case PaymentFailed:
				failed = p
			default:
				pending = true
			}
		}
	}
	if captured == nil && authorized != nil {
		p, err := g.capture(ctx, authorized)
		if err != nil {
			return outcome{}, err
		}
		captured = p
	}
	switch {
	case captured != nil:
		return outcome{found: true, payment: captured, result: billing.ChargeResult{
			Succeeded: true, Reference: captured.ID, Amount: money.Paise(captured.Amount),
		}}, nil
	case pending:
		return outcome{}, ErrPending
	case failed != nil:
		reason := failed.ErrorDescription
		if reason == "" {
			reason = "The payment failed."
		}
		return outcome{found: true, payment: failed, result: billing.ChargeResult{
			Reference: failed.ID, Failure: reason, Amount: money.Paise(failed.Amount),
		}}, nil
	}
	return outcome{}, nil
}

// capture takes the money of an authorized payment. Refused, it is read
// again: another process may have captured it a moment before.
func (g *Gateway) capture(ctx context.Context, p *Payment) (*Payment, error) {
	got, err := g.c.CapturePayment(ctx, p.ID, p.Amount, p.Currency)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Refused() {
		got, err = g.c.FetchPayment(ctx, p.ID)
	}
	if err != nil {
		return nil, err
	}
	if got.Status != PaymentCaptured && got.Status != PaymentRefunded {
		return nil, fmt.Errorf("%w: payment %s is %s after its capture", ErrPending, got.ID, got.Status)
	}
	return got, nil
}

// Lookup says what became of the payment under key: for a checkout, ref
// is its order (CheckoutPage.Ref), which must be the key's; for a
// charge, the key's orders are found by receipt. A successful payment
// that registered a token carries it as the saved payment method.
func (g *Gateway) Lookup(ctx context.Context, key, ref string) (billing.ChargeResult, bool, error) {
	if err := checkKey(key); err != nil {
		return billing.ChargeResult{}, false, err
	}
	receipt := Receipt(key)
	var orders []Order
	if ref != "" {
		o, err := g.c.FetchOrder(ctx, ref)
		if err != nil {
			return billing.ChargeResult{}, false, err
		}
		if o.Receipt != receipt {
			return billing.ChargeResult{}, false, fmt.Errorf("razorpay: order %s is not the checkout of this payment", ref)
		}
		orders = []Order{*o}
	} else {
		var err error
		if orders, err = g.c.OrdersByReceipt(ctx, receipt); err != nil {
			return billing.ChargeResult{}, false, err
		}
	}
	oc, err := g.settle(ctx, orders)
	if err != nil || !oc.found {
		return billing.ChargeResult{}, false, err
	}
	if oc.result.Succeeded {
		customerID := oc.payment.CustomerID
		for _, o := range orders {
			if customerID == "" && o.ID == oc.payment.OrderID {
				customerID = o.CustomerID
			}
		}
		if oc.result.Method, err = g.savedMethod(ctx, oc.payment, customerID); err != nil {
			return billing.ChargeResult{}, false, err
		}
	}
	return oc.result, true, nil
}

// savedMethod is the payment method a payment registered for renewals,
// nil when it registered none (no token) or the bank refused the mandate.
// Its brand and last digits come from the token when Razorpay shows them.
func (g *Gateway) savedMethod(ctx context.Context, p *Payment, customerID string) (*billing.PaymentMethod, error) {
	if p.TokenID == "" || customerID == "" {
		return nil, nil
	}
	m := &billing.PaymentMethod{Gateway: g.Name(), Token: methodToken(customerID, p.TokenID)}
	tok, err := g.c.FetchToken(ctx, customerID, p.TokenID)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Refused() {
		describeCard(m, p.Card) // the token charges all the same; only its description is missing
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	switch tok.RecurringDetails.Status {
	case "rejected", "cancelled":
		return nil, nil
	}
	switch {
	case tok.Card != nil:
		describeCard(m, tok.Card)
	case tok.VPA != nil || tok.Method == "upi":
		m.Brand = "UPI"
	case tok.BankDetails != nil:
		m.Brand = "Bank account"
		if n := string(tok.BankDetails.AccountNumber); len(n) >= 4 {
			m.Last4 = n[len(n)-4:]
		}
	default:
		describeCard(m, p.Card)
	}
	return m, nil
}

func describeCard(m *billing.PaymentMethod, c *Card) {
	if c == nil {
		return
	}
	m.Brand, m.Last4 = c.Network, string(c.Last4)
	m.ExpMonth, m.ExpYear = c.ExpiryMonth.Int(), c.ExpiryYear.Int()
}

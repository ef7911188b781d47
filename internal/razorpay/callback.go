package razorpay

import (
	"fmt"
	"net/url"

	"broadsheet/internal/billing"
)

// VerifyCallback reads what the hosted checkout posted to the callback URL
// for orderID, the order this server made for the checkout (never the one
// the form names). A paid checkout posts razorpay_payment_id,
// razorpay_order_id and razorpay_signature: the signature must be the
// key secret's over orderID and the payment id, and the payment id is
// returned. A failed one posts error[…] fields and no signature: its
// description comes back as a *billing.DeclineError, for the reader only,
// since anyone could have sent it. Either way, what was paid is decided
// by Lookup, not by the callback.
func (g *Gateway) VerifyCallback(orderID string, form url.Values) (paymentID string, err error) {
	sig := form.Get("razorpay_signature")
	if sig == "" {
		if msg := form.Get("error[description]"); msg != "" {
			return "", &billing.DeclineError{Message: msg}
		}
		return "", fmt.Errorf("razorpay: callback without a signature: %w", ErrSignature)
	}
	if named := form.Get("razorpay_order_id"); named != "" && named != orderID {
		return "", fmt.Errorf("razorpay: callback is for order %q, not %q: %w", named, orderID, ErrSignature)
	}
	paymentID = form.Get("razorpay_payment_id")
	if err := g.c.VerifyPaymentSignature(orderID, paymentID, sig); err != nil {
		return "", err
	}
	return paymentID, nil
}

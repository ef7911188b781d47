package razorpay

import (
	"context"
	"errors"
	"fmt"

	"broadsheet/internal/billing"
)

// Refund gives back r.Amount (all of it when zero) of the payment r.Reference,
// or of the successful payment under r.Key when no reference is given, at
// most once per r.RefundKey. Twice over: Razorpay takes an idempotency key
// for refunds (X-Refund-Idempotency, derived from r.RefundKey), and the
// refund key is kept in the refund's notes, which are read before refunding.
func (g *Gateway) Refund(ctx context.Context, r billing.RefundRequest) (string, error) {
	if r.RefundKey == "" {
		return "", errors.New("razorpay: no refund key given")
	}
	if len(r.RefundKey) > maxNoteLen || len(r.Key) > maxNoteLen {
		return "", fmt.Errorf("razorpay: keys longer than %d bytes do not fit Razorpay's notes", maxNoteLen)
	}
	if r.Amount < 0 {
		return "", fmt.Errorf("razorpay: cannot refund %d paise", r.Amount)
	}
	paymentID := r.Reference
	switch {
	case paymentID == "":
		res, found, err := g.Lookup(ctx, r.Key, "")
		if err != nil {
			return "", err
		}
		if !found || !res.Succeeded {
			return "", fmt.Errorf("razorpay: no successful payment under %q to refund", r.Key)
		}
		paymentID = res.Reference
	case r.Key != "":
		// The reference must be the key's payment: a mix-up would give
		// back someone else's money.
		p, err := g.c.FetchPayment(ctx, paymentID)
		if err != nil {
			return "", err
		}
		o, err := g.c.FetchOrder(ctx, p.OrderID)
		if err != nil {
			return "", err
		}
		if o.Receipt != Receipt(r.Key) {
			return "", fmt.Errorf("razorpay: payment %s was not made under %q", paymentID, r.Key)
		}
	}
	refunds, err := g.c.PaymentRefunds(ctx, paymentID)
	if err != nil {
		return "", err
	}
	for _, rf := range refunds {
		if rf.Notes[NoteRefundKey] == r.RefundKey {
			return refundID(&rf)
		}
	}
	notes := Notes{NoteRefundKey: r.RefundKey}
	if r.Key != "" {
		notes[NoteKey] = r.Key
	}
	rf, err := g.c.CreateRefund(ctx, paymentID, RefundRequest{Amount: int64(r.Amount), Notes: notes}, refundIdempotencyKey(r.RefundKey))
	if err != nil {
		return "", err
	}
	return refundID(rf)
}

// refundID is a refund's id, unless Razorpay could not make it.
func refundID(rf *Refund) (string, error) {
	if rf.Status == "failed" {
		return "", fmt.Errorf("razorpay: refund %s failed", rf.ID)
	}
	return rf.ID, nil
}

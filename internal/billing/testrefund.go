package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// TestRefundPartStore keeps the test gateway's refunds in part, as a
// provider does: each under its refund key, never more in all than the
// charge.
type TestRefundPartStore interface {
	// TestRefundPart records a refund of amount of the successful charge
	// under chargeKey, under refundKey, and returns its reference; the
	// same refundKey again returns the first refund's reference.
	// ErrNotFound if there is no such successful charge (or refundKey
	// refunded another), ErrTestRefundExceeds if the charge has less left.
	TestRefundPart(ctx context.Context, chargeKey, refundKey string, amount money.Paise, ref string, now time.Time) (string, error)
	// TestRefunded is what the test gateway gave back of the charge under
	// chargeKey, in all.
	TestRefunded(ctx context.Context, chargeKey string) (money.Paise, error)
}

// ErrTestRefundExceeds: the test gateway, like a provider, refunds no more
// than is left of a charge.
var ErrTestRefundExceeds = errors.New("the refund is larger than what is left of the charge")

// refundPart gives back r.Amount of the charge under r.Key, once per
// r.RefundKey.
func (g *TestGateway) refundPart(ctx context.Context, r RefundRequest) (string, error) {
	if r.RefundKey == "" {
		return "", errors.New("test gateway: a refund in part needs a refund key")
	}
	ref, err := g.Store.TestRefundPart(ctx, r.Key, r.RefundKey, r.Amount, "re_test_"+randomHex(8), g.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return "", fmt.Errorf("test gateway: no successful charge %q to refund under %q", r.Key, r.RefundKey)
	}
	if err != nil {
		return "", fmt.Errorf("test gateway: %w", err)
	}
	return ref, nil
}

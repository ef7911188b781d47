package billing

import (
	"context"
	"fmt"
	"time"

	"broadsheet/internal/money"
)

// TestChargeRecord is one charge the test gateway recorded.
type TestChargeRecord struct {
	Key       string
	Reference string
	Amount    money.Paise
	Succeeded bool
	Refunded  money.Paise // given back, whole or in parts
	CreatedAt time.Time
}

// Payments lists the charges the test gateway recorded since the given
// time. Every one of them was made under one of our keys.
func (g *TestGateway) Payments(ctx context.Context, since time.Time) ([]ProviderPayment, error) {
	charges, err := g.Store.TestChargesSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("test gateway: %w", err)
	}
	out := make([]ProviderPayment, 0, len(charges))
	for _, c := range charges {
		p := ProviderPayment{Ref: c.Reference, Key: c.Key, Amount: c.Amount, Status: ProviderFailed, CreatedAt: c.CreatedAt}
		if c.Succeeded {
			p.Status = ProviderSucceeded
		}
		if c.Succeeded {
			p.Refunded = c.Refunded
		}
		out = append(out, p)
	}
	return out, nil
}

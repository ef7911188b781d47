package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// Gateway is a payment provider. The built-in TestGateway is the first;
// Razorpay and Stripe will sit behind the same interface.
type Gateway interface {
	Name() string
	// SaveCard tokenises a card for later charges. A card the gateway
	// refuses gives a *DeclineError.
	SaveCard(ctx context.Context, card Card) (*PaymentMethod, error)
	// Charge takes amount from a saved card. The idempotency key makes a
	// retried charge return the first one's outcome instead of charging again.
	Charge(ctx context.Context, c Charge) (ChargeResult, error)
	// Lookup asks what became of the charge made under an idempotency key,
	// for a payment whose outcome was never heard; found is false when the
	// gateway never received it.
	Lookup(ctx context.Context, key string) (res ChargeResult, found bool, err error)
	// Refund gives back the successful charge made under key and returns
	// the refund's reference. Refunding it again returns the same refund.
	Refund(ctx context.Context, key string) (string, error)
}

// Card is what a reader types at checkout. It goes to the gateway and is
// never stored.
type Card struct {
	Number   string
	ExpMonth string
	ExpYear  string
	CVC      string
}

// Charge asks a gateway for money.
type Charge struct {
	IdempotencyKey string
	Token          string
	Amount         money.Paise
	Currency       string
}

// ChargeResult is a gateway's answer.
type ChargeResult struct {
	Succeeded bool
	Reference string
	Failure   string // the decline message, for the reader
}

// DeclineError is a refusal the reader can act on (another card, a typo).
type DeclineError struct{ Message string }

func (e *DeclineError) Error() string { return e.Message }

// TestChargeStore persists the test gateway's charges so they are
// idempotent across restarts and instances, like a real gateway's.
type TestChargeStore interface {
	TestCharge(ctx context.Context, key, token string, amount money.Paise, succeeded bool, ref, failure string, now time.Time) (bool, string, string, error)
	// TestChargeByKey returns the charge recorded under key, or ErrNotFound.
	TestChargeByKey(ctx context.Context, key string) (succeeded bool, ref, failure string, err error)
	// TestRefund records a refund of the successful charge under key, once,
	// and returns the refund's reference, or ErrNotFound.
	TestRefund(ctx context.Context, key, ref string, now time.Time) (string, error)
}

// TestGateway is the built-in gateway for the demo and tests. It knows
// three cards, after the usual test numbers:
//
//	4242 4242 4242 4242  always succeeds
//	4000 0000 0000 0002  declined at checkout
//	4000 0000 0000 0341  saves, but every charge is declined (for renewals)
type TestGateway struct {
	Store TestChargeStore
	Now   func() time.Time
	// Delay, when set, is waited before and again after recording each
	// charge, as a slow network would, so that tests can stop a process
	// while a charge is in flight.
	Delay time.Duration
}

// Test card numbers.
const (
	CardSucceeds      = "4242424242424242"
	CardDeclined      = "4000000000000002"
	CardDeclinesLater = "4000000000000341"
)

// Name is "test".
func (g *TestGateway) Name() string { return "test" }

// SaveCard checks the card like a real gateway would and returns a token.
func (g *TestGateway) SaveCard(_ context.Context, c Card) (*PaymentMethod, error) {
	number := strings.NewReplacer(" ", "", "-", "").Replace(c.Number)
	if len(number) < 12 || len(number) > 19 || !allDigits(number) || !luhn(number) {
		return nil, &DeclineError{"That card number is not valid. Check it and try again."}
	}
	month, errM := strconv.Atoi(strings.TrimSpace(c.ExpMonth))
	year, errY := strconv.Atoi(strings.TrimSpace(c.ExpYear))
	if year < 100 {
		year += 2000
	}
	now := g.Now()
	if errM != nil || errY != nil || month < 1 || month > 12 ||
		year < now.Year() || (year == now.Year() && month < int(now.Month())) {
		return nil, &DeclineError{"The expiry date is missing or in the past."}
	}
	if cvc := strings.TrimSpace(c.CVC); len(cvc) < 3 || len(cvc) > 4 || !allDigits(cvc) {
		return nil, &DeclineError{"The security code (CVC) should be 3 or 4 digits."}
	}
	switch number {
	case CardSucceeds, CardDeclinesLater:
	case CardDeclined:
		return nil, &DeclineError{"Your card was declined. Try another card."}
	default:
		return nil, &DeclineError{"This is the test gateway: use card 4242 4242 4242 4242."}
	}
	return &PaymentMethod{
		Gateway: g.Name(), Token: "tok_" + number + "_" + randomHex(6),
		Brand: "Visa", Last4: number[len(number)-4:], ExpMonth: month, ExpYear: year,
	}, nil
}

// Charge succeeds for 4242… tokens and declines others, once per key.
func (g *TestGateway) Charge(ctx context.Context, c Charge) (ChargeResult, error) {
	number, _, _ := strings.Cut(strings.TrimPrefix(c.Token, "tok_"), "_")
	ok, failure := number == CardSucceeds, ""
	if !ok {
		failure = "Your card was declined."
	}
	if err := g.wait(ctx); err != nil {
		return ChargeResult{}, err
	}
	ok, ref, failure, err := g.Store.TestCharge(ctx, c.IdempotencyKey, c.Token, c.Amount, ok, "ch_test_"+randomHex(8), failure, g.Now())
	if err != nil {
		return ChargeResult{}, fmt.Errorf("test gateway: %w", err)
	}
	if err := g.wait(ctx); err != nil {
		return ChargeResult{}, err
	}
	return ChargeResult{Succeeded: ok, Reference: ref, Failure: failure}, nil
}

// Lookup reads the charge recorded under key.
func (g *TestGateway) Lookup(ctx context.Context, key string) (ChargeResult, bool, error) {
	ok, ref, failure, err := g.Store.TestChargeByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) {
		return ChargeResult{}, false, nil
	}
	if err != nil {
		return ChargeResult{}, false, fmt.Errorf("test gateway: %w", err)
	}
	return ChargeResult{Succeeded: ok, Reference: ref, Failure: failure}, true, nil
}

// Refund records the refund of the successful charge under key.
func (g *TestGateway) Refund(ctx context.Context, key string) (string, error) {
	ref, err := g.Store.TestRefund(ctx, key, "re_test_"+randomHex(8), g.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return "", fmt.Errorf("test gateway: no successful charge %q to refund", key)
	}
	if err != nil {
		return "", fmt.Errorf("test gateway: %w", err)
	}
	return ref, nil
}

func (g *TestGateway) wait(ctx context.Context) error {
	if g.Delay <= 0 {
		return nil
	}
	t := time.NewTimer(g.Delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("test gateway: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func luhn(number string) bool {
	sum := 0
	for i := range len(number) {
		d := int(number[len(number)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

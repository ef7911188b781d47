package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// Gateway is a payment provider: the built-in TestGateway, Razorpay or
// Stripe. Broadsheet's database records who may read until when; the
// provider records money moved. The reader pays the first term on the
// provider's own page (StartCheckout), which saves the payment method for
// renewals; Broadsheet then charges renewals itself (Charge), each under an
// idempotency key derived from the subscription and term, so that a retried
// or replayed renewal never charges twice.
type Gateway interface {
	Name() string
	// StartCheckout opens the provider's page where the reader pays the
	// first term of a plan and saves the payment method for renewals.
	// The same key gives the same checkout, not a second one.
	StartCheckout(ctx context.Context, c CheckoutRequest) (*CheckoutPage, error)
	// StartSetup opens the provider's page where the reader saves a new
	// payment method for renewals without paying for a term (paymethod.go).
	// The same key gives the same page. Lookup(key, CheckoutPage.Ref)
	// then answers with the method saved (Succeeded, Method), with
	// Amount and Reference set when the provider took a token amount to
	// authorise it, which billing refunds.
	StartSetup(ctx context.Context, r SetupRequest) (*CheckoutPage, error)
	// Charge takes amount from a saved payment method, off-session. The
	// idempotency key makes a retried charge return the first one's
	// outcome instead of charging again.
	Charge(ctx context.Context, c Charge) (ChargeResult, error)
	// Lookup asks what became of the payment made under an idempotency
	// key: a checkout's or a charge's. ref is the provider's id of the
	// checkout (CheckoutPage.Ref) for a checkout, "" for a charge. found
	// is false while nothing was paid or declined under it (the reader
	// has not paid yet, or the charge never reached the provider). A
	// checkout's successful result carries the payment method saved for
	// renewals.
	Lookup(ctx context.Context, key, ref string) (res ChargeResult, found bool, err error)
	// Refund gives back all or part of the successful payment made under
	// r.Key and returns the refund's reference. The same r.RefundKey again
	// returns the same refund instead of refunding twice.
	Refund(ctx context.Context, r RefundRequest) (string, error)
	// ParseWebhook verifies a webhook's signature over the raw body, in
	// constant time, and reads the event. A missing, forged or stale
	// signature gives an error wrapping ErrWebhookSignature.
	ParseWebhook(header http.Header, body []byte) (Event, error)
	// Payments lists every payment the provider recorded since the given
	// time, whatever became of it, for reconciliation (see Reconcile).
	Payments(ctx context.Context, since time.Time) ([]ProviderPayment, error)
}

// CheckoutRequest asks a provider for a checkout page for a first payment.
type CheckoutRequest struct {
	Key         string // the payment's idempotency key; Lookup finds the outcome by it
	Amount      money.Paise
	Currency    string
	Description string // the plan and its term, shown on the provider's page
	TermMonths  int    // for the mandate: renewals charge Amount every TermMonths
	AccountID   int64
	Email       string
	// ReturnURL is where the provider sends the reader back, paid or not;
	// Broadsheet then asks Lookup. CancelURL is for a reader who gives up.
	ReturnURL string
	CancelURL string
	// ExpiresAt is when the page stops taking payment, so that an
	// abandoned checkout can be released.
	ExpiresAt time.Time
}

// CheckoutPage is where the reader is sent to pay: a GET of URL, or, when
// Fields is set, a form POSTed to URL (Razorpay's hosted checkout).
type CheckoutPage struct {
	URL    string
	Fields map[string]string
	Ref    string // the provider's id of the checkout (session, order)
}

// Card is what a reader types on the test gateway's page. It goes to the
// gateway and is never stored.
type Card struct {
	Number   string
	ExpMonth string
	ExpYear  string
	CVC      string
}

// Charge asks a gateway for money from a saved payment method.
type Charge struct {
	IdempotencyKey string
	Token          string
	Amount         money.Paise
	Currency       string
	Description    string
}

// ChargeResult is a gateway's answer.
type ChargeResult struct {
	Succeeded bool
	Reference string
	Failure   string      // the decline message, for the reader
	Amount    money.Paise // what the provider took; zero when it does not say
	// Method is the payment method saved for renewals, on a checkout's
	// successful result; nil otherwise.
	Method *PaymentMethod
}

// RefundRequest asks a provider to give back money.
type RefundRequest struct {
	Key       string      // the idempotency key of the payment refunded
	Reference string      // the provider's reference of that payment
	Amount    money.Paise // zero refunds all of it
	RefundKey string      // idempotency key of this refund
}

// ErrWebhookSignature is a webhook whose signature is missing, forged or stale.
var ErrWebhookSignature = errors.New("webhook signature is missing, invalid or stale")

// Event is a provider's webhook event, read after its signature checked out.
type Event struct {
	ID   string // the provider's event id; each is acted on once
	Type string // the provider's event type, such as payment.captured
	// Key is the idempotency key of the payment the event concerns, ""
	// when it concerns none of Broadsheet's payments (or an unknown type).
	Key string
}

// DeclineError is a refusal the reader can act on (another card, a typo).
type DeclineError struct{ Message string }

func (e *DeclineError) Error() string { return e.Message }

// TestChargeStore persists the test gateway's charges so they are
// idempotent across restarts and instances, like a real gateway's.
type TestChargeStore interface {
	TestCharge(ctx context.Context, key, token string, amount money.Paise, succeeded bool, ref, failure string, now time.Time) (bool, string, string, error)
	// TestChargeByKey returns the charge recorded under key, with the
	// token it charged, or ErrNotFound.
	TestChargeByKey(ctx context.Context, key string) (succeeded bool, ref, failure, token string, err error)
	// TestRefund records a refund of the successful charge under key, once,
	// and returns the refund's reference, or ErrNotFound.
	TestRefund(ctx context.Context, key, ref string, now time.Time) (string, error)
	// TestChargesSince lists the charges recorded since the given time.
	TestChargesSince(ctx context.Context, since time.Time) ([]TestChargeRecord, error)
	TestRefundPartStore
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
func (g *TestGateway) Name() string { return testGatewayName }

const testGatewayName = "test"

// SaveCard checks the card typed on the test gateway's page like a real
// gateway would and returns a token.
func (g *TestGateway) SaveCard(_ context.Context, c Card) (*PaymentMethod, error) {
	return saveTestCard(c, g.Now())
}

func saveTestCard(c Card, now time.Time) (*PaymentMethod, error) {
	number := strings.NewReplacer(" ", "", "-", "").Replace(c.Number)
	if len(number) < 12 || len(number) > 19 || !allDigits(number) || !luhn(number) {
		return nil, &DeclineError{"That card number is not valid. Check it and try again."}
	}
	month, errM := strconv.Atoi(strings.TrimSpace(c.ExpMonth))
	year, errY := strconv.Atoi(strings.TrimSpace(c.ExpYear))
	if year < 100 {
		year += 2000
	}
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
	return testMethod(fmt.Sprintf("tok_%s_%02d%04d_%s", number, month, year, randomHex(6))), nil
}

// testMethod is the card a test token stands for: the token holds its
// number and expiry ("tok_NUMBER_MMYYYY_RANDOM").
func testMethod(token string) *PaymentMethod {
	m := &PaymentMethod{Gateway: testGatewayName, Token: token, Brand: "Visa"}
	parts := strings.Split(strings.TrimPrefix(token, "tok_"), "_")
	if number := parts[0]; len(number) >= 4 {
		m.Last4 = number[len(number)-4:]
	}
	if len(parts) == 3 && len(parts[1]) == 6 {
		m.ExpMonth, _ = strconv.Atoi(parts[1][:2])
		m.ExpYear, _ = strconv.Atoi(parts[1][2:])
	}
	return m
}

// StartCheckout sends the reader to the test gateway's own page, which
// Broadsheet serves at /pay/test/{key}: the card form that stands in for a
// provider's hosted checkout.
func (g *TestGateway) StartCheckout(_ context.Context, c CheckoutRequest) (*CheckoutPage, error) {
	return &CheckoutPage{URL: TestPayPath + url.PathEscape(c.Key) + "?" + url.Values{"return": {c.ReturnURL}}.Encode(), Ref: c.Key}, nil
}

// TestPayPath is where the test gateway's checkout page is served.
const TestPayPath = "/pay/test/"

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
func (g *TestGateway) Lookup(ctx context.Context, key, _ string) (ChargeResult, bool, error) {
	if IsSetupKey(key) {
		return g.lookupSetup(ctx, key)
	}
	ok, ref, failure, token, err := g.Store.TestChargeByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) {
		return ChargeResult{}, false, nil
	}
	if err != nil {
		return ChargeResult{}, false, fmt.Errorf("test gateway: %w", err)
	}
	res := ChargeResult{Succeeded: ok, Reference: ref, Failure: failure}
	if ok {
		res.Method = testMethod(token)
	}
	return res, true, nil
}

// Refund records the refund of the successful charge under r.Key: whole,
// or r.Amount of it once per r.RefundKey (testrefund.go).
func (g *TestGateway) Refund(ctx context.Context, r RefundRequest) (string, error) {
	if r.Amount > 0 {
		return g.refundPart(ctx, r)
	}
	ref, err := g.Store.TestRefund(ctx, r.Key, "re_test_"+randomHex(8), g.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return "", fmt.Errorf("test gateway: no successful charge %q to refund", r.Key)
	}
	if err != nil {
		return "", fmt.Errorf("test gateway: %w", err)
	}
	return ref, nil
}

// ParseWebhook refuses every webhook: the test gateway sends none.
func (g *TestGateway) ParseWebhook(http.Header, []byte) (Event, error) {
	return Event{}, fmt.Errorf("test gateway sends no webhooks: %w", ErrWebhookSignature)
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

package razorpay

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

var _ billing.Gateway = (*Gateway)(nil)

// Notes Broadsheet keeps on Razorpay's entities, so that a webhook or an
// entity found later names the payment it belongs to.
const (
	NoteKey       = "broadsheet_key"        // the payment's idempotency key
	NoteRefundKey = "broadsheet_refund_key" // a refund's idempotency key
)

// Mandate defaults.
const (
	// DefaultMandateCeiling is the most one renewal may take from a card
	// mandate without the reader authenticating it again under RBI's rules
	// (₹15,000). Asking for it rather than the price keeps renewals working
	// after a price rise below it; a dearer plan asks for its price.
	DefaultMandateCeiling money.Paise = 1500000
	// DefaultMandateYears is how long a mandate lasts; a card's own expiry
	// ends it sooner.
	DefaultMandateYears = 10
	// maxNoteLen is the longest value Razorpay keeps in notes.
	maxNoteLen = 256
)

// ErrPending is a payment Razorpay has not settled yet (created, awaiting
// the bank, or a UPI Autopay debit due a day after its pre-debit
// notification): ask again later. It is a billing.ErrChargePending:
// Razorpay has the charge, and nothing is to be charged again meanwhile.
var ErrPending error = pendingError{}

type pendingError struct{}

func (pendingError) Error() string { return "razorpay: the payment is still being processed" }

func (pendingError) Is(target error) bool { return target == billing.ErrChargePending }

// GatewayConfig sets up a Gateway.
type GatewayConfig struct {
	Client        *Client
	WebhookSecret string // signs webhooks; without it every webhook is refused
	// BusinessName is the name the hosted checkout shows the reader.
	BusinessName string
	// Method limits the checkout to one way of paying that can carry a
	// mandate ("card" by default; "upi" or "emandate" where enabled).
	Method         string
	MandateCeiling money.Paise // DefaultMandateCeiling when zero
	MandateYears   int         // DefaultMandateYears when zero
	Now            func() time.Time
}

// Gateway is billing.Gateway on Razorpay: the reader pays the first term
// on Razorpay's hosted checkout, which registers a recurring token (a
// mandate) with the customer; renewals charge that token. Every payment is
// made against an order whose receipt is derived from the payment's
// idempotency key, so that what was paid under a key can always be found
// again, and an order takes at most one captured payment.
type Gateway struct {
	c              *Client
	webhookSecret  string
	businessName   string
	method         string
	mandateCeiling money.Paise
	mandateYears   int
	now            func() time.Time
}

// NewGateway checks cfg and returns the gateway.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	if cfg.Client == nil {
		return nil, errors.New("razorpay: the gateway needs a client")
	}
	g := &Gateway{c: cfg.Client, webhookSecret: cfg.WebhookSecret, businessName: cfg.BusinessName,
		method: cfg.Method, mandateCeiling: cfg.MandateCeiling, mandateYears: cfg.MandateYears, now: cfg.Now}
	if g.businessName == "" {
		g.businessName = "Broadsheet"
	}
	if g.method == "" {
		g.method = "card"
	}
	if g.mandateCeiling <= 0 {
		g.mandateCeiling = DefaultMandateCeiling
	}
	if g.mandateYears <= 0 {
		g.mandateYears = DefaultMandateYears
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

// Name is "razorpay".
func (g *Gateway) Name() string { return "razorpay" }

// receiptPrefix marks Broadsheet's orders among others on the account.
const receiptPrefix = "bs_"

// Receipt is the order receipt of an idempotency key: "bs_" and the
// SHA-256 of the key in base32, cut to Razorpay's 40 characters. The same
// key always gives the same receipt, which is how a payment is found
// again after an answer was lost.
func Receipt(key string) string {
	sum := sha256.Sum256([]byte(key))
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
	return (receiptPrefix + enc)[:MaxReceiptLen]
}

// refundIdempotencyKey is what Razorpay gets in X-Refund-Idempotency for a
// refund key: letters and digits only, whatever the key holds.
func refundIdempotencyKey(refundKey string) string {
	sum := sha256.Sum256([]byte("refund\x00" + refundKey))
	return "bsr_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
}

// methodToken is what billing keeps as a saved payment method's token:
// the Razorpay customer and the token id, both needed to charge it.
func methodToken(customerID, tokenID string) string { return customerID + "/" + tokenID }

func parseMethodToken(s string) (customerID, tokenID string, err error) {
	customerID, tokenID, ok := strings.Cut(s, "/")
	if !ok || !strings.HasPrefix(customerID, "cust_") || !strings.HasPrefix(tokenID, "token_") || strings.Contains(tokenID, "/") {
		return "", "", fmt.Errorf("razorpay: %q is not a saved Razorpay payment method", s)
	}
	return customerID, tokenID, nil
}

func checkKey(key string) error {
	if key == "" {
		return errors.New("razorpay: no idempotency key given")
	}
	if len(key) > maxNoteLen {
		return fmt.Errorf("razorpay: idempotency key is %d bytes; Razorpay keeps notes of at most %d", len(key), maxNoteLen)
	}
	return nil
}

func currencyOr(c string) string {
	if c == "" {
		return "INR"
	}
	return c
}

// oldestFirst sorts orders by creation, then id: all callers agree on
// which of several orders with one receipt is the order of the key.
func oldestFirst(orders []Order) {
	sort.SliceStable(orders, func(i, j int) bool {
		if orders[i].CreatedAt != orders[j].CreatedAt {
			return orders[i].CreatedAt < orders[j].CreatedAt
		}
		return orders[i].ID < orders[j].ID
	})
}

// orderFor returns the order of a key: the oldest with its receipt, or a
// new one. Two callers creating at once may both create; both then take
// the oldest, so payments go against one order, which Razorpay lets be
// paid once.
func (g *Gateway) orderFor(ctx context.Context, existing []Order, req OrderRequest) (*Order, error) {
	if len(existing) == 0 {
		created, createErr := g.c.CreateOrder(ctx, req)
		var apiErr *Error
		if createErr != nil && !(errors.As(createErr, &apiErr) && apiErr.Refused()) {
			return nil, createErr
		}
		// Created, or refused perhaps because the receipt is taken:
		// either way the list now says which order is the key's.
		var err error
		if existing, err = g.c.OrdersByReceipt(ctx, req.Receipt); err != nil {
			return nil, err
		}
		if len(existing) == 0 {
			if created == nil {
				return nil, createErr
			}
			existing = []Order{*created}
		}
	}
	oldestFirst(existing)
	o := existing[0]
	if o.Amount != req.Amount || !strings.EqualFold(o.Currency, req.Currency) {
		return nil, fmt.Errorf("razorpay: order %s for this key is for %d %s, not %d %s", o.ID, o.Amount, o.Currency, req.Amount, req.Currency)
	}
	return &o, nil
}

// StartCheckout finds or creates the reader's customer and the order of
// c.Key, with a mandate for renewals, and returns the hosted checkout's
// form for Broadsheet to post from the reader's browser.
func (g *Gateway) StartCheckout(ctx context.Context, c billing.CheckoutRequest) (*billing.CheckoutPage, error) {
	if c.Amount <= 0 {
		return nil, errors.New("razorpay: a checkout needs an amount")
	}
	return g.mandatePage(ctx, c, c.Amount)
}

// mandatePage opens the hosted checkout of c.Key's order for c.Amount,
// which registers a mandate whose ceiling allows renewals of renewal.
func (g *Gateway) mandatePage(ctx context.Context, c billing.CheckoutRequest, renewal money.Paise) (*billing.CheckoutPage, error) {
	if err := checkKey(c.Key); err != nil {
		return nil, err
	}
	if c.Amount < 0 || c.Email == "" || c.ReturnURL == "" {
		return nil, errors.New("razorpay: a checkout needs an amount, the reader's email and a return URL")
	}
	currency := currencyOr(c.Currency)
	cust, err := g.c.CreateCustomer(ctx, CustomerRequest{Email: c.Email, FailExisting: "0"})
	if err != nil {
		return nil, err
	}
	receipt := Receipt(c.Key)
	existing, err := g.c.OrdersByReceipt(ctx, receipt)
	if err != nil {
		return nil, err
	}
	ceiling := g.mandateCeiling
	if renewal > ceiling {
		ceiling = renewal
	}
	capture := true
	order, err := g.orderFor(ctx, existing, OrderRequest{
		Amount: int64(c.Amount), Currency: currency, Receipt: receipt, Notes: Notes{NoteKey: c.Key},
		CustomerID: cust.ID, Method: g.method, PaymentCapture: &capture,
		Token: &MandateTerms{
			MaxAmount: int64(ceiling),
			ExpireAt:  g.now().AddDate(g.mandateYears, 0, 0).Unix(),
			// Renewals come every TermMonths, on dates billing decides.
			Frequency: "as_presented",
		},
	})
	if err != nil {
		return nil, err
	}
	customerID := order.CustomerID
	if customerID == "" {
		customerID = cust.ID
	}
	fields := map[string]string{
		"key_id":                 g.c.KeyID(),
		"order_id":               order.ID,
		"customer_id":            customerID,
		"recurring":              "1",
		"amount":                 strconv.FormatInt(order.Amount, 10),
		"currency":               order.Currency,
		"name":                   g.businessName,
		"description":            c.Description,
		"prefill[email]":         c.Email,
		"callback_url":           c.ReturnURL,
		"notes[" + NoteKey + "]": c.Key,
	}
	if c.CancelURL != "" {
		fields["cancel_url"] = c.CancelURL
	}
	return &billing.CheckoutPage{URL: g.c.BaseURL() + "/v1/checkout/embedded", Fields: fields, Ref: order.ID}, nil
}

package razorpay

import (
	"context"
	"net/http"
)

// Payment statuses. A payment is created, then authorized by the bank,
// then captured (the money is taken), or failed; a captured payment given
// back in full is refunded.
const (
	PaymentCreated    = "created"
	PaymentAuthorized = "authorized"
	PaymentCaptured   = "captured"
	PaymentRefunded   = "refunded"
	PaymentFailed     = "failed"
)

// Payment is one attempt to pay an order.
type Payment struct {
	ID               string `json:"id"`
	Entity           string `json:"entity"`
	Amount           int64  `json:"amount"`
	Currency         string `json:"currency"`
	Status           string `json:"status"`
	OrderID          string `json:"order_id"`
	Method           string `json:"method"`
	AmountRefunded   int64  `json:"amount_refunded"`
	RefundStatus     string `json:"refund_status"`
	Captured         bool   `json:"captured"`
	Description      string `json:"description"`
	CardID           string `json:"card_id"`
	Card             *Card  `json:"card"`
	Bank             string `json:"bank"`
	Wallet           string `json:"wallet"`
	VPA              string `json:"vpa"`
	Email            string `json:"email"`
	Contact          Text   `json:"contact"`
	CustomerID       string `json:"customer_id"`
	TokenID          string `json:"token_id"`
	Notes            Notes  `json:"notes"`
	ErrorCode        string `json:"error_code"`
	ErrorDescription string `json:"error_description"`
	ErrorSource      string `json:"error_source"`
	ErrorStep        string `json:"error_step"`
	ErrorReason      string `json:"error_reason"`
	CreatedAt        int64  `json:"created_at"`
}

// Card is a card as Razorpay shows it: never its number.
type Card struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Last4       Text   `json:"last4"`
	Network     string `json:"network"`
	Type        string `json:"type"`
	Issuer      string `json:"issuer"`
	ExpiryMonth Text   `json:"expiry_month"`
	ExpiryYear  Text   `json:"expiry_year"`
}

// FetchPayment reads a payment (GET /v1/payments/:id).
func (c *Client) FetchPayment(ctx context.Context, id string) (*Payment, error) {
	seg, err := segment("payment", id)
	if err != nil {
		return nil, err
	}
	var out Payment
	if err := c.call(ctx, http.MethodGet, "/v1/payments/"+seg, nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CapturePayment takes the money of an authorized payment
// (POST /v1/payments/:id/capture); amount must be the payment's.
func (c *Client) CapturePayment(ctx context.Context, id string, amount int64, currency string) (*Payment, error) {
	seg, err := segment("payment", id)
	if err != nil {
		return nil, err
	}
	body := struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	}{amount, currency}
	var out Payment
	if err := c.call(ctx, http.MethodPost, "/v1/payments/"+seg+"/capture", nil, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RecurringPaymentRequest charges a saved token against a new order.
type RecurringPaymentRequest struct {
	Email       string `json:"email"`
	Contact     string `json:"contact,omitempty"`
	Amount      int64  `json:"amount"` // the order's amount
	Currency    string `json:"currency"`
	OrderID     string `json:"order_id"`
	CustomerID  string `json:"customer_id"`
	Token       string `json:"token"` // the token's id
	Description string `json:"description,omitempty"`
	Notes       Notes  `json:"notes,omitempty"`
}

// RecurringPayment is Razorpay's answer to a recurring charge: the
// payment's id, whose status is then read like any payment's.
type RecurringPayment struct {
	PaymentID string `json:"razorpay_payment_id"`
	OrderID   string `json:"razorpay_order_id"`
	Signature string `json:"razorpay_signature"`
}

// CreateRecurringPayment charges a token off-session
// (POST /v1/payments/create/recurring). A declined charge is an *Error
// with status 400 whose PaymentID names the failed payment, when Razorpay
// made one.
func (c *Client) CreateRecurringPayment(ctx context.Context, r RecurringPaymentRequest) (*RecurringPayment, error) {
	body := struct {
		RecurringPaymentRequest
		Recurring bool `json:"recurring"`
	}{r, true}
	var out RecurringPayment
	if err := c.call(ctx, http.MethodPost, "/v1/payments/create/recurring", nil, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

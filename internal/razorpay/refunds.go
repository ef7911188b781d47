package razorpay

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
)

// Refund gives back all or part of a captured payment.
type Refund struct {
	ID        string `json:"id"`
	Entity    string `json:"entity"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	PaymentID string `json:"payment_id"`
	Notes     Notes  `json:"notes"`
	Receipt   string `json:"receipt"`
	Status    string `json:"status"` // pending, processed, failed
	CreatedAt int64  `json:"created_at"`
}

// RefundRequest asks for a refund; Amount zero refunds the whole payment.
type RefundRequest struct {
	Amount  int64  `json:"amount,omitempty"`
	Speed   string `json:"speed,omitempty"`
	Notes   Notes  `json:"notes,omitempty"`
	Receipt string `json:"receipt,omitempty"`
}

// idempotencyKeyPattern is what Razorpay takes in X-Refund-Idempotency.
var idempotencyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{10,}$`)

// CreateRefund refunds a payment (POST /v1/payments/:id/refund). With an
// idempotency key (at least 10 letters, digits, '-' or '_'), the same
// request again returns the first refund instead of a second one; the
// body must then be the same as the first time.
func (c *Client) CreateRefund(ctx context.Context, paymentID string, r RefundRequest, idempotencyKey string) (*Refund, error) {
	seg, err := segment("payment", paymentID)
	if err != nil {
		return nil, err
	}
	var header http.Header
	if idempotencyKey != "" {
		if !idempotencyKeyPattern.MatchString(idempotencyKey) {
			return nil, fmt.Errorf("razorpay: refund idempotency key %q is not 10 or more letters, digits, '-' or '_'", idempotencyKey)
		}
		header = http.Header{"X-Refund-Idempotency": {idempotencyKey}}
	}
	var out Refund
	if err := c.call(ctx, http.MethodPost, "/v1/payments/"+seg+"/refund", nil, header, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PaymentRefunds lists a payment's refunds (GET /v1/payments/:id/refunds).
func (c *Client) PaymentRefunds(ctx context.Context, paymentID string) ([]Refund, error) {
	seg, err := segment("payment", paymentID)
	if err != nil {
		return nil, err
	}
	return list[Refund](ctx, c, "/v1/payments/"+seg+"/refunds", nil)
}

package razorpay

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// MaxReceiptLen is the longest receipt Razorpay takes on an order.
const MaxReceiptLen = 40

// Order statuses: an order is paid once one of its payments is captured,
// and takes no payment after that.
const (
	OrderCreated   = "created"
	OrderAttempted = "attempted"
	OrderPaid      = "paid"
)

// Order is what a payment is made against: one order, at most one
// captured payment.
type Order struct {
	ID         string `json:"id"`
	Entity     string `json:"entity"`
	Amount     int64  `json:"amount"`
	AmountPaid int64  `json:"amount_paid"`
	AmountDue  int64  `json:"amount_due"`
	Currency   string `json:"currency"`
	Receipt    string `json:"receipt"`
	Status     string `json:"status"`
	Attempts   int    `json:"attempts"`
	Notes      Notes  `json:"notes"`
	CustomerID string `json:"customer_id"`
	Method     string `json:"method"`
	CreatedAt  int64  `json:"created_at"`
}

// MandateTerms ask, on an order, for the reader's payment to register a
// recurring token (a mandate) that later charges can use.
type MandateTerms struct {
	MaxAmount int64  `json:"max_amount"` // the most one later charge may take
	ExpireAt  int64  `json:"expire_at"`  // Unix time the token stops working
	Frequency string `json:"frequency"`  // weekly, monthly, yearly or as_presented
}

// OrderRequest creates an order. CustomerID and Token make it the
// authorisation order of a recurring mandate.
type OrderRequest struct {
	Amount         int64         `json:"amount"`
	Currency       string        `json:"currency"`
	Receipt        string        `json:"receipt,omitempty"`
	Notes          Notes         `json:"notes,omitempty"`
	CustomerID     string        `json:"customer_id,omitempty"`
	Method         string        `json:"method,omitempty"`
	Token          *MandateTerms `json:"token,omitempty"`
	PaymentCapture *bool         `json:"payment_capture,omitempty"`
}

// CreateOrder creates an order (POST /v1/orders). A receipt longer than
// Razorpay takes is refused here, before anything is sent.
func (c *Client) CreateOrder(ctx context.Context, r OrderRequest) (*Order, error) {
	if n := utf8.RuneCountInString(r.Receipt); n > MaxReceiptLen {
		return nil, fmt.Errorf("razorpay: receipt %q is %d characters; Razorpay takes at most %d", r.Receipt, n, MaxReceiptLen)
	}
	var out Order
	if err := c.call(ctx, http.MethodPost, "/v1/orders", nil, nil, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FetchOrder reads an order (GET /v1/orders/:id).
func (c *Client) FetchOrder(ctx context.Context, id string) (*Order, error) {
	seg, err := segment("order", id)
	if err != nil {
		return nil, err
	}
	var out Order
	if err := c.call(ctx, http.MethodGet, "/v1/orders/"+seg, nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OrdersByReceipt lists the orders with a receipt (GET /v1/orders?receipt=).
func (c *Client) OrdersByReceipt(ctx context.Context, receipt string) ([]Order, error) {
	if receipt == "" {
		return nil, fmt.Errorf("razorpay: no receipt given")
	}
	orders, err := list[Order](ctx, c, "/v1/orders", url.Values{"receipt": {receipt}})
	if err != nil {
		return nil, err
	}
	// The filter is Razorpay's; keep only exact matches all the same.
	out := orders[:0]
	for _, o := range orders {
		if o.Receipt == receipt {
			out = append(out, o)
		}
	}
	return out, nil
}

// OrderPayments lists an order's payments, failed ones included
// (GET /v1/orders/:id/payments).
func (c *Client) OrderPayments(ctx context.Context, orderID string) ([]Payment, error) {
	seg, err := segment("order", orderID)
	if err != nil {
		return nil, err
	}
	var out collection[Payment]
	if err := c.call(ctx, http.MethodGet, "/v1/orders/"+seg+"/payments", nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

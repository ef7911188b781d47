package razorpaytest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// notes marshal as Razorpay's do: an object, or [] when there are none.
type notes map[string]string

func (n notes) MarshalJSON() ([]byte, error) {
	if len(n) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal(map[string]string(n))
}

// check applies Razorpay's limits: 15 pairs, 256 characters a value.
func (n notes) check() error {
	if len(n) > 15 {
		return fmt.Errorf("Number of notes cannot exceed 15")
	}
	for k, v := range n {
		if utf8.RuneCountInString(v) > 256 {
			return fmt.Errorf("Note %q may not be greater than 256 characters", k)
		}
	}
	return nil
}

func (n notes) clone() notes {
	if len(n) == 0 {
		return nil
	}
	out := make(notes, len(n))
	for k, v := range n {
		out[k] = v
	}
	return out
}

type customer struct {
	ID        string  `json:"id"`
	Entity    string  `json:"entity"`
	Name      *string `json:"name"`
	Email     *string `json:"email"`
	Contact   *string `json:"contact"`
	GSTIN     *string `json:"gstin"`
	Notes     notes   `json:"notes"`
	CreatedAt int64   `json:"created_at"`
}

type mandate struct {
	MaxAmount int64  `json:"max_amount"`
	ExpireAt  int64  `json:"expire_at"`
	Frequency string `json:"frequency"`
}

type order struct {
	ID         string   `json:"id"`
	Entity     string   `json:"entity"`
	Amount     int64    `json:"amount"`
	AmountPaid int64    `json:"amount_paid"`
	AmountDue  int64    `json:"amount_due"`
	Currency   string   `json:"currency"`
	Receipt    *string  `json:"receipt"`
	OfferID    *string  `json:"offer_id"`
	Status     string   `json:"status"`
	Attempts   int      `json:"attempts"`
	Notes      notes    `json:"notes"`
	CreatedAt  int64    `json:"created_at"`
	CustomerID string   `json:"customer_id,omitempty"`
	Method     string   `json:"method,omitempty"`
	Token      *mandate `json:"-"` // asked for a mandate; not echoed
	capture    bool
}

type cardEntity struct {
	ID            string `json:"id"`
	Entity        string `json:"entity"`
	Name          string `json:"name"`
	Last4         string `json:"last4"`
	Network       string `json:"network"`
	Type          string `json:"type"`
	Issuer        any    `json:"issuer"`
	International bool   `json:"international"`
	EMI           bool   `json:"emi"`
	SubType       string `json:"sub_type"`
	ExpiryMonth   int    `json:"expiry_month"`
	ExpiryYear    int    `json:"expiry_year"`
}

type payment struct {
	ID               string            `json:"id"`
	Entity           string            `json:"entity"`
	Amount           int64             `json:"amount"`
	Currency         string            `json:"currency"`
	Status           string            `json:"status"`
	OrderID          string            `json:"order_id"`
	InvoiceID        *string           `json:"invoice_id"`
	International    bool              `json:"international"`
	Method           string            `json:"method"`
	AmountRefunded   int64             `json:"amount_refunded"`
	RefundStatus     *string           `json:"refund_status"`
	Captured         bool              `json:"captured"`
	Description      *string           `json:"description"`
	CardID           *string           `json:"card_id"`
	Bank             *string           `json:"bank"`
	Wallet           *string           `json:"wallet"`
	VPA              *string           `json:"vpa"`
	Email            string            `json:"email"`
	Contact          string            `json:"contact"`
	CustomerID       *string           `json:"customer_id"`
	TokenID          *string           `json:"token_id"`
	Notes            notes             `json:"notes"`
	Fee              *int64            `json:"fee"`
	Tax              *int64            `json:"tax"`
	ErrorCode        *string           `json:"error_code"`
	ErrorDescription *string           `json:"error_description"`
	ErrorSource      *string           `json:"error_source"`
	ErrorStep        *string           `json:"error_step"`
	ErrorReason      *string           `json:"error_reason"`
	AcquirerData     map[string]string `json:"acquirer_data"`
	CreatedAt        int64             `json:"created_at"`
	card             *cardEntity       // shown in webhooks; the API shows it only when expanded
	// A UPI Autopay debit is collected after Razorpay's pre-debit
	// notice: at debitAt, when it is captured, or failed if declineDebit.
	debitAt      int64
	declineDebit bool
}

type token struct {
	ID               string      `json:"id"`
	Entity           string      `json:"entity"`
	Token            string      `json:"token"`
	Bank             *string     `json:"bank"`
	Wallet           *string     `json:"wallet"`
	Method           string      `json:"method"`
	Card             *cardEntity `json:"card"`
	VPA              *vpa        `json:"vpa,omitempty"`
	Recurring        bool        `json:"recurring"`
	RecurringDetails struct {
		Status        string  `json:"status"`
		FailureReason *string `json:"failure_reason"`
	} `json:"recurring_details"`
	AuthType   *string `json:"auth_type"`
	MRN        *string `json:"mrn"`
	UsedAt     int64   `json:"used_at"`
	CreatedAt  int64   `json:"created_at"`
	ExpiredAt  int64   `json:"expired_at"`
	MaxAmount  int64   `json:"max_amount"`
	Notes      notes   `json:"notes"`
	DCCEnabled bool    `json:"dcc_enabled"`
	customerID string
}

// vpa is a UPI token's address, as Razorpay shows it.
type vpa struct {
	Username string  `json:"username"`
	Handle   string  `json:"handle"`
	Name     *string `json:"name"`
}

type refund struct {
	ID             string             `json:"id"`
	Entity         string             `json:"entity"`
	Amount         int64              `json:"amount"`
	Currency       string             `json:"currency"`
	PaymentID      string             `json:"payment_id"`
	Notes          notes              `json:"notes"`
	Receipt        *string            `json:"receipt"`
	AcquirerData   map[string]*string `json:"acquirer_data"`
	CreatedAt      int64              `json:"created_at"`
	BatchID        *string            `json:"batch_id"`
	Status         string             `json:"status"`
	SpeedProcessed string             `json:"speed_processed"`
	SpeedRequested string             `json:"speed_requested"`
}

type collection[T any] struct {
	Entity string `json:"entity"`
	Count  int    `json:"count"`
	Items  []T    `json:"items"`
}

func newCollection[T any](items []T) collection[T] {
	if items == nil {
		items = []T{}
	}
	return collection[T]{Entity: "collection", Count: len(items), Items: items}
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

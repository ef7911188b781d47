package razorpay

import (
	"context"
	"net/http"
)

// Token is a saved, authorised payment method: a card, a UPI mandate or a
// bank's e-mandate, which recurring payments charge.
type Token struct {
	ID               string       `json:"id"`
	Entity           string       `json:"entity"`
	Method           string       `json:"method"` // card, upi, emandate, nach
	Card             *Card        `json:"card"`
	VPA              *VPA         `json:"vpa"`
	BankDetails      *BankDetails `json:"bank_details"`
	Recurring        bool         `json:"recurring"`
	RecurringDetails struct {
		Status        string `json:"status"` // initiated, confirmed, rejected, cancelled, paused
		FailureReason string `json:"failure_reason"`
	} `json:"recurring_details"`
	MaxAmount int64 `json:"max_amount"`
	ExpiredAt int64 `json:"expired_at"`
	CreatedAt int64 `json:"created_at"`
}

// VPA is a UPI address.
type VPA struct {
	Username string `json:"username"`
	Handle   string `json:"handle"`
	Name     string `json:"name"`
}

// BankDetails is the bank account of an e-mandate.
type BankDetails struct {
	BeneficiaryName string `json:"beneficiary_name"`
	AccountNumber   Text   `json:"account_number"`
	IFSC            string `json:"ifsc"`
	AccountType     string `json:"account_type"`
}

// FetchToken reads one of a customer's tokens
// (GET /v1/customers/:customer_id/tokens/:token_id).
func (c *Client) FetchToken(ctx context.Context, customerID, tokenID string) (*Token, error) {
	cust, err := segment("customer", customerID)
	if err != nil {
		return nil, err
	}
	tok, err := segment("token", tokenID)
	if err != nil {
		return nil, err
	}
	var out Token
	if err := c.call(ctx, http.MethodGet, "/v1/customers/"+cust+"/tokens/"+tok, nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

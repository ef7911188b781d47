package razorpay

import (
	"context"
	"net/http"
)

// Customer is a Razorpay customer: recurring tokens belong to one.
type Customer struct {
	ID        string `json:"id"`
	Entity    string `json:"entity"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Contact   Text   `json:"contact"`
	Notes     Notes  `json:"notes"`
	CreatedAt int64  `json:"created_at"`
}

// CustomerRequest creates a customer.
type CustomerRequest struct {
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Contact string `json:"contact,omitempty"`
	// FailExisting "0" answers with the existing customer of the same
	// details instead of an error, so creating is also finding.
	FailExisting string `json:"fail_existing,omitempty"`
	Notes        Notes  `json:"notes,omitempty"`
}

// CreateCustomer creates a customer (POST /v1/customers), or with
// FailExisting "0" returns the one that has the same details.
func (c *Client) CreateCustomer(ctx context.Context, r CustomerRequest) (*Customer, error) {
	var out Customer
	if err := c.call(ctx, http.MethodPost, "/v1/customers", nil, nil, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FetchCustomer reads a customer (GET /v1/customers/:id).
func (c *Client) FetchCustomer(ctx context.Context, id string) (*Customer, error) {
	seg, err := segment("customer", id)
	if err != nil {
		return nil, err
	}
	var out Customer
	if err := c.call(ctx, http.MethodGet, "/v1/customers/"+seg, nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

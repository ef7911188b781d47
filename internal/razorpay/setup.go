package razorpay

import (
	"context"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
)

// Authorisation amounts of a mandate registered without paying for a term,
// as Razorpay's recurring payments documentation gives them for the
// authorisation transaction's order: ₹1 for a card (100 paise; billing
// refunds it once the token is saved), nothing for a bank's e-mandate.
const (
	cardAuthorisation     money.Paise = 100
	emandateAuthorisation money.Paise = 0
)

// StartSetup opens Razorpay's hosted checkout for an authorisation
// transaction: an order of the setup's key for the authorisation amount,
// with the customer and the mandate's terms, whose payment registers a new
// recurring token. Lookup(r.Key, order) then answers with the token as the
// saved method, and the authorisation payment as the Reference and Amount
// to refund.
func (g *Gateway) StartSetup(ctx context.Context, r billing.SetupRequest) (*billing.CheckoutPage, error) {
	amount := cardAuthorisation
	if g.method == "emandate" {
		amount = emandateAuthorisation
	}
	return g.mandatePage(ctx, billing.CheckoutRequest{
		Key: r.Key, Amount: amount, Currency: r.Currency, Description: r.Description,
		AccountID: r.AccountID, Email: r.Email, ReturnURL: r.ReturnURL, CancelURL: r.CancelURL, ExpiresAt: r.ExpiresAt,
	}, r.Amount)
}

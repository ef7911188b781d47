package billing

import (
	"time"

	"broadsheet/internal/money"
)

// ProviderPayment is one payment as the provider records it.
type ProviderPayment struct {
	Ref string // the provider's id of the payment
	// Key is the idempotency key Broadsheet gave the payment (in its
	// receipt, metadata or notes); "" for a payment that is not ours.
	Key      string
	Amount   money.Paise // what it was for; what it took once it succeeded
	Currency string      // as the provider spells it; "" when it does not say
	Status   string      // ProviderSucceeded, ProviderFailed or ProviderPending
	// Refunded is how much of a successful payment was given back.
	Refunded  money.Paise
	CreatedAt time.Time
}

// Provider payment statuses.
const (
	ProviderSucceeded = "succeeded" // the money was taken (refunded since or not)
	ProviderFailed    = "failed"
	ProviderPending   = "pending" // the bank has not settled it yet
)

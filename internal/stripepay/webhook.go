package stripepay

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"broadsheet/internal/billing"
)

// webhookTolerance is how old a signature may be: a captured webhook sent
// again later is refused, and one sent again sooner is the same event id,
// which billing acts on once.
const webhookTolerance = 5 * time.Minute

// keyedObjects are the objects whose metadata may carry a payment's key:
// the ones the gateway makes, and charges, which Stripe makes for them.
var keyedObjects = map[string]bool{
	"checkout.session": true,
	"payment_intent":   true,
	"charge":           true,
	"refund":           true,
}

// ParseWebhook checks the Stripe-Signature header over the raw body (an
// HMAC compared in constant time, at most five minutes old) and reads the
// event. Events are read whatever API version the endpoint renders them
// in: only the id, the type and the object's metadata are used.
func (g *Gateway) ParseWebhook(header http.Header, body []byte) (billing.Event, error) {
	if g.webhookSecret == "" {
		// An empty secret would make every signature easy to forge.
		return billing.Event{}, fmt.Errorf("stripe: no webhook secret is configured: %w", billing.ErrWebhookSignature)
	}
	ev, err := webhook.ConstructEventWithOptions(body, header.Get("Stripe-Signature"), g.webhookSecret,
		webhook.ConstructEventOptions{Tolerance: webhookTolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return billing.Event{}, fmt.Errorf("stripe: %w: %w", billing.ErrWebhookSignature, err)
	case err != nil:
		// Signed by Stripe, but not an event this gateway can read.
		return billing.Event{}, fmt.Errorf("stripe: reading webhook: %w", err)
	}
	out := billing.Event{ID: ev.ID, Type: string(ev.Type)}
	if ev.Data == nil {
		return out, nil
	}
	var object struct {
		Object   string            `json:"object"`
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &object); err != nil {
		return billing.Event{}, fmt.Errorf("stripe: reading webhook %s: %w", ev.ID, err)
	}
	if keyedObjects[object.Object] {
		out.Key = object.Metadata[keyField]
	}
	return out, nil
}

package razorpay

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"broadsheet/internal/billing"
)

// webhookEvents are the events that concern a payment of Broadsheet's:
// their payload names it in notes. Others are read but name no key.
var webhookEvents = map[string]bool{
	"payment.authorized": true, "payment.captured": true, "payment.failed": true,
	"order.paid":     true,
	"refund.created": true, "refund.processed": true, "refund.failed": true, "refund.speed_changed": true,
}

// maxEventIDLen bounds the event id taken from a header, which the caller
// stores to act on each event once.
const maxEventIDLen = 128

// ParseWebhook verifies X-Razorpay-Signature (the hex HMAC-SHA256 of the
// raw body keyed with the webhook secret) in constant time, then reads the
// event: its id from X-Razorpay-Event-Id (a hash of the body when absent,
// so a redelivery still has the id of the first), its type, and the key of
// the payment it concerns from the notes Broadsheet put on the payment,
// order or refund. Razorpay's signature carries no time, so a replayed
// webhook verifies: its unchanged id is what lets the caller ignore it.
func (g *Gateway) ParseWebhook(header http.Header, body []byte) (billing.Event, error) {
	sig := header.Get("X-Razorpay-Signature")
	if sig == "" {
		return billing.Event{}, fmt.Errorf("razorpay: webhook without X-Razorpay-Signature: %w", billing.ErrWebhookSignature)
	}
	if err := VerifyWebhookSignature(body, sig, g.webhookSecret); err != nil {
		return billing.Event{}, fmt.Errorf("razorpay: webhook signature does not match its body: %w", billing.ErrWebhookSignature)
	}
	var envelope struct {
		Event   string          `json:"event"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return billing.Event{}, fmt.Errorf("razorpay: webhook body is not a JSON event: %w", err)
	}
	if envelope.Event == "" {
		return billing.Event{}, errors.New("razorpay: webhook names no event")
	}
	id := header.Get("X-Razorpay-Event-Id")
	if id == "" {
		sum := sha256.Sum256(body)
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	if len(id) > maxEventIDLen {
		return billing.Event{}, fmt.Errorf("razorpay: webhook event id is %d bytes long", len(id))
	}
	ev := billing.Event{ID: id, Type: envelope.Event}
	if !webhookEvents[envelope.Event] {
		return ev, nil
	}
	type noted struct {
		Entity struct {
			Notes Notes `json:"notes"`
		} `json:"entity"`
	}
	var payload struct {
		Payment *noted `json:"payment"`
		Order   *noted `json:"order"`
		Refund  *noted `json:"refund"`
	}
	if err := json.Unmarshal(envelope.Payload, &payload); err != nil {
		return billing.Event{}, fmt.Errorf("razorpay: %s webhook payload is malformed: %w", envelope.Event, err)
	}
	// A refund's own notes first: they name the payment refunded.
	for _, e := range []*noted{payload.Refund, payload.Payment, payload.Order} {
		if e != nil && e.Entity.Notes[NoteKey] != "" {
			ev.Key = e.Entity.Notes[NoteKey]
			break
		}
	}
	return ev, nil
}

package billing

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"broadsheet/internal/dberr"
)

// ErrUnknownProvider: a webhook for a provider this site does not use.
var ErrUnknownProvider = errors.New("no such payment provider here")

// WebhookOutcome says what a webhook event did.
type WebhookOutcome struct {
	Event Event
	// Replay: the event was received before and nothing was done again.
	Replay bool
	// Queued: the payment it concerns will be settled from what the
	// provider says of it.
	Queued bool
}

// HandleWebhook acts on a provider's webhook. The signature is checked
// over the raw body first (ErrWebhookSignature). The event's id is then
// recorded in the same transaction that queues its effect, so a replay
// changes nothing. The effect is to settle the payment the event concerns
// by asking the provider, never by trusting the event's body: events that
// come twice, out of order or before the reader is back from checkout all
// end in the same state. Events about none of our payments (or of types
// we do not act on) are recorded and acknowledged.
func (s *Service) HandleWebhook(ctx context.Context, provider string, header http.Header, body []byte) (WebhookOutcome, error) {
	if provider != s.Gateway.Name() {
		return WebhookOutcome{}, ErrUnknownProvider
	}
	ev, err := s.Gateway.ParseWebhook(header, body)
	if err != nil {
		return WebhookOutcome{}, err
	}
	out := WebhookOutcome{Event: ev}
	var payment *Payment
	var setup *MethodSetup
	if IsSetupKey(ev.Key) {
		setup, err = s.Store.MethodSetupByKey(ctx, ev.Key)
		if errors.Is(err, dberr.ErrNotFound) {
			setup = nil
		} else if err != nil {
			return out, err
		}
	} else if ev.Key != "" {
		payment, err = s.Store.PaymentByKey(ctx, ev.Key)
		if errors.Is(err, dberr.ErrNotFound) {
			payment = nil
		} else if err != nil {
			return out, err
		}
	}
	now := s.Now()
	err = s.Store.InBillingTx(ctx, func(tx Tx) error {
		recorded, err := tx.RecordWebhookEvent(ctx, provider, ev, now)
		if err != nil || !recorded {
			out.Replay = !recorded
			return err
		}
		if setup != nil {
			out.Queued, err = tx.EnqueueJob(ctx, SetupJob, "setup:webhook:"+provider+":"+ev.ID, strconv.FormatInt(setup.ID, 10), now, now)
			return err
		}
		if payment == nil {
			return nil
		}
		id := strconv.FormatInt(payment.ID, 10)
		out.Queued, err = tx.EnqueueJob(ctx, SettleJob, "settle:webhook:"+provider+":"+ev.ID, id, now, now)
		return err
	})
	return out, err
}

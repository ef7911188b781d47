// Package webhooks receives payment providers' webhooks at
// POST /webhooks/{provider} and hands each, raw, to billing, which checks
// its signature and acts on it once.
package webhooks

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"broadsheet/internal/billing"
)

// MaxBody bounds a webhook's body: providers' events are a few KiB.
const MaxBody = 1 << 20

// Handler serves POST /webhooks/{provider}.
func Handler(b *billing.Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks/{provider}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			if errors.As(err, new(*http.MaxBytesError)) {
				http.Error(w, "webhook body over 1 MB", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "the body could not be read", http.StatusBadRequest)
			return
		}
		provider := r.PathValue("provider")
		out, err := b.HandleWebhook(r.Context(), provider, r.Header, body)
		switch {
		case errors.Is(err, billing.ErrUnknownProvider):
			http.NotFound(w, r)
			return
		case errors.Is(err, billing.ErrWebhookSignature):
			log.Warn("webhook refused", "provider", provider, "err", err)
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		case err != nil:
			// The provider sends it again later.
			log.Error("webhook not recorded", "provider", provider, "err", err)
			http.Error(w, "not recorded, send again", http.StatusServiceUnavailable)
			return
		}
		level := slog.LevelInfo
		if out.Event.Key == "" && !out.Replay {
			level = slog.LevelWarn // a type we do not act on, or not about our payments
		}
		log.Log(r.Context(), level, "webhook", "provider", provider, "event", out.Event.ID, "type", out.Event.Type,
			"payment", out.Event.Key, "replay", out.Replay, "queued", out.Queued)
		w.WriteHeader(http.StatusOK)
	})
	return mux
}

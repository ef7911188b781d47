// Package stripepay is the Stripe payment gateway: the first term is paid on
// a Stripe Checkout page that saves the reader's card, renewals are
// off-session PaymentIntents on that card, and Stripe's webhooks are
// verified before they are read.
package stripepay

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
)

// DefaultBaseURL is Stripe's own API.
const DefaultBaseURL = stripe.APIURL

// defaultTimeout bounds one HTTP request to Stripe when the configuration
// gives no client of its own; billing's callers bound the whole call.
const defaultTimeout = 20 * time.Second

// keyField is the metadata field that carries Broadsheet's idempotency key
// on every session, payment intent and refund the gateway makes, so that
// webhooks and lookups can name the payment they concern.
const keyField = "broadsheet_key"

// Config is what the gateway needs to reach one Stripe account.
type Config struct {
	SecretKey     string // sk_live_… or sk_test_…
	WebhookSecret string // whsec_… of the webhook endpoint
	// BaseURL is the API's address: Stripe's own when empty; tests point
	// it at stripe-mock.
	BaseURL string
	// HTTPClient makes the requests; when nil, a client with a 20-second
	// timeout.
	HTTPClient *http.Client
	// Logger receives the client library's own log lines (retries, errors);
	// when nil they are dropped, since every failure is also returned.
	Logger *slog.Logger
	// Now is the clock used to keep checkout expiry within Stripe's
	// bounds; time.Now when nil.
	Now func() time.Time
}

// Gateway is billing.Gateway over one Stripe account.
type Gateway struct {
	client        *stripe.Client
	webhookSecret string
	now           func() time.Time
}

var _ billing.Gateway = (*Gateway)(nil)

// New builds a gateway with its own client and backend, so that two
// gateways (or tests) never share the library's package-level settings.
func New(cfg Config) (*Gateway, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: no secret key")
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultTimeout}
	}
	baseURL := cfg.BaseURL
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	var logger stripe.LeveledLoggerInterface = &stripe.LeveledLogger{Level: stripe.LevelNull}
	if cfg.Logger != nil {
		logger = slogAdapter{cfg.Logger}
	}
	config := &stripe.BackendConfig{
		HTTPClient:    httpClient,
		LeveledLogger: logger,
		URL:           stripe.String(baseURL),
	}
	// Only the API backend is used; the others keep their default
	// addresses and share the client and logger.
	others := &stripe.BackendConfig{HTTPClient: httpClient, LeveledLogger: logger}
	backends := &stripe.Backends{
		API:         stripe.GetBackendWithConfig(stripe.APIBackend, config),
		Connect:     stripe.GetBackendWithConfig(stripe.ConnectBackend, others),
		Uploads:     stripe.GetBackendWithConfig(stripe.UploadsBackend, others),
		MeterEvents: stripe.GetBackendWithConfig(stripe.MeterEventsBackend, others),
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Gateway{
		client:        stripe.NewClient(cfg.SecretKey, stripe.WithBackends(backends)),
		webhookSecret: cfg.WebhookSecret,
		now:           now,
	}, nil
}

// gatewayName names the gateway on payments and saved payment methods.
const gatewayName = "stripe"

// Name is "stripe".
func (g *Gateway) Name() string { return gatewayName }

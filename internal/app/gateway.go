package app

import (
	"fmt"
	"log/slog"

	"broadsheet/internal/billing"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/store"
	"broadsheet/internal/stripepay"
)

// paymentGateway is the provider whose keys the configuration holds, or
// the built-in test gateway when it holds none.
func paymentGateway(cfg *config.Config, st *store.Store, clk clock.Clock, publication string, log *slog.Logger) (billing.Gateway, error) {
	p := cfg.Payments
	switch p.Provider {
	case "razorpay":
		client, err := razorpay.NewClient(razorpay.Config{BaseURL: p.RazorpayBaseURL, KeyID: p.RazorpayKeyID, KeySecret: p.RazorpayKeySecret})
		if err != nil {
			return nil, fmt.Errorf("razorpay: %w", err)
		}
		return razorpay.NewGateway(razorpay.GatewayConfig{Client: client, WebhookSecret: p.RazorpayWebhookSecret, BusinessName: publication,
			Method: p.RazorpayMethod, Now: clk.Now})
	case "stripe":
		return stripepay.New(stripepay.Config{SecretKey: p.StripeSecretKey, WebhookSecret: p.StripeWebhookSecret, BaseURL: p.StripeBaseURL, Logger: log, Now: clk.Now})
	}
	return &billing.TestGateway{Store: st, Now: clk.Now, Delay: cfg.TestGatewayDelay}, nil
}

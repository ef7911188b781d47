package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Payments names the payment provider and its keys
// (BROADSHEET_RAZORPAY_*, BROADSHEET_STRIPE_*). With none configured,
// checkout uses the built-in test gateway.
type Payments struct {
	Provider string // "razorpay", "stripe" or "" for the test gateway

	RazorpayKeyID         string
	RazorpayKeySecret     string
	RazorpayWebhookSecret string
	RazorpayBaseURL       string // default Razorpay's own API; tests and sandboxes point it elsewhere
	// RazorpayMethod is how readers pay on Razorpay's checkout, with a
	// mandate for renewals: "card" (the default), "upi" (UPI Autopay) or
	// "emandate", as the Razorpay account has them enabled.
	RazorpayMethod string

	StripeSecretKey     string
	StripeWebhookSecret string
	StripeBaseURL       string // default Stripe's own API
}

// paymentVars are each provider's variables, every one required once any is set.
var paymentVars = map[string][]string{
	"razorpay": {"BROADSHEET_RAZORPAY_KEY_ID", "BROADSHEET_RAZORPAY_KEY_SECRET", "BROADSHEET_RAZORPAY_WEBHOOK_SECRET"},
	"stripe":   {"BROADSHEET_STRIPE_SECRET_KEY", "BROADSHEET_STRIPE_WEBHOOK_SECRET"},
}

// paymentsFromEnv reads the provider's keys. A provider whose keys are set
// only in part, or two providers at once, is refused, naming what to fix:
// a half-configured provider would take readers to a checkout that fails.
func paymentsFromEnv() (Payments, error) {
	p := Payments{
		RazorpayKeyID:         os.Getenv("BROADSHEET_RAZORPAY_KEY_ID"),
		RazorpayKeySecret:     os.Getenv("BROADSHEET_RAZORPAY_KEY_SECRET"),
		RazorpayWebhookSecret: os.Getenv("BROADSHEET_RAZORPAY_WEBHOOK_SECRET"),
		RazorpayBaseURL:       env("BROADSHEET_RAZORPAY_BASE_URL", "https://api.razorpay.com"),
		RazorpayMethod:        env("BROADSHEET_RAZORPAY_METHOD", "card"),
		StripeSecretKey:       os.Getenv("BROADSHEET_STRIPE_SECRET_KEY"),
		StripeWebhookSecret:   os.Getenv("BROADSHEET_STRIPE_WEBHOOK_SECRET"),
		StripeBaseURL:         env("BROADSHEET_STRIPE_BASE_URL", "https://api.stripe.com"),
	}
	var chosen []string
	for _, provider := range []string{"razorpay", "stripe"} {
		var set, missing []string
		for _, name := range paymentVars[provider] {
			if strings.TrimSpace(os.Getenv(name)) == "" {
				missing = append(missing, name)
			} else {
				set = append(set, name)
			}
		}
		if len(set) == 0 {
			continue
		}
		if len(missing) > 0 {
			return p, fmt.Errorf("%s is configured only in part: %s set, %s missing", provider, strings.Join(set, ", "), strings.Join(missing, ", "))
		}
		chosen = append(chosen, provider)
	}
	if len(chosen) > 1 {
		return p, errors.New("both Razorpay and Stripe are configured: set the keys of one payment provider only")
	}
	if len(chosen) == 1 {
		p.Provider = chosen[0]
	}
	for name, raw := range map[string]string{"BROADSHEET_RAZORPAY_BASE_URL": p.RazorpayBaseURL, "BROADSHEET_STRIPE_BASE_URL": p.StripeBaseURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return p, fmt.Errorf("%s %q: want an absolute http(s) URL", name, raw)
		}
	}
	switch p.RazorpayMethod {
	case "card", "upi", "emandate":
	default:
		return p, fmt.Errorf("BROADSHEET_RAZORPAY_METHOD %q: want card, upi or emandate", p.RazorpayMethod)
	}
	p.RazorpayBaseURL = strings.TrimSuffix(p.RazorpayBaseURL, "/")
	p.StripeBaseURL = strings.TrimSuffix(p.StripeBaseURL, "/")
	return p, nil
}

// Describe says which provider takes payments, for the start-up log.
func (p Payments) Describe() string {
	switch p.Provider {
	case "razorpay":
		return "payments: Razorpay (key " + p.RazorpayKeyID + ")"
	case "stripe":
		return "payments: Stripe"
	}
	return "payments: no provider configured; checkout uses the built-in test gateway (no real money)"
}

// CheckoutOrigin is where the provider's checkout page is, which the
// checkout form may send the reader to; "" for the test gateway's, here.
func (p Payments) CheckoutOrigin() string {
	switch p.Provider {
	case "razorpay":
		return p.RazorpayBaseURL
	case "stripe":
		return "https://checkout.stripe.com"
	}
	return ""
}

package config

import (
	"strings"
	"testing"
)

// A provider configured in part, or two at once, stops the process with a
// message naming what is missing; none configured means the test gateway.
func TestPaymentsConfiguration(t *testing.T) {
	for _, c := range []struct {
		name     string
		env      map[string]string
		provider string
		err      string
	}{
		{"none", nil, "", ""},
		{"razorpay", map[string]string{"BROADSHEET_RAZORPAY_KEY_ID": "rzp_test_1", "BROADSHEET_RAZORPAY_KEY_SECRET": "s", "BROADSHEET_RAZORPAY_WEBHOOK_SECRET": "w"}, "razorpay", ""},
		{"razorpay in part", map[string]string{"BROADSHEET_RAZORPAY_KEY_ID": "rzp_test_1", "BROADSHEET_RAZORPAY_KEY_SECRET": "s"}, "", "BROADSHEET_RAZORPAY_WEBHOOK_SECRET missing"},
		{"stripe", map[string]string{"BROADSHEET_STRIPE_SECRET_KEY": "sk_test_1", "BROADSHEET_STRIPE_WEBHOOK_SECRET": "whsec_1"}, "stripe", ""},
		{"stripe in part", map[string]string{"BROADSHEET_STRIPE_WEBHOOK_SECRET": "whsec_1"}, "", "BROADSHEET_STRIPE_SECRET_KEY missing"},
		{"both", map[string]string{"BROADSHEET_STRIPE_SECRET_KEY": "sk", "BROADSHEET_STRIPE_WEBHOOK_SECRET": "wh",
			"BROADSHEET_RAZORPAY_KEY_ID": "k", "BROADSHEET_RAZORPAY_KEY_SECRET": "s", "BROADSHEET_RAZORPAY_WEBHOOK_SECRET": "w"}, "", "both Razorpay and Stripe"},
		{"bad base URL", map[string]string{"BROADSHEET_STRIPE_BASE_URL": "localhost:12111"}, "", "BROADSHEET_STRIPE_BASE_URL"},
		{"razorpay with UPI Autopay", map[string]string{"BROADSHEET_RAZORPAY_KEY_ID": "rzp_test_1", "BROADSHEET_RAZORPAY_KEY_SECRET": "s",
			"BROADSHEET_RAZORPAY_WEBHOOK_SECRET": "w", "BROADSHEET_RAZORPAY_METHOD": "upi"}, "razorpay", ""},
		{"unknown Razorpay method", map[string]string{"BROADSHEET_RAZORPAY_METHOD": "paypal"}, "", "BROADSHEET_RAZORPAY_METHOD"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, names := range paymentVars {
				for _, n := range names {
					t.Setenv(n, "")
				}
			}
			t.Setenv("BROADSHEET_RAZORPAY_METHOD", "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := Parse("serve", nil, false)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Payments.Provider != c.provider {
				t.Errorf("provider = %q, want %q", cfg.Payments.Provider, c.provider)
			}
		})
	}
}

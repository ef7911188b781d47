package stripepay_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
	"broadsheet/internal/stripepay"
)

func TestAGatewayNeedsASecretKey(t *testing.T) {
	if _, err := stripepay.New(stripepay.Config{WebhookSecret: testWebhookSecret}); err == nil {
		t.Error("a gateway without a secret key was made")
	}
}

// Each gateway has its own client, key and address: two side by side
// reach their own servers with their own keys, and the library's
// package-level key stays unset.
func TestGatewaysShareNothing(t *testing.T) {
	var keys [2]string
	var bases [2]string
	for i := range bases {
		bases[i], _ = fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/refunds": func(w http.ResponseWriter, r *http.Request) {
			keys[i] = r.Header.Get("Authorization")
			answer(http.StatusOK, `{"id":"re_`+string(rune('A'+i))+`","object":"refund"}`)(w, r)
		}})
	}
	var gateways [2]*stripepay.Gateway
	for i := range gateways {
		g, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_" + string(rune('A'+i)), BaseURL: bases[i]})
		if err != nil {
			t.Fatal(err)
		}
		gateways[i] = g
	}
	for i, g := range gateways {
		ref, err := g.Refund(context.Background(), billing.RefundRequest{Key: "k", Reference: "pi_1", RefundKey: "refund:k"})
		if err != nil || ref != "re_"+string(rune('A'+i)) {
			t.Errorf("gateway %d: Refund = %q, %v", i, ref, err)
		}
		if want := "Bearer sk_test_" + string(rune('A'+i)); keys[i] != want {
			t.Errorf("gateway %d sent %q, want %q", i, keys[i], want)
		}
	}
	if stripe.Key != "" {
		t.Errorf("the package-level key was set to %q", stripe.Key)
	}
}

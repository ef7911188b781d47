package stripepay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/billing"
)

var renewal = billing.Charge{IdempotencyKey: "renewal:7:2:1", Token: "cus_R1/pm_C1", Amount: 49900, Currency: "INR"}

func TestADeclinedChargeIsAResultForTheReader(t *testing.T) {
	for _, c := range []struct {
		name, body, wantRef, wantFailure string
	}{
		{"insufficient funds",
			`{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_Declined","object":"payment_intent","status":"requires_payment_method"}}}`,
			"pi_Declined", "Your card has insufficient funds."},
		{"authentication required",
			`{"error":{"type":"card_error","code":"authentication_required","decline_code":"authentication_required","message":"Your card was declined. This transaction requires authentication.","payment_intent":{"id":"pi_Auth","object":"payment_intent","status":"requires_payment_method"}}}`,
			"pi_Auth", "Your card was declined. This transaction requires authentication."},
		{"authentication required, no message",
			`{"error":{"type":"card_error","code":"authentication_required"}}`,
			"", "Your bank asked to confirm this payment, which cannot be done for an automatic renewal."},
		{"expired card, no message",
			`{"error":{"type":"card_error","code":"expired_card"}}`,
			"", "Your card was declined."},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, _ := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": answer(http.StatusPaymentRequired, c.body)})
			res, err := newGateway(t, base, nil).Charge(context.Background(), renewal)
			if err != nil {
				t.Fatalf("a decline gave an error: %v", err)
			}
			if res.Succeeded || res.Reference != c.wantRef || res.Failure != c.wantFailure {
				t.Errorf("result = %+v, want a decline %q with reference %q", res, c.wantFailure, c.wantRef)
			}
		})
	}
}

func TestAChargeOnAMethodStripeNoLongerHasIsADecline(t *testing.T) {
	base, _ := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": answer(http.StatusBadRequest,
		`{"error":{"type":"invalid_request_error","code":"resource_missing","param":"payment_method","message":"No such PaymentMethod: 'pm_C1'"}}`)})
	res, err := newGateway(t, base, nil).Charge(context.Background(), renewal)
	if err != nil || res.Succeeded || !strings.Contains(res.Failure, "Add a new card") {
		t.Errorf("Charge = %+v, %v; want a decline asking for a new card", res, err)
	}
}

func TestAMalformedTokenIsDeclinedWithoutAskingStripe(t *testing.T) {
	base, rec := fakeStripe(t, nil)
	g := newGateway(t, base, nil)
	for _, token := range []string{"", "tok_4242424242424242_ab12", "pm_C1", "cus_R1/", "cus_R1/pm_C1/x", "/pm_C1"} {
		c := renewal
		c.Token = token
		res, err := g.Charge(context.Background(), c)
		if err != nil || res.Succeeded || res.Failure == "" {
			t.Errorf("Charge with token %q = %+v, %v; want a decline", token, res, err)
		}
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests reached Stripe, want none", n)
	}
}

// An unknown outcome is an error, so that billing keeps the payment
// pending and asks Lookup later instead of recording a decline.
func TestAChargeWithoutAnOutcomeIsAnError(t *testing.T) {
	t.Run("Stripe fails", func(t *testing.T) {
		base, rec := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": answer(http.StatusInternalServerError,
			`{"error":{"type":"api_error","message":"An unknown error occurred"}}`)})
		res, err := newGateway(t, base, nil).Charge(context.Background(), renewal)
		if err == nil {
			t.Fatalf("a 500 gave %+v and no error", res)
		}
		if r := rec.only(t); r.IdempotencyKey != renewal.IdempotencyKey {
			t.Errorf("sent under key %q, want %q", r.IdempotencyKey, renewal.IdempotencyKey)
		}
	})
	t.Run("Stripe cannot be reached", func(t *testing.T) {
		g := newGateway(t, closedServerURL(t), nil)
		if res, err := g.Charge(context.Background(), renewal); err == nil {
			t.Errorf("an unreachable Stripe gave %+v and no error", res)
		}
	})
	t.Run("the payment is processing", func(t *testing.T) {
		base, _ := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": answer(http.StatusOK,
			`{"id":"pi_Slow","object":"payment_intent","status":"processing","amount":49900}`)})
		if res, err := newGateway(t, base, nil).Charge(context.Background(), renewal); err == nil {
			t.Errorf("a processing payment gave %+v and no error", res)
		}
	})
	t.Run("the API key is refused", func(t *testing.T) {
		base, _ := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": answer(http.StatusUnauthorized,
			`{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_***123"}}`)})
		if res, err := newGateway(t, base, nil).Charge(context.Background(), renewal); err == nil {
			t.Errorf("a refused key gave %+v and no error", res)
		}
	})
}

// The client sends a request again when the connection is lost; the
// retry must be the same request under the same key, or Stripe would
// charge twice.
func TestARetryAfterALostConnectionIsTheSameCharge(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	base, rec := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			return
		}
		answer(http.StatusOK, `{"id":"pi_1","object":"payment_intent","status":"succeeded","amount":49900,"amount_received":49900}`)(w, r)
	}})
	res, err := newGateway(t, base, nil).Charge(context.Background(), renewal)
	if err != nil || !res.Succeeded || res.Reference != "pi_1" {
		t.Fatalf("Charge = %+v, %v; want the retry's success", res, err)
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the first and its retry", len(reqs))
	}
	if reqs[0].IdempotencyKey != renewal.IdempotencyKey || reqs[1].IdempotencyKey != renewal.IdempotencyKey ||
		reqs[0].Form.Encode() != reqs[1].Form.Encode() {
		t.Errorf("the retry differs from the first request: %+v", reqs)
	}
}

// idempotentStripe answers payment intents as Stripe does under an
// idempotency key: the first request with a key is carried out, and any
// later one with the same key gets the first one's answer.
type idempotentStripe struct {
	mu      sync.Mutex
	made    int
	answers map[string]string
	status  map[string]int
	outcome func(n int) (int, string) // the answer to the nth request carried out
}

func (s *idempotentStripe) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.Header.Get("Idempotency-Key")
	body, ok := s.answers[key]
	status := s.status[key]
	if !ok || key == "" {
		s.made++
		status, body = s.outcome(s.made)
		s.answers[key], s.status[key] = body, status
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if ok {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(status)
	w.Write([]byte(body))
}

func TestAReplayedChargeChargesOnce(t *testing.T) {
	stripe := &idempotentStripe{answers: map[string]string{}, status: map[string]int{}, outcome: func(n int) (int, string) {
		if n == 2 {
			return http.StatusPaymentRequired, `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined.","payment_intent":{"id":"pi_2","object":"payment_intent"}}}`
		}
		return http.StatusOK, `{"id":"pi_` + strconv.Itoa(n) + `","object":"payment_intent","status":"succeeded","amount":49900,"amount_received":49900}`
	}}
	base, _ := fakeStripe(t, map[string]http.HandlerFunc{"POST /v1/payment_intents": stripe.handle})
	g := newGateway(t, base, nil)

	first, err := g.Charge(context.Background(), renewal)
	if err != nil || !first.Succeeded || first.Reference != "pi_1" || first.Amount != 49900 {
		t.Fatalf("first charge = %+v, %v", first, err)
	}
	again, err := g.Charge(context.Background(), renewal)
	if err != nil || again != first {
		t.Errorf("the replayed charge = %+v, %v; want the first one's %+v", again, err, first)
	}
	if stripe.made != 1 {
		t.Errorf("Stripe carried out %d charges for one key, want 1", stripe.made)
	}

	// Another attempt has its own key and is charged; its decline, sent
	// again, is the same decline.
	next := renewal
	next.IdempotencyKey = "renewal:7:2:2"
	declined, err := g.Charge(context.Background(), next)
	if err != nil || declined.Succeeded || declined.Reference != "pi_2" {
		t.Fatalf("second attempt = %+v, %v; want a decline", declined, err)
	}
	if again, err := g.Charge(context.Background(), next); err != nil || again != declined {
		t.Errorf("the replayed decline = %+v, %v; want %+v", again, err, declined)
	}
	if stripe.made != 2 {
		t.Errorf("Stripe carried out %d charges for two keys, want 2", stripe.made)
	}
}

// closedServerURL is a loopback address where nothing listens any more.
func closedServerURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

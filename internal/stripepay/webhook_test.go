package stripepay_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"broadsheet/internal/billing"
	"broadsheet/internal/stripepay"
)

// event is a webhook body of type typ about an object with metadata.
func event(id, typ, object, metadata string) []byte {
	return []byte(`{"id":"` + id + `","object":"event","api_version":"2026-03-25.dahlia","created":1767225600,"livemode":false,"pending_webhooks":1,` +
		`"type":"` + typ + `","data":{"object":{"id":"obj_1","object":"` + object + `","metadata":` + metadata + `}}}`)
}

// signed is the Stripe-Signature header Stripe would send for body.
func signed(body []byte, secret string, at time.Time) http.Header {
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	return http.Header{"Stripe-Signature": {p.Header}}
}

func TestASignedWebhookGivesItsEvent(t *testing.T) {
	g := newGateway(t, "http://127.0.0.1:1", nil) // webhooks make no request
	const key = `{"broadsheet_key":"checkout:42:k"}`
	for _, c := range []struct {
		typ, object, metadata, wantKey string
	}{
		{"checkout.session.completed", "checkout.session", key, "checkout:42:k"},
		{"checkout.session.async_payment_succeeded", "checkout.session", key, "checkout:42:k"},
		{"checkout.session.async_payment_failed", "checkout.session", key, "checkout:42:k"},
		{"checkout.session.expired", "checkout.session", key, "checkout:42:k"},
		{"payment_intent.succeeded", "payment_intent", key, "checkout:42:k"},
		{"payment_intent.payment_failed", "payment_intent", key, "checkout:42:k"},
		{"charge.refunded", "charge", key, "checkout:42:k"},
		{"refund.created", "refund", key, "checkout:42:k"},
		// Not one of Broadsheet's payments.
		{"checkout.session.completed", "checkout.session", `{}`, ""},
		{"charge.refunded", "charge", `{"order":"77"}`, ""},
		// Unknown types and other objects carry no key, whatever their
		// metadata says.
		{"customer.created", "customer", key, ""},
		{"invoice.paid", "invoice", key, ""},
		{"v1.billing.meter.error_report_triggered", "billing.meter", `null`, ""},
	} {
		body := event("evt_1", c.typ, c.object, c.metadata)
		ev, err := g.ParseWebhook(signed(body, testWebhookSecret, time.Now()), body)
		if err != nil {
			t.Errorf("%s: %v", c.typ, err)
			continue
		}
		if want := (billing.Event{ID: "evt_1", Type: c.typ, Key: c.wantKey}); ev != want {
			t.Errorf("%s about a %s with metadata %s = %+v, want %+v", c.typ, c.object, c.metadata, ev, want)
		}
	}
}

// An endpoint set to another API version than the library's is still read:
// only the id, the type and the metadata are used.
func TestAWebhookOfAnotherAPIVersionIsRead(t *testing.T) {
	g := newGateway(t, "http://127.0.0.1:1", nil)
	body := bytes.Replace(event("evt_2", "payment_intent.succeeded", "payment_intent", `{"broadsheet_key":"renewal:7:2:1"}`),
		[]byte("2026-03-25.dahlia"), []byte("2019-12-03"), 1)
	ev, err := g.ParseWebhook(signed(body, testWebhookSecret, time.Now()), body)
	if err != nil || ev.Key != "renewal:7:2:1" {
		t.Errorf("ParseWebhook = %+v, %v", ev, err)
	}
}

func TestAnUnsignedOrForgedWebhookIsRefused(t *testing.T) {
	g := newGateway(t, "http://127.0.0.1:1", nil)
	body := event("evt_3", "checkout.session.completed", "checkout.session", `{"broadsheet_key":"checkout:42:k"}`)
	now := time.Now()
	good := signed(body, testWebhookSecret, now).Get("Stripe-Signature")
	for _, c := range []struct {
		name   string
		header http.Header
		body   []byte
	}{
		{"no header", http.Header{}, body},
		{"an empty header", http.Header{"Stripe-Signature": {""}}, body},
		{"signed with another secret", signed(body, "whsec_guessed", now), body},
		{"six minutes old", signed(body, testWebhookSecret, now.Add(-6*time.Minute)), body},
		{"changed after signing", signed(body, testWebhookSecret, now), bytes.Replace(body, []byte("checkout:42:k"), []byte("checkout:43:k"), 1)},
		{"its timestamp changed", http.Header{"Stripe-Signature": {strings.Replace(good, "t=", "t=1", 1)}}, body},
		{"a signature that is not hex", http.Header{"Stripe-Signature": {"t=" + good[2:strings.Index(good, ",")] + ",v1=zz"}}, body},
		{"only an old scheme's signature", http.Header{"Stripe-Signature": {strings.Replace(good, "v1=", "v0=", 1)}}, body},
		{"garbage", http.Header{"Stripe-Signature": {"hello"}}, body},
	} {
		ev, err := g.ParseWebhook(c.header, c.body)
		if !errors.Is(err, billing.ErrWebhookSignature) {
			t.Errorf("%s: ParseWebhook = %+v, %v; want ErrWebhookSignature", c.name, ev, err)
		}
	}
}

// A webhook captured and sent again is refused once its signature is
// stale; sooner, it is the same event, which billing acts on once.
func TestAReplayedWebhookIsTheSameEventOrRefused(t *testing.T) {
	g := newGateway(t, "http://127.0.0.1:1", nil)
	body := event("evt_4", "payment_intent.succeeded", "payment_intent", `{"broadsheet_key":"renewal:7:2:1"}`)
	header := signed(body, testWebhookSecret, time.Now().Add(-4*time.Minute))
	first, err := g.ParseWebhook(header, body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := g.ParseWebhook(header, body)
	if err != nil || again != first {
		t.Errorf("the replay = %+v, %v; want the same event %+v", again, err, first)
	}
	stale := signed(body, testWebhookSecret, time.Now().Add(-5*time.Minute-time.Second))
	if _, err := g.ParseWebhook(stale, body); !errors.Is(err, billing.ErrWebhookSignature) {
		t.Errorf("a replay past five minutes: %v, want ErrWebhookSignature", err)
	}
}

// Without a configured secret every webhook is refused: an empty HMAC key
// would let anyone sign.
func TestNoWebhookSecretRefusesEveryWebhook(t *testing.T) {
	g, err := stripepay.New(stripepay.Config{SecretKey: testSecretKey, BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	body := event("evt_5", "checkout.session.completed", "checkout.session", `{"broadsheet_key":"checkout:42:k"}`)
	if _, err := g.ParseWebhook(signed(body, "", time.Now()), body); !errors.Is(err, billing.ErrWebhookSignature) {
		t.Errorf("a webhook signed with the empty secret: %v, want ErrWebhookSignature", err)
	}
}

// A body Stripe signed that is no event this gateway reads is an error,
// but not a signature's: it came from Stripe.
func TestASignedBodyThatIsNoEventIsAnotherError(t *testing.T) {
	g := newGateway(t, "http://127.0.0.1:1", nil)
	for _, body := range [][]byte{[]byte("not json"), []byte(`{"id":"evt_6","object":"v2.core.event","type":"v1.billing.meter.no_meter_found"}`)} {
		_, err := g.ParseWebhook(signed(body, testWebhookSecret, time.Now()), body)
		if err == nil || errors.Is(err, billing.ErrWebhookSignature) {
			t.Errorf("%s: %v, want an error other than ErrWebhookSignature", body, err)
		}
	}
}

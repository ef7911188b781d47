package razorpay_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/razorpay"
)

func TestWebhooksNameThePaymentsKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := "checkout:7:webhooks"
	_, sub := e.subscribe(t, key)
	refundID, err := e.gw.Refund(ctx, billing.RefundRequest{Key: key, Reference: sub.Reference, RefundKey: "refund:" + key})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.FailNextRecurring(1)
	declined, err := e.gw.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:1:2:1", Token: sub.Method.Token, Amount: price})
	if err != nil || declined.Succeeded {
		t.Fatal(declined, err)
	}
	renewed, err := e.gw.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:1:2:2", Token: sub.Method.Token, Amount: price})
	if err != nil || !renewed.Succeeded {
		t.Fatal(renewed, err)
	}
	for _, tc := range []struct{ event, id, key string }{
		{"payment.captured", sub.Reference, key},
		{"order.paid", sub.Reference, key},
		{"refund.processed", refundID, key},
		{"payment.failed", declined.Reference, "renewal:1:2:1"},
		{"payment.captured", renewed.Reference, "renewal:1:2:2"},
	} {
		header, body, err := e.fake.Webhook(tc.event, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := e.gw.ParseWebhook(header, body)
		if err != nil {
			t.Fatalf("%s: %v", tc.event, err)
		}
		if ev.Type != tc.event || ev.Key != tc.key || ev.ID == "" || ev.ID != header.Get("X-Razorpay-Event-Id") {
			t.Fatalf("%s: event %+v, want key %q", tc.event, ev, tc.key)
		}
	}
}

func TestWebhookSignatureIsChecked(t *testing.T) {
	e := newEnv(t)
	key := "checkout:7:signed"
	_, sub := e.subscribe(t, key)
	header, body, err := e.fake.Webhook("payment.captured", sub.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.gw.ParseWebhook(header, body); err != nil {
		t.Fatalf("genuine webhook refused: %v", err)
	}
	with := func(name, value string) http.Header {
		h := header.Clone()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	changed := bytes.Replace(body, []byte(`"status":"captured"`), []byte(`"status":"captured" `), 1)
	other := bytes.Replace(body, []byte(key), []byte("checkout:8:someone-else"), 1)
	for name, tc := range map[string]struct {
		header http.Header
		body   []byte
	}{
		"missing":                 {with("X-Razorpay-Signature", ""), body},
		"forged with another key": {with("X-Razorpay-Signature", hmacHex("not-the-secret", body)), body},
		"signed with the API key": {with("X-Razorpay-Signature", hmacHex(keySecret, body)), body},
		"not hex":                 {with("X-Razorpay-Signature", "sha256="+hmacHex(webhookSecret, body)), body},
		"body changed by a space": {header, changed},
		"body naming another key": {header, other},
		"truncated body":          {header, body[:len(body)-1]},
	} {
		if len(tc.body) == len(body) && bytes.Equal(tc.body, body) && tc.header.Get("X-Razorpay-Signature") == header.Get("X-Razorpay-Signature") {
			t.Fatalf("%s: the case changes nothing", name)
		}
		ev, err := e.gw.ParseWebhook(tc.header, tc.body)
		if !errors.Is(err, billing.ErrWebhookSignature) || ev != (billing.Event{}) {
			t.Errorf("%s: %+v, %v; want ErrWebhookSignature", name, ev, err)
		}
	}

	// A gateway without a webhook secret trusts no webhook, even one
	// signed with the empty key.
	client, _ := razorpay.NewClient(razorpay.Config{BaseURL: e.url, KeyID: keyID, KeySecret: keySecret})
	bare, _ := razorpay.NewGateway(razorpay.GatewayConfig{Client: client})
	if _, err := bare.ParseWebhook(with("X-Razorpay-Signature", hmacHex("", body)), body); !errors.Is(err, billing.ErrWebhookSignature) {
		t.Fatalf("no secret: %v", err)
	}
}

func TestAReplayedWebhookKeepsItsID(t *testing.T) {
	e := newEnv(t)
	_, sub := e.subscribe(t, "checkout:7:replayed")
	header, body, err := e.fake.Webhook("payment.captured", sub.Reference)
	if err != nil {
		t.Fatal(err)
	}
	first, err1 := e.gw.ParseWebhook(header, body)
	second, err2 := e.gw.ParseWebhook(header.Clone(), bytes.Clone(body))
	if err1 != nil || err2 != nil || first != second {
		t.Fatalf("replay: %+v, %v / %+v, %v", first, err1, second, err2)
	}
	// Without Razorpay's event id, the id is the body's hash: the same for
	// a redelivery, different for another event.
	header.Del("X-Razorpay-Event-Id")
	a, _ := e.gw.ParseWebhook(header, body)
	b, _ := e.gw.ParseWebhook(header, body)
	h2, body2, _ := e.fake.Webhook("order.paid", sub.Reference)
	h2.Del("X-Razorpay-Event-Id")
	c, _ := e.gw.ParseWebhook(h2, body2)
	if !strings.HasPrefix(a.ID, "sha256:") || a.ID != b.ID || a.ID == c.ID {
		t.Fatalf("ids %q, %q, %q", a.ID, b.ID, c.ID)
	}
}

func TestWebhookOfAnUnknownTypeOrMalformedBody(t *testing.T) {
	e := newEnv(t)
	unknown := []byte(`{"entity":"event","event":"settlement.processed","contains":["settlement"],"payload":{"settlement":{"entity":{"id":"setl_1","notes":{"broadsheet_key":"checkout:7:x"}}}},"created_at":1}`)
	ev, err := e.gw.ParseWebhook(e.fake.SignWebhook(unknown), unknown)
	if err != nil || ev.Type != "settlement.processed" || ev.Key != "" || ev.ID == "" {
		t.Fatalf("unknown type: %+v, %v", ev, err)
	}
	for name, body := range map[string][]byte{
		"not JSON":          []byte(`{"event":"payment.captured",`),
		"no event":          []byte(`{"entity":"event","payload":{}}`),
		"payload malformed": []byte(`{"event":"payment.captured","payload":{"payment":{"entity":{"notes":"x"}}}}`),
		"a list":            []byte(`[]`),
	} {
		ev, err := e.gw.ParseWebhook(e.fake.SignWebhook(body), body)
		if err == nil || errors.Is(err, billing.ErrWebhookSignature) {
			t.Errorf("%s: %+v, %v; want an error about the body", name, ev, err)
		}
	}
	// A hostile event id is refused rather than stored.
	h := e.fake.SignWebhook(unknown)
	h.Set("X-Razorpay-Event-Id", strings.Repeat("x", 10000))
	if _, err := e.gw.ParseWebhook(h, unknown); err == nil {
		t.Fatal("a 10,000-byte event id was taken")
	}
}

func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

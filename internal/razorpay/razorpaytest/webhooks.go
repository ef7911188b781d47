package razorpaytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Webhook makes the webhook Razorpay would send for event about one of the
// fake's entities, signed with the webhook secret: id names a payment for
// payment.* and order.paid events, a refund for refund.* events. The body
// has Razorpay's documented shape ({entity: "event", event, contains,
// payload: {payment: {entity}, …}, created_at}).
func (s *Server) Webhook(event, id string) (http.Header, []byte, error) {
	s.mu.Lock()
	s.collectDebits()
	payload := map[string]any{}
	var contains []string
	var err error
	switch {
	case strings.HasPrefix(event, "payment."):
		p, ok := s.payments[id]
		if !ok {
			err = fmt.Errorf("razorpaytest: no payment %s", id)
			break
		}
		payload["payment"] = map[string]any{"entity": withCard(p)}
		contains = []string{"payment"}
	case event == "order.paid":
		p, ok := s.payments[id]
		if !ok {
			err = fmt.Errorf("razorpaytest: no payment %s", id)
			break
		}
		payload["payment"] = map[string]any{"entity": withCard(p)}
		payload["order"] = map[string]any{"entity": s.orders[p.OrderID]}
		contains = []string{"payment", "order"}
	case strings.HasPrefix(event, "refund."):
		rf, ok := s.refunds[id]
		if !ok {
			err = fmt.Errorf("razorpaytest: no refund %s", id)
			break
		}
		payload["refund"] = map[string]any{"entity": rf}
		payload["payment"] = map[string]any{"entity": withCard(s.payments[rf.PaymentID])}
		contains = []string{"refund", "payment"}
	default:
		err = fmt.Errorf("razorpaytest: no sample for event %q", event)
	}
	eventID := s.newID("evt")
	now := s.now().Unix()
	s.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(map[string]any{
		"entity": "event", "account_id": "acc_FakeRzpAccount", "event": event,
		"contains": contains, "payload": payload, "created_at": now,
	})
	if err != nil {
		return nil, nil, err
	}
	h := s.SignWebhook(body)
	h.Set("X-Razorpay-Event-Id", eventID)
	return h, body, nil
}

// SignWebhook returns the headers Razorpay sends with a webhook body: its
// signature (hex HMAC-SHA256 of the body with the webhook secret) and the
// content type. Tests use it to sign bodies of their own making.
func (s *Server) SignWebhook(body []byte) http.Header {
	m := hmac.New(sha256.New, []byte(s.webhookSecret))
	m.Write(body)
	return http.Header{
		"Content-Type":         {"application/json"},
		"X-Razorpay-Signature": {hex.EncodeToString(m.Sum(nil))},
	}
}

// withCard is a payment as a webhook shows it: with its card.
func withCard(p *payment) map[string]any {
	b, _ := json.Marshal(p)
	var m map[string]any
	json.Unmarshal(b, &m)
	if p.card != nil {
		m["card"] = p.card
	}
	return m
}

package razorpay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// sign is written out here, apart from the code under test, so that a
// mistake in one is not repeated in the other.
func sign(secret, message string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(message))
	return hex.EncodeToString(m.Sum(nil))
}

func TestPaymentSignature(t *testing.T) {
	c, err := NewClient(Config{KeyID: "rzp_test_key", KeySecret: "key-secret"})
	if err != nil {
		t.Fatal(err)
	}
	good := sign("key-secret", "order_A|pay_B")
	if err := c.VerifyPaymentSignature("order_A", "pay_B", good); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	if err := c.VerifyPaymentSignature("order_A", "pay_B", strings.ToUpper(good)); err != nil {
		t.Fatalf("upper-case hex refused: %v", err)
	}
	for name, tc := range map[string]struct{ order, payment, sig string }{
		"missing":                 {"order_A", "pay_B", ""},
		"not hex":                 {"order_A", "pay_B", strings.Repeat("zz", 32)},
		"truncated":               {"order_A", "pay_B", good[:62]},
		"one digit changed":       {"order_A", "pay_B", flip(good)},
		"another order's":         {"order_Z", "pay_B", good},
		"another payment's":       {"order_A", "pay_C", good},
		"signed with webhook key": {"order_A", "pay_B", sign("webhook-secret", "order_A|pay_B")},
		"no separator":            {"order_A", "pay_B", sign("key-secret", "order_Apay_B")},
		"no order":                {"", "pay_B", sign("key-secret", "|pay_B")},
	} {
		if err := c.VerifyPaymentSignature(tc.order, tc.payment, tc.sig); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
}

func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"event":"payment.captured"}`)
	good := sign("wh-secret", string(body))
	if err := VerifyWebhookSignature(body, good, "wh-secret"); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	if err := VerifyWebhookSignature(body, good, ""); !errors.Is(err, ErrSignature) {
		t.Fatal("an empty webhook secret verified a signature")
	}
	if err := VerifyWebhookSignature(body, sign("", string(body)), ""); !errors.Is(err, ErrSignature) {
		t.Fatal("a signature made with the empty key verified")
	}
	if err := VerifyWebhookSignature([]byte(`{"event":"payment.captured" }`), good, "wh-secret"); !errors.Is(err, ErrSignature) {
		t.Fatal("a changed body verified")
	}
}

func flip(sig string) string {
	b := []byte(sig)
	if b[0] == '0' {
		b[0] = '1'
	} else {
		b[0] = '0'
	}
	return string(b)
}

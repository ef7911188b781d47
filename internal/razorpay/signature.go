package razorpay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// ErrSignature is a signature that is missing or does not match.
var ErrSignature = errors.New("razorpay: signature missing or invalid")

// VerifyWebhookSignature checks X-Razorpay-Signature: the hex HMAC-SHA256
// of the raw request body keyed with the webhook secret. The comparison
// takes the same time however much of the signature matches.
func VerifyWebhookSignature(body []byte, signature, webhookSecret string) error {
	return verifyHMAC(webhookSecret, body, signature)
}

// VerifyPaymentSignature checks the razorpay_signature Razorpay's checkout
// posts to the callback URL after a payment: the hex HMAC-SHA256 of
// "order_id|payment_id" keyed with the API key secret. orderID must be the
// order this server created, never the one the callback names, so that a
// payment of another order cannot be passed off as this one's.
func (c *Client) VerifyPaymentSignature(orderID, paymentID, signature string) error {
	if orderID == "" || paymentID == "" {
		return ErrSignature
	}
	return verifyHMAC(c.keySecret, []byte(orderID+"|"+paymentID), signature)
}

func verifyHMAC(secret string, message []byte, signature string) error {
	if secret == "" {
		// An empty key signs nothing anyone could not sign.
		return ErrSignature
	}
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return ErrSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(message)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignature
	}
	return nil
}

package billing

import (
	"crypto/rand"
	"encoding/base64"
)

// formKeyBytes is the randomness of a checkout form's key.
const formKeyBytes = 16

// maxFormKeyLen bounds the form keys Checkout takes (pages send only keys
// of NewFormKey; the seed and tools name theirs), so an idempotency key
// always fits its index.
const maxFormKeyLen = 64

// NewFormKey names one rendering of the checkout form. Submitting the same
// form twice (a double click, a reload) carries the same key, and Checkout
// charges once per key.
func NewFormKey() string {
	b := make([]byte, formKeyBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidFormKey reports whether key is one NewFormKey could have made; any
// other value (empty, overlong, foreign characters) is a form to refuse.
func ValidFormKey(key string) bool {
	b, err := base64.RawURLEncoding.DecodeString(key)
	return err == nil && len(b) == formKeyBytes
}

package accounts

import (
	"errors"
	"strings"
	"testing"
)

// Addresses longer than the 254 bytes mail allows are refused as input,
// before anything reaches the database (whose indexes cannot hold them).
func TestNormalizeEmailCapsTheLength(t *testing.T) {
	domain := "@example.com"
	longest := strings.Repeat("a", maxEmailBytes-len(domain)) + domain
	if got, err := NormalizeEmail(longest); err != nil || got != longest {
		t.Errorf("an address of %d bytes: %q, %v", len(longest), got, err)
	}
	for _, email := range []string{"b" + longest, strings.Repeat("a", 8000) + domain} {
		var bad *InputError
		if _, err := NormalizeEmail(email); !errors.As(err, &bad) || len(bad.Message) > 200 {
			t.Errorf("an address of %d bytes: %v, want a short InputError", len(email), err)
		}
	}
}

package config

import (
	"fmt"
	"strings"
)

// MakeSecret is how the messages tell an operator to make a secret.
const MakeSecret = "openssl rand -hex 32"

// CheckSecret refuses a cookie secret with less than 32 bytes of
// randomness. Its characters are counted by the alphabet it is written in:
// 64 hex digits, 43 base64 characters, or 32 characters of anything else.
func CheckSecret(secret string) error {
	kind, want := "characters", 32
	switch {
	case onlyOf(secret, "0123456789abcdefABCDEF"):
		kind, want = "hex digits", 64
	case onlyOf(strings.TrimRight(secret, "="), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"):
		kind, want = "base64 characters", 43
	}
	if n := len(strings.TrimRight(secret, "=")); n < want {
		return fmt.Errorf("BROADSHEET_SECRET is too weak: %d %s, and it needs at least %d (32 random bytes); make one with `%s`",
			n, kind, want, MakeSecret)
	}
	// A long value of few characters ("000…", a word repeated) is long but
	// not random; 32 random bytes in any of the alphabets above use many.
	if n := distinct(secret); n < minDistinctSecretChars {
		return fmt.Errorf("BROADSHEET_SECRET is too weak: it uses only %d different characters, which no random key does; make one with `%s`",
			n, MakeSecret)
	}
	return nil
}

// minDistinctSecretChars is fewer than a random key of 64 hex digits uses
// but for a chance of about one in ten million.
const minDistinctSecretChars = 12

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

func onlyOf(s, alphabet string) bool {
	for _, r := range s {
		if !strings.ContainsRune(alphabet, r) {
			return false
		}
	}
	return true
}

package accounts

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
)

// tokenLength is how long a NewToken is: 32 bytes in unpadded base64.
const tokenLength = 43

// NewToken returns a random URL-safe secret of 32 bytes.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how secrets are stored: only their SHA-256, so a copy of the
// database signs no one in.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Sign-in codes have eight digits: with the guess limits, a day of
// guessing one address finds its code with a chance of one in ten million.
const (
	codeDigits = 8
	codeSpace  = 100_000_000
)

var codeRE = regexp.MustCompile(fmt.Sprintf(`^[0-9]{%d}$`, codeDigits))

// NewCode returns a random eight-digit code for typing instead of a link.
func NewCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(codeSpace))
	return fmt.Sprintf("%0*d", codeDigits, n.Int64())
}

// newSalt returns the random per-link key a code is hashed with.
func newSalt() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hashCode is how codes are stored: an HMAC-SHA256 keyed by the link's
// own salt, so equal codes of two links hash apart and a table of the
// hundred million codes' hashes opens no link.
func hashCode(salt, code string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// codeMatches compares a typed code with a stored hash in constant time.
func codeMatches(salt, hash, code string) bool {
	return hmac.Equal([]byte(hashCode(salt, code)), []byte(hash))
}

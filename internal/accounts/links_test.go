package accounts

import (
	"strings"
	"testing"
)

func TestCodesAreEightDigitsHashedWithTheirLinksSalt(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := NewCode()
		if !codeRE.MatchString(c) {
			t.Fatalf("code %q is not %d digits", c, codeDigits)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Errorf("200 codes, only %d distinct", len(seen))
	}
	code := NewCode()
	a, b := newSalt(), newSalt()
	if a == b || hashCode(a, code) == hashCode(b, code) {
		t.Error("one code hashes alike under two links' salts")
	}
	if hashCode(a, code) == HashToken(code) || strings.Contains(hashCode(a, code), code) {
		t.Error("a code's hash is its plain SHA-256 or contains it")
	}
	if !codeMatches(a, hashCode(a, code), code) || codeMatches(a, hashCode(a, code), "00000000") && code != "00000000" {
		t.Error("codeMatches does not tell the right code from a wrong one")
	}
	if codeMatches(b, hashCode(a, code), code) || codeMatches(a, "", code) {
		t.Error("a code matches under another salt or an empty hash")
	}
}

func TestHideSecretsMasksTokensAndCodes(t *testing.T) {
	token, code := NewToken(), NewCode()
	body := "Open this link: https://news.example/login/link/" + token + "\n\nOr type this 8-digit code on the sign-in page: " + code +
		"\n\nPlan: Smart Essential, ₹499 for 30 days, card ending 4242, paid 15 Nov 2026. Story: /article/rbi-holds-rates-steady-for-the-fourth-time-in-a-row"
	got := HideSecrets(body)
	if strings.Contains(got, token) || strings.Contains(got, code) || strings.Count(got, HiddenSecret) != 2 {
		t.Errorf("secrets not hidden:\n%s", got)
	}
	for _, keep := range []string{"https://news.example/login/link/", "₹499", "4242", "15 Nov 2026", "rbi-holds-rates-steady-for-the-fourth-time-in-a-row"} {
		if !strings.Contains(got, keep) {
			t.Errorf("HideSecrets removed %q:\n%s", keep, got)
		}
	}
}

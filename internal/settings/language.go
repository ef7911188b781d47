package settings

import (
	"fmt"
	"strings"
)

// ParseLanguage checks a page language: a short BCP 47 tag, a language of
// two or three letters, then optionally a script of four letters and a
// region of two letters or three digits (en, hi, en-IN, pa-Guru-IN,
// es-419). It returns the tag in the case the standard recommends.
func ParseLanguage(tag string) (string, error) {
	bad := fmt.Errorf("%q is not a language tag such as en, hi or en-IN", tag)
	parts := strings.Split(strings.TrimSpace(tag), "-")
	if len(parts) > 3 || !letters(parts[0], 2, 3) {
		return "", bad
	}
	out := []string{strings.ToLower(parts[0])}
	rest := parts[1:]
	if len(rest) > 0 && letters(rest[0], 4, 4) {
		out = append(out, strings.ToUpper(rest[0][:1])+strings.ToLower(rest[0][1:]))
		rest = rest[1:]
	}
	if len(rest) > 0 {
		switch region := rest[0]; {
		case letters(region, 2, 2):
			out = append(out, strings.ToUpper(region))
		case digits(region, 3):
			out = append(out, region)
		default:
			return "", bad
		}
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return "", bad
	}
	return strings.Join(out, "-"), nil
}

func letters(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Package money formats amounts held as integers of the smallest currency unit.
// Amounts are never floating point: a rupee is 100 paise.
package money

import (
	"fmt"
	"strconv"
	"strings"
)

// Paise is an amount in Indian paise (1/100 of a rupee).
type Paise int64

// Rupees returns the whole-rupee part of the amount.
func (p Paise) Rupees() int64 { return int64(p) / 100 }

// String formats the amount as rupees with Indian digit grouping: ₹2,700,
// ₹1,00,000, and paise only when there are any (₹9.50).
func (p Paise) String() string {
	neg := p < 0
	if neg {
		p = -p
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString("₹")
	b.WriteString(GroupIndian(int64(p) / 100))
	if frac := int64(p) % 100; frac != 0 {
		b.WriteByte('.')
		if frac < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(frac, 10))
	}
	return b.String()
}

// GroupIndian writes a non-negative whole number with Indian grouping: the
// last three digits, then groups of two (12,34,567).
func GroupIndian(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	head, tail := s[:len(s)-3], s[len(s)-3:]
	var parts []string
	for len(head) > 2 {
		parts = append([]string{head[len(head)-2:]}, parts...)
		head = head[:len(head)-2]
	}
	parts = append([]string{head}, parts...)
	return strings.Join(parts, ",") + "," + tail
}

// ParseRupees reads an amount of rupees as a person types it: digits,
// grouped by commas or not, and at most two digits of paise after a
// point, with or without a leading ₹ ("2,700", "2700", "₹2,700.50",
// "1,00,000"). A sign, an exponent or anything else is refused. The
// caller checks the range.
func ParseRupees(s string) (Paise, error) {
	bad := fmt.Errorf("%q is not an amount in rupees such as 2,700 or 2700.50", s)
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimPrefix(t, "₹"))
	whole, frac, hasFrac := strings.Cut(t, ".")
	if whole == "" || strings.HasPrefix(whole, ",") || strings.HasSuffix(whole, ",") || strings.Contains(whole, ",,") {
		return 0, bad
	}
	whole = strings.ReplaceAll(whole, ",", "")
	if hasFrac && (len(frac) < 1 || len(frac) > 2) {
		return 0, bad
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, bad
			}
		}
	}
	// Eleven digits of rupees fit an int64 of paise many times over;
	// more is no price.
	if len(strings.TrimLeft(whole, "0")) > 11 {
		return 0, bad
	}
	rupees, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, bad
	}
	var paise int64
	if frac != "" {
		if len(frac) == 1 {
			frac += "0"
		}
		paise, _ = strconv.ParseInt(frac, 10, 64)
	}
	return Paise(rupees*100 + paise), nil
}

// Plain formats the amount as a person would type it back into a form:
// grouped, without the ₹ sign (2,700 or 2,700.50).
func (p Paise) Plain() string {
	return strings.Replace(p.String(), "₹", "", 1)
}

// Package money formats amounts held as integers of the smallest currency unit.
// Amounts are never floating point: a rupee is 100 paise.
package money

import (
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

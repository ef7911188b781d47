package billing

import (
	"testing"
	"time"
)

func TestAddMonths(t *testing.T) {
	ist, _ := time.LoadLocation("Asia/Kolkata")
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, ist) }
	cases := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"31 Jan + 1 in a common year", at(2027, 1, 31, 10), 1, at(2027, 2, 28, 10)},
		{"31 Jan + 1 in a leap year", at(2028, 1, 31, 10), 1, at(2028, 2, 29, 10)},
		{"31 Jan + 2 is 31 Mar, not 28 Mar", at(2027, 1, 31, 10), 2, at(2027, 3, 31, 10)},
		{"31 Mar + 1 is 30 Apr", at(2027, 3, 31, 10), 1, at(2027, 4, 30, 10)},
		{"a quarter", at(2026, 11, 29, 10), 3, at(2027, 2, 28, 10)},
		{"a year from 29 Feb", at(2028, 2, 29, 10), 12, at(2029, 2, 28, 10)},
		{"two years", at(2026, 11, 15, 10), 24, at(2028, 11, 15, 10)},
		{"early morning IST stays on the IST date", at(2027, 1, 31, 2), 1, at(2027, 2, 28, 2)},
	}
	for _, c := range cases {
		if got := AddMonths(c.from, c.n, ist); !got.Equal(c.want) {
			t.Errorf("%s: got %s, want %s", c.name, got.In(ist), c.want)
		}
	}
}

func TestPlanDisplay(t *testing.T) {
	cases := []struct {
		plan         Plan
		term, perMon string
	}{
		{Plan{Price: 90000, TermMonths: 3}, "3 Months", "₹300"},
		{Plan{Price: 270000, TermMonths: 12}, "1 Year", "₹225"},
		{Plan{Price: 390000, TermMonths: 24}, "2 Years", "₹162"},
		{Plan{Price: 9900, TermMonths: 1}, "1 Month", "₹99"},
	}
	for _, c := range cases {
		if got := c.plan.TermLabel(); got != c.term {
			t.Errorf("TermLabel(%d) = %q, want %q", c.plan.TermMonths, got, c.term)
		}
		if got := c.plan.MonthlyPrice().String(); got != c.perMon {
			t.Errorf("MonthlyPrice(%v/%d) = %q, want %q", c.plan.Price, c.plan.TermMonths, got, c.perMon)
		}
	}
}

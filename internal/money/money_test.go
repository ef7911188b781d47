package money

import "testing"

func TestPaiseString(t *testing.T) {
	cases := []struct {
		in   Paise
		want string
	}{
		{0, "₹0"},
		{90000, "₹900"},
		{270000, "₹2,700"},
		{390000, "₹3,900"},
		{10000000, "₹1,00,000"},
		{1234567800, "₹1,23,45,678"},
		{950, "₹9.50"},
		{905, "₹9.05"},
		{-270000, "-₹2,700"},
	}
	for _, c := range cases {
		if got := c.in.String(); got != c.want {
			t.Errorf("Paise(%d).String() = %q, want %q", c.in, got, c.want)
		}
	}
}

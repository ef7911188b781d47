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

func TestParseRupees(t *testing.T) {
	for in, want := range map[string]Paise{
		"2,700": 270000, "2700": 270000, "2700.50": 270050, "2700.5": 270050, " ₹2,700 ": 270000,
		"₹ 900": 90000, "1,00,000": 10000000, "100,000": 10000000, "0.05": 5, "007": 700, "0": 0,
	} {
		if got, err := ParseRupees(in); err != nil || got != want {
			t.Errorf("ParseRupees(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5", "+5", "1e9", "2700.505", "2700.", ".50", ",2700", "2700,", "2,,700",
		"2 700", "27OO", "Rs 900", "१२००", "99999999999999", "0x10", "2700.5.0"} {
		if got, err := ParseRupees(in); err == nil {
			t.Errorf("ParseRupees(%q) = %d, want an error", in, got)
		}
	}
	if got := Paise(270050).Plain(); got != "2,700.50" {
		t.Errorf("Plain = %q", got)
	}
}

package gst

import (
	"strings"
	"testing"
	"time"

	"broadsheet/internal/money"
)

func TestCheckGSTIN(t *testing.T) {
	for _, good := range []string{
		"27AAPFU0939F1ZV", // the GST portal's sample (Maharashtra)
		"29AAGCB7383J1Z4", // Karnataka
		"07AAACI1681G1ZR", // Delhi
		"38AAACI1681G1ZM", // Ladakh, the newest code
	} {
		if err := CheckGSTIN(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for gstin, reason := range map[string]string{
		"27AAPFU0939F1ZW":  "check character",    // the sample, last character changed
		"27AAPFU0939F1VZ":  "check character",    // two characters swapped
		"29AAPFU0939F1ZV":  "check character",    // another state, same rest: the check catches it
		"99AAPFU0939F1ZV":  "state's code",       // no such state
		"25AAPFU0939F1ZV":  "state's code",       // a code no longer issued
		"27AAPFU0939F1Z":   "15 characters",      // short
		"27AAPFU0939F1ZVV": "15 characters",      // long
		"27aapfu0939f1zv":  "digits and capital", // not normalized
		"27AAPFU0939F1Z-":  "digits and capital", // punctuation
		"":                 "15 characters",      // empty
		"27AAPFU0939F1ZÉ":  "digits and capital", // 15 characters, one not ASCII
	} {
		err := CheckGSTIN(gstin)
		if err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("%q: error %v, want one saying %q", gstin, err, reason)
		}
	}
	if got := NormalizeGSTIN("  27aapfu0939f1zv "); CheckGSTIN(got) != nil {
		t.Errorf("normalized %q does not pass", got)
	}
}

// Every state code is two digits and appears once, and the list is the 28
// states and 8 union territories.
func TestStates(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range States {
		if len(s.Code) != 2 || s.Code[0] < '0' || s.Code[0] > '9' || s.Code[1] < '0' || s.Code[1] > '9' || seen[s.Code] {
			t.Errorf("bad or repeated code %q (%s)", s.Code, s.Name)
		}
		seen[s.Code] = true
	}
	if len(States) != 36 {
		t.Errorf("%d states and union territories, want 36", len(States))
	}
	if StateName("27") != "Maharashtra" || StateName("29") != "Karnataka" || StateName("00") != "" {
		t.Error("StateName does not find states by code")
	}
}

func TestFinancialYear(t *testing.T) {
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2027, 3, 31, 23, 59, 59, 0, ist), ist, "2026-27"},
		{time.Date(2027, 4, 1, 0, 0, 0, 0, ist), ist, "2027-28"},
		// 1 April 00:00 IST is still 31 March in UTC: the publication's
		// zone decides.
		{time.Date(2027, 4, 1, 0, 0, 0, 0, ist), time.UTC, "2026-27"},
		{time.Date(2026, 11, 15, 10, 0, 0, 0, ist), ist, "2026-27"},
		{time.Date(2099, 6, 1, 0, 0, 0, 0, ist), ist, "2099-00"},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, ist), ist, "2026-27"},
	} {
		if got := FinancialYearLabel(FinancialYear(c.at, c.loc)); got != c.want {
			t.Errorf("%s in %s: %s, want %s", c.at, c.loc, got, c.want)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		name  string
		total money.Paise
		rate  int
		intra bool
		want  Breakdown
	}{
		{"round figure within the state", 11800, 18, true, Breakdown{Taxable: 10000, CGST: 900, SGST: 900}},
		{"round figure to another state", 11800, 18, false, Breakdown{Taxable: 10000, IGST: 1800}},
		// 2,70,000 × 100 / 118 = 2,28,813.56: rounded up.
		{"₹2,700 within", 270000, 18, true, Breakdown{Taxable: 228814, CGST: 20593, SGST: 20593}},
		{"₹2,700 across", 270000, 18, false, Breakdown{Taxable: 228814, IGST: 41186}},
		// 99,900 × 100 / 118 = 84,661.02: rounded down; the tax, 15,239,
		// is odd, so SGST takes the paisa CGST leaves.
		{"₹999: odd tax", 99900, 18, true, Breakdown{Taxable: 84661, CGST: 7619, SGST: 7620}},
		{"₹999 across", 99900, 18, false, Breakdown{Taxable: 84661, IGST: 15239}},
		// 59 × 100 / 118 = 50 exactly; 177 × 100 / 118 = 150.
		{"exact half", 59, 18, true, Breakdown{Taxable: 50, CGST: 4, SGST: 5}},
		{"one paisa", 1, 18, true, Breakdown{Taxable: 1}},
		// 1,000.01 × 100 / 118 = 847.466…: 84,747 paise.
		{"odd paise in the total", 100001, 18, true, Breakdown{Taxable: 84747, CGST: 7627, SGST: 7627}},
		// Half a paisa rounds up: 0.59 × 100 / 118 = 0.5.
		{"half a paisa", 59, 18, false, Breakdown{Taxable: 50, IGST: 9}},
		{"zero", 0, 18, true, Breakdown{}},
		{"5 %", 10500, 5, true, Breakdown{Taxable: 10000, CGST: 250, SGST: 250}},
		{"nil rate", 90000, 0, true, Breakdown{Taxable: 90000}},
		{"a lakh", 10000000, 18, true, Breakdown{Taxable: 8474576, CGST: 762712, SGST: 762712}},
	} {
		got := Split(c.total, c.rate, c.intra)
		if got != c.want {
			t.Errorf("%s: Split(%d, %d, %v) = %+v, want %+v", c.name, c.total, c.rate, c.intra, got, c.want)
		}
		if got.Taxable+got.Tax() != c.total {
			t.Errorf("%s: parts add up to %d, not %d", c.name, got.Taxable+got.Tax(), c.total)
		}
	}
}

func TestIntraState(t *testing.T) {
	p := Profile{State: "27"}
	if !p.IntraState("27") || !p.IntraState("") || p.IntraState("29") {
		t.Error("a reader in the publisher's state, or in none, is within it; in another, not")
	}
}

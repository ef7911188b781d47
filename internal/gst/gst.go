// Package gst holds the rules of India's Goods and Services Tax that a
// publication's invoices follow: the states and union territories with
// their GST codes, GSTIN validation, the financial year, and how a
// tax-inclusive price splits into taxable value and tax.
package gst

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/money"
)

// State is a state or union territory and its two-digit GST state code,
// which is also the first two digits of every GSTIN registered there.
type State struct {
	Code string
	Name string
}

// States are India's states and union territories, by name. Codes no
// longer issued (25, Daman and Diu before its merger; 28, Andhra Pradesh
// before its division) are left out.
var States = []State{
	{"35", "Andaman and Nicobar Islands"},
	{"37", "Andhra Pradesh"},
	{"12", "Arunachal Pradesh"},
	{"18", "Assam"},
	{"10", "Bihar"},
	{"04", "Chandigarh"},
	{"22", "Chhattisgarh"},
	{"26", "Dadra and Nagar Haveli and Daman and Diu"},
	{"07", "Delhi"},
	{"30", "Goa"},
	{"24", "Gujarat"},
	{"06", "Haryana"},
	{"02", "Himachal Pradesh"},
	{"01", "Jammu and Kashmir"},
	{"20", "Jharkhand"},
	{"29", "Karnataka"},
	{"32", "Kerala"},
	{"38", "Ladakh"},
	{"31", "Lakshadweep"},
	{"23", "Madhya Pradesh"},
	{"27", "Maharashtra"},
	{"14", "Manipur"},
	{"17", "Meghalaya"},
	{"15", "Mizoram"},
	{"13", "Nagaland"},
	{"21", "Odisha"},
	{"34", "Puducherry"},
	{"03", "Punjab"},
	{"08", "Rajasthan"},
	{"11", "Sikkim"},
	{"33", "Tamil Nadu"},
	{"36", "Telangana"},
	{"16", "Tripura"},
	{"09", "Uttar Pradesh"},
	{"05", "Uttarakhand"},
	{"19", "West Bengal"},
}

// StateByCode finds a state by its GST code.
func StateByCode(code string) (State, bool) {
	for _, s := range States {
		if s.Code == code {
			return s, true
		}
	}
	return State{}, false
}

// StateName names the state of a code, or returns "" for none.
func StateName(code string) string {
	s, _ := StateByCode(code)
	return s.Name
}

// gstinAlphabet is the order of characters the check character is
// computed over.
const gstinAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// NormalizeGSTIN trims a GSTIN as typed and puts it in capitals.
func NormalizeGSTIN(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CheckGSTIN checks a GSTIN as written (see NormalizeGSTIN): 15 digits and
// capital letters, the first two a state's code, the last the check
// character of the other fourteen.
func CheckGSTIN(gstin string) error {
	if n := utf8.RuneCountInString(gstin); n != 15 {
		return fmt.Errorf("a GSTIN has 15 characters, not %d", n)
	}
	for _, c := range gstin {
		if !strings.ContainsRune(gstinAlphabet, c) {
			return fmt.Errorf("a GSTIN has only digits and capital letters, not %q", c)
		}
	}
	if _, ok := StateByCode(gstin[:2]); !ok {
		return fmt.Errorf("a GSTIN starts with a state's code, and %q is none", gstin[:2])
	}
	if want := checkChar(gstin[:14]); gstin[14] != want {
		return fmt.Errorf("%s is not a valid GSTIN: its check character is wrong (mistyped?)", gstin)
	}
	return nil
}

// checkChar is the GSTIN check character of the first fourteen
// characters: a Luhn mod 36 sum, every second character from the right
// doubled.
func checkChar(body string) byte {
	sum := 0
	for i := range len(body) {
		v := strings.IndexByte(gstinAlphabet, body[i])
		if i%2 == 1 {
			v *= 2
		}
		sum += v/36 + v%36
	}
	return gstinAlphabet[(36-sum%36)%36]
}

// FinancialYear is the start year of the Indian financial year (April to
// March) that t falls in, counted in loc.
func FinancialYear(t time.Time, loc *time.Location) int {
	local := t.In(loc)
	if local.Month() < time.April {
		return local.Year() - 1
	}
	return local.Year()
}

// FinancialYearLabel writes a financial year as invoices number it: 2026-27.
func FinancialYearLabel(start int) string {
	return fmt.Sprintf("%d-%02d", start, (start+1)%100)
}

// Breakdown is a tax-inclusive amount split into its taxable value and its
// tax: CGST and SGST for a supply within the supplier's state, IGST for one
// to another state.
type Breakdown struct {
	Taxable money.Paise
	CGST    money.Paise
	SGST    money.Paise
	IGST    money.Paise
}

// Tax is the whole tax.
func (b Breakdown) Tax() money.Paise { return b.CGST + b.SGST + b.IGST }

// Split divides a non-negative tax-inclusive total at ratePercent:
// taxable = round(total × 100 / (100 + rate)), half a paisa up; the tax is
// the rest, so the parts always add up to the total. Within a state, CGST
// is half the tax rounded down and SGST the rest.
func Split(total money.Paise, ratePercent int, intraState bool) Breakdown {
	num, den := int64(total)*100, int64(100+ratePercent)
	taxable := money.Paise((2*num + den) / (2 * den))
	tax := total - taxable
	if !intraState {
		return Breakdown{Taxable: taxable, IGST: tax}
	}
	cgst := tax / 2
	return Breakdown{Taxable: taxable, CGST: cgst, SGST: tax - cgst}
}

// Profile is the publisher's tax profile, as an admin sets it: who issues
// the invoices, the service's SAC code and the GST rate.
type Profile struct {
	LegalName   string
	Address     string // may span lines
	GSTIN       string // "" while unregistered
	State       string // GST state code; "" while unset
	SAC         string
	RatePercent int
}

// IntraState reports whether a supply to a recipient in state is within
// the publisher's state. A reader who gave no state is taken to be in the
// publisher's state: an unregistered reader's place of supply is where the
// supplier is, unless they say otherwise.
func (p Profile) IntraState(recipientState string) bool {
	return recipientState == "" || recipientState == p.State
}

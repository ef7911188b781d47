package settings

import (
	"fmt"
	"maps"
	"strings"

	"broadsheet/internal/gst"
)

// Keys of the publisher's tax profile, which every tax invoice names.
const (
	KeyTaxLegalName = "tax_legal_name"
	KeyTaxAddress   = "tax_address"
	KeyTaxGSTIN     = "tax_gstin"
	KeyTaxState     = "tax_state"
	KeyTaxSAC       = "tax_sac"
	KeyTaxRate      = "tax_rate"
)

// taxDefaults: no legal name (invoices use the publication's name), no
// address, GSTIN or state until an admin gives them; SAC 998431 (on-line
// news and information) and GST at 18 %.
var taxDefaults = map[string]string{
	KeyTaxLegalName: "",
	KeyTaxAddress:   "",
	KeyTaxGSTIN:     "",
	KeyTaxState:     "",
	KeyTaxSAC:       "998431",
	KeyTaxRate:      "18",
}

// The tax profile's defaults join the others when the program starts, so
// that the profile is kept in this one file.
func init() { maps.Copy(Defaults, taxDefaults) }

// parseTax reads and checks the tax profile: a GSTIN must be valid and
// registered in the state given, which is a known GST state code.
func parseTax(all map[string]string) (gst.Profile, error) {
	p := gst.Profile{
		LegalName: strings.TrimSpace(all[KeyTaxLegalName]),
		Address:   strings.TrimSpace(strings.ReplaceAll(all[KeyTaxAddress], "\r\n", "\n")),
		GSTIN:     gst.NormalizeGSTIN(all[KeyTaxGSTIN]),
		State:     strings.TrimSpace(all[KeyTaxState]),
		SAC:       strings.TrimSpace(all[KeyTaxSAC]),
	}
	if err := textIn(KeyTaxLegalName, p.LegalName, 0, 200); err != nil {
		return p, err
	}
	if p.LegalName == "" {
		p.LegalName = strings.TrimSpace(all[KeyPublication])
	}
	if n := len([]rune(p.Address)); n > 500 || strings.Count(p.Address, "\n") > 5 {
		return p, fmt.Errorf("%s must be at most 500 characters on at most 6 lines", KeyTaxAddress)
	}
	if _, ok := gst.StateByCode(p.State); p.State != "" && !ok {
		return p, fmt.Errorf("%s %q is not a GST state code such as 27 (Maharashtra)", KeyTaxState, p.State)
	}
	if p.GSTIN != "" {
		if err := gst.CheckGSTIN(p.GSTIN); err != nil {
			return p, fmt.Errorf("%s: %w", KeyTaxGSTIN, err)
		}
		if code := p.GSTIN[:2]; code != p.State {
			return p, fmt.Errorf("%s: the GSTIN is registered in %s (%s): choose that state", KeyTaxState, gst.StateName(code), code)
		}
	}
	if len(p.SAC) != 6 || strings.Trim(p.SAC, "0123456789") != "" {
		return p, fmt.Errorf("%s %q is not a 6-digit SAC code such as 998431", KeyTaxSAC, p.SAC)
	}
	var err error
	if p.RatePercent, err = intIn(all, KeyTaxRate, 0, 40); err != nil {
		return p, err
	}
	return p, nil
}

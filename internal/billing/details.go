package billing

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"broadsheet/internal/gst"
)

// BillingDetails are what a reader wants on their invoices.
type BillingDetails struct {
	Name  string
	State string // GST state code; "" for none
	GSTIN string // "" unless the reader is a registered business
}

// BillingDetailsError says why billing details were refused.
type BillingDetailsError struct{ Reason string }

func (e *BillingDetailsError) Error() string { return e.Reason }

// check tidies billing details as typed and checks them: a GSTIN must be
// valid, and is registered in the state given (or gives the state), and a
// business that gives one gives its name.
func (d BillingDetails) check() (BillingDetails, error) {
	d.Name = strings.TrimSpace(d.Name)
	d.State = strings.TrimSpace(d.State)
	d.GSTIN = gst.NormalizeGSTIN(d.GSTIN)
	if n := utf8.RuneCountInString(d.Name); n > 100 || strings.ContainsAny(d.Name, "\r\n") {
		return d, &BillingDetailsError{"The name on your invoices must be one line of at most 100 characters."}
	}
	if _, ok := gst.StateByCode(d.State); d.State != "" && !ok {
		return d, &BillingDetailsError{"Choose your state from the list."}
	}
	if d.GSTIN == "" {
		return d, nil
	}
	if err := gst.CheckGSTIN(d.GSTIN); err != nil {
		return d, &BillingDetailsError{"That GSTIN is not valid: " + err.Error() + "."}
	}
	if d.State == "" {
		d.State = d.GSTIN[:2]
	} else if d.State != d.GSTIN[:2] {
		return d, &BillingDetailsError{fmt.Sprintf("That GSTIN is registered in %s, not %s: choose that state, or check the GSTIN.",
			gst.StateName(d.GSTIN[:2]), gst.StateName(d.State))}
	}
	if d.Name == "" {
		return d, &BillingDetailsError{"Give the business's name with its GSTIN."}
	}
	return d, nil
}

// BillingDetails returns what the reader wants on their invoices.
func (s *Service) BillingDetails(ctx context.Context, accountID int64) (BillingDetails, error) {
	return s.Store.BillingDetails(ctx, accountID)
}

// SaveBillingDetails checks and stores what the reader wants on their
// invoices from now on, and returns it as stored; invoices already issued
// keep what they say. Refused details (a BillingDetailsError) change
// nothing.
func (s *Service) SaveBillingDetails(ctx context.Context, accountID int64, d BillingDetails) (BillingDetails, error) {
	d, err := d.check()
	if err != nil {
		return d, err
	}
	return d, s.Store.SaveBillingDetails(ctx, accountID, d, s.Now())
}

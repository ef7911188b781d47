package settings_test

import (
	"context"
	"strings"
	"testing"

	"broadsheet/internal/gst"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func TestTaxProfile(t *testing.T) {
	s, err := settings.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := gst.Profile{LegalName: "The Broadsheet Daily", SAC: "998431", RatePercent: 18}
	if s.Tax != want {
		t.Errorf("default profile %+v, want %+v", s.Tax, want)
	}
	s, err = settings.Parse(map[string]string{
		settings.KeyTaxLegalName: " Broadsheet Media Private Limited ", settings.KeyTaxAddress: "1 Marine Drive\r\nMumbai 400020",
		settings.KeyTaxGSTIN: "27aapfu0939f1zv", settings.KeyTaxState: "27", settings.KeyTaxRate: "5", settings.KeyTaxSAC: "998432",
	})
	if err != nil {
		t.Fatal(err)
	}
	want = gst.Profile{LegalName: "Broadsheet Media Private Limited", Address: "1 Marine Drive\nMumbai 400020",
		GSTIN: "27AAPFU0939F1ZV", State: "27", SAC: "998432", RatePercent: 5}
	if s.Tax != want {
		t.Errorf("profile %+v, want %+v", s.Tax, want)
	}
}

func TestTaxProfileRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		values map[string]string
		key    string
		reason string
	}{
		{map[string]string{settings.KeyTaxGSTIN: "27AAPFU0939F1ZW", settings.KeyTaxState: "27"}, settings.KeyTaxGSTIN, "check character"},
		{map[string]string{settings.KeyTaxGSTIN: "99AAPFU0939F1ZV", settings.KeyTaxState: "27"}, settings.KeyTaxGSTIN, "state's code"},
		{map[string]string{settings.KeyTaxGSTIN: "27AAPFU0939F1ZV", settings.KeyTaxState: "29"}, settings.KeyTaxState, "Maharashtra"},
		{map[string]string{settings.KeyTaxGSTIN: "27AAPFU0939F1ZV"}, settings.KeyTaxState, "Maharashtra"},
		{map[string]string{settings.KeyTaxState: "25"}, settings.KeyTaxState, "not a GST state code"},
		{map[string]string{settings.KeyTaxState: "Maharashtra"}, settings.KeyTaxState, "not a GST state code"},
		{map[string]string{settings.KeyTaxSAC: "99843"}, settings.KeyTaxSAC, "6-digit"},
		{map[string]string{settings.KeyTaxSAC: "99843a"}, settings.KeyTaxSAC, "6-digit"},
		{map[string]string{settings.KeyTaxRate: "18.5"}, settings.KeyTaxRate, "whole number"},
		{map[string]string{settings.KeyTaxRate: "41"}, settings.KeyTaxRate, "whole number"},
		{map[string]string{settings.KeyTaxLegalName: "Two\nlines"}, settings.KeyTaxLegalName, "one line"},
		{map[string]string{settings.KeyTaxAddress: strings.Repeat("a\n", 7)}, settings.KeyTaxAddress, "6 lines"},
	} {
		_, err := settings.Parse(c.values)
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%v: error %v, want one naming %s and saying %q", c.values, err, c.key, c.reason)
		}
	}
}

// A GSTIN refused leaves the stored profile as it was.
func TestTaxProfileUpdateIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		good := map[string]string{settings.KeyTaxLegalName: "Broadsheet Media", settings.KeyTaxGSTIN: "27AAPFU0939F1ZV", settings.KeyTaxState: "27"}
		if err := c.Update(ctx, good); err != nil {
			t.Fatal(err)
		}
		if err := c.Update(ctx, map[string]string{settings.KeyTaxLegalName: "Someone Else", settings.KeyTaxGSTIN: "27AAPFU0939F1ZW"}); err == nil {
			t.Fatal("a GSTIN with a wrong check character was accepted")
		}
		fresh, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []*settings.Settings{c.Get(), fresh.Get()} {
			if got.Tax.LegalName != "Broadsheet Media" || got.Tax.GSTIN != "27AAPFU0939F1ZV" {
				t.Errorf("after a refused update: %+v", got.Tax)
			}
		}
	})
}

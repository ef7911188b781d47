package web

import (
	"slices"

	"broadsheet/internal/gst"
	"broadsheet/internal/settings"
)

// settingOption is one choice of a setting chosen from a list.
type settingOption struct {
	Value string
	Label string
}

// taxFields are the publisher's tax profile in the settings form: what
// every tax invoice prints about who issues it, and how GST is charged.
var taxFields = []settingField{
	{Group: "Tax invoices (GST)", Key: settings.KeyTaxLegalName, Label: "Legal name",
		Help: "The name registered for GST, on every invoice; leave it empty to use the publication's name."},
	{Key: settings.KeyTaxAddress, Label: "Registered address", Multiline: true, Help: "Up to 6 lines."},
	{Key: settings.KeyTaxState, Label: "State or union territory of registration", Options: stateOptions(),
		Help: "Readers in this state pay CGST and SGST; readers elsewhere pay IGST."},
	{Key: settings.KeyTaxGSTIN, Label: "GSTIN", Help: "15 characters, starting with the state's two-digit code; leave it empty while unregistered."},
	{Key: settings.KeyTaxSAC, Label: "SAC code", Help: "The services accounting code on invoices: 998431 is on-line news and information."},
	{Key: settings.KeyTaxRate, Label: "GST rate (%)", Help: "A whole number from 0 to 40. Prices include it."},
}

// stateOptions lists the states and union territories, with none first.
func stateOptions() []settingOption {
	out := []settingOption{{Value: "", Label: "Not set"}}
	for _, s := range gst.States {
		out = append(out, settingOption{Value: s.Code, Label: s.Name + " (" + s.Code + ")"})
	}
	return out
}

// settingsForm is every field of the admin settings form, in order.
func settingsForm() []settingField { return slices.Concat(adminFields, taxFields) }

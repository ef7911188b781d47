// Package invoicepdf writes a tax invoice or credit note as a PDF, from
// what the invoice recorded when it was issued and nothing else. It uses
// the PDF core fonts, which need no font files but have no rupee sign, so
// amounts read "Rs. 1,234.00".
package invoicepdf

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"broadsheet/internal/billing"
	"broadsheet/internal/gst"
	"broadsheet/internal/money"
)

// Layout, in millimetres on A4.
const (
	margin    = 18.0
	width     = 210.0 - 2*margin
	line      = 5.5
	amountCol = 40.0
)

// dayLayout is how dates are printed, in the publication's time zone.
const dayLayout = "2 January 2006"

// Write renders inv as a PDF to w. Dates are shown in loc, the
// publication's time zone, in which the financial year was counted.
func Write(w io.Writer, inv *billing.Invoice, loc *time.Location) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	// The core fonts are in Windows-1252: text in other scripts cannot be
	// shown and is replaced.
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	title := "Tax invoice"
	if inv.IsCreditNote() {
		title = "Credit note"
	}
	pdf.SetTitle(title+" "+inv.Number, true)
	pdf.SetAuthor(inv.Supplier.Name, true)
	// The issue time, not the time of rendering: the same invoice gives
	// the same file.
	pdf.SetCreationDate(inv.IssuedAt)
	pdf.SetModificationDate(inv.IssuedAt)
	// Resources in a fixed order: fpdf otherwise writes them as a map
	// iterates.
	pdf.SetCatalogSort(true)
	pdf.AddPage()
	p := &page{pdf: pdf, tr: tr}

	p.text("B", 16, strings.ToUpper(title))
	p.gap(2)
	p.text("B", 11, inv.Supplier.Name)
	for _, l := range strings.Split(inv.Supplier.Address, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			p.text("", 10, l)
		}
	}
	if inv.Supplier.GSTIN != "" {
		p.text("", 10, "GSTIN: "+inv.Supplier.GSTIN)
	}
	if inv.Supplier.State != "" {
		p.text("", 10, "State: "+stateLabel(inv.Supplier.State))
	}
	p.gap(4)

	p.pair(title+" number", inv.Number)
	p.pair("Date", inv.IssuedAt.In(loc).Format(dayLayout))
	if inv.IsCreditNote() {
		p.pair("Against invoice", inv.CreditsNumber)
	}
	p.pair("Place of supply", placeOfSupply(inv))
	p.pair("Tax payable on reverse charge", "No")
	p.gap(4)

	p.text("B", 11, "Billed to")
	name := inv.Recipient.Name
	if name == "" {
		name = inv.Recipient.Email
	}
	p.text("", 10, name)
	if inv.Recipient.Name != "" && inv.Recipient.Email != "" {
		p.text("", 10, inv.Recipient.Email)
	}
	if inv.Recipient.GSTIN != "" {
		p.text("", 10, "GSTIN: "+inv.Recipient.GSTIN)
	}
	if inv.Recipient.State != "" {
		p.text("", 10, "State: "+stateLabel(inv.Recipient.State))
	}
	p.gap(6)

	p.row("B", "Description", "Amount", "B")
	period := inv.PeriodStart.In(loc).Format(dayLayout) + " to " + inv.PeriodEnd.In(loc).Format(dayLayout)
	what := fmt.Sprintf("%s subscription (%s), %s. SAC %s", inv.Description, inv.Term(), period, inv.SAC)
	if inv.IsCreditNote() {
		what = "Refund of " + what
	}
	p.row("", what, rs(inv.Tax.Taxable), "")
	p.row("", "Taxable value", rs(inv.Tax.Taxable), "T")
	// The split was chosen by the parties' states when it was issued.
	if !(gst.Profile{State: inv.Supplier.State}).IntraState(inv.Recipient.State) {
		p.row("", "IGST at "+percent(inv.RatePercent, 1), rs(inv.Tax.IGST), "")
	} else {
		half := percent(inv.RatePercent, 2)
		p.row("", "CGST at "+half, rs(inv.Tax.CGST), "")
		p.row("", "SGST at "+half, rs(inv.Tax.SGST), "")
	}
	total := "Total (GST included)"
	if inv.IsCreditNote() {
		total = "Total credited (GST included)"
	}
	p.row("B", total, rs(inv.Total), "TB")
	p.gap(8)
	p.text("", 9, "Prices include GST. This is a computer-generated document and needs no signature.")
	return pdf.Output(w)
}

// page writes lines down the page.
type page struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
}

func (p *page) text(style string, size float64, s string) {
	p.pdf.SetFont("Helvetica", style, size)
	p.pdf.MultiCell(width, line, p.tr(s), "", "L", false)
}

func (p *page) gap(h float64) { p.pdf.Ln(h) }

// pair writes a label and its value on one line.
func (p *page) pair(label, value string) {
	p.pdf.SetFont("Helvetica", "", 10)
	p.pdf.CellFormat(60, line, p.tr(label+":"), "", 0, "L", false, 0, "")
	p.pdf.SetFont("Helvetica", "B", 10)
	p.pdf.CellFormat(width-60, line, p.tr(value), "", 1, "L", false, 0, "")
}

// row writes a line of the amounts table: text on the left, which may
// wrap, and its amount on the right.
func (p *page) row(style, text, amount, border string) {
	p.pdf.SetFont("Helvetica", style, 10)
	x, y := p.pdf.GetXY()
	p.pdf.MultiCell(width-amountCol, line+1, p.tr(text), border, "L", false)
	below := p.pdf.GetY()
	p.pdf.SetXY(x+width-amountCol, y)
	p.pdf.CellFormat(amountCol, line+1, p.tr(amount), border, 0, "R", false, 0, "")
	p.pdf.SetXY(x, below)
}

// rs writes an amount as the core fonts can: Rs. 1,23,456.78.
func rs(p money.Paise) string {
	n := int64(p)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%sRs. %s.%02d", sign, money.GroupIndian(n/100), n%100)
}

// percent writes rate/parts per cent: 18 %, 9 %, 2.5 %.
func percent(rate, parts int) string {
	return strconv.FormatFloat(float64(rate)/float64(parts), 'f', -1, 64) + "%"
}

// stateLabel names a state with its code: Maharashtra (27).
func stateLabel(code string) string {
	if name := gst.StateName(code); name != "" {
		return name + " (" + code + ")"
	}
	return code
}

// placeOfSupply is the reader's state, or the publisher's for a reader who
// gave none (see gst.Profile.IntraState).
func placeOfSupply(inv *billing.Invoice) string {
	code := inv.Recipient.State
	if code == "" {
		code = inv.Supplier.State
	}
	if code == "" {
		return "Not given"
	}
	return stateLabel(code)
}

package invoicepdf_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/gst"
	"broadsheet/internal/invoicepdf"
	"broadsheet/internal/invoicepdf/pdftest"
)

var ist = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		panic(err)
	}
	return loc
}()

func invoice() *billing.Invoice {
	issued := time.Date(2026, 11, 14, 20, 0, 0, 0, time.UTC) // 15 November, 01:30 in Kolkata
	return &billing.Invoice{
		ID: 7, Series: billing.SeriesInvoice, FinancialYear: "2026-27", Seq: 123, Number: "INV/2026-27/000123",
		IssuedAt: issued,
		Supplier: billing.Party{Name: "Broadsheet Media Private Limited", Address: "1 Marine Drive\nMumbai 400020",
			GSTIN: "27AAPFU0939F1ZV", State: "27"},
		Recipient: billing.Party{Name: "Asha Rao", Email: "asha@example.com", State: "27"},
		SAC:       "998431", Description: "Smart Essential", TermMonths: 12,
		PeriodStart: issued, PeriodEnd: issued.AddDate(1, 0, 0), RatePercent: 18, Total: 270000,
		Tax: gst.Split(270000, 18, true),
	}
}

// pdfText renders inv and reads its text back, blanks squeezed.
func pdfText(t *testing.T, inv *billing.Invoice) string {
	t.Helper()
	var b bytes.Buffer
	if err := invoicepdf.Write(&b, inv, ist); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b.Bytes()[:min(20, b.Len())])
	}
	return regexp.MustCompile(`[ \t]+`).ReplaceAllString(pdftest.Text(t, b.Bytes()), " ")
}

func wantAll(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF lacks %q; its text:\n%s", w, text)
		}
	}
}

func TestInvoiceWithinTheState(t *testing.T) {
	text := pdfText(t, invoice())
	wantAll(t, text, "TAX INVOICE", "Broadsheet Media Private Limited", "1 Marine Drive", "Mumbai 400020",
		"GSTIN: 27AAPFU0939F1ZV", "State: Maharashtra (27)", "Tax invoice number: INV/2026-27/000123",
		"Date: 15 November 2026", "Place of supply: Maharashtra (27)", "Asha Rao", "asha@example.com",
		"Smart Essential subscription (1 Year), 15 November 2026 to 15 November 2027", "SAC 998431",
		// ₹2,700 at 18 %: taxable ₹2,288.14, CGST and SGST ₹205.93 each.
		"Taxable value Rs. 2,288.14", "CGST at 9% Rs. 205.93", "SGST at 9% Rs. 205.93",
		"Total (GST included) Rs. 2,700.00")
	if strings.Contains(text, "IGST") || strings.Contains(text, "₹") {
		t.Errorf("a supply within the state shows IGST or a rupee sign the fonts lack:\n%s", text)
	}
}

func TestInvoiceToAnotherStateAndABusiness(t *testing.T) {
	inv := invoice()
	inv.Recipient = billing.Party{Name: "Bengaluru Analytics LLP", Email: "accounts@example.com", GSTIN: "29AAGCB7383J1Z4", State: "29"}
	inv.Total, inv.Tax, inv.RatePercent = 10000000, gst.Split(10000000, 18, false), 18
	text := pdfText(t, inv)
	wantAll(t, text, "Bengaluru Analytics LLP", "GSTIN: 29AAGCB7383J1Z4", "Place of supply: Karnataka (29)",
		"IGST at 18% Rs. 15,254.24", "Taxable value Rs. 84,745.76", "Rs. 1,00,000.00")
	if strings.Contains(text, "CGST") {
		t.Errorf("a supply to another state shows CGST:\n%s", text)
	}
}

func TestReaderWithoutDetailsAndCreditNote(t *testing.T) {
	inv := invoice()
	inv.Recipient = billing.Party{Email: "reader@example.com"}
	inv.Series, inv.Number, inv.CreditsNumber = billing.SeriesCreditNote, "CN/2026-27/000001", "INV/2026-27/000123"
	inv.Total, inv.Tax, inv.RatePercent = 99900, gst.Split(99900, 5, true), 5
	text := pdfText(t, inv)
	wantAll(t, text, "CREDIT NOTE", "Credit note number: CN/2026-27/000001", "Against invoice: INV/2026-27/000123",
		"reader@example.com", "Place of supply: Maharashtra (27)", "Refund of Smart Essential",
		"CGST at 2.5% Rs. 23.78", "SGST at 2.5% Rs. 23.79", "Total credited (GST included) Rs. 999.00")
}

// The same invoice gives the same file, whenever it is rendered.
func TestRenderingIsRepeatable(t *testing.T) {
	var a, b bytes.Buffer
	if err := invoicepdf.Write(&a, invoice(), ist); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := invoicepdf.Write(&b, invoice(), ist); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of one invoice differ")
	}
}

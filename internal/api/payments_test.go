package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/invoicepdf"
	"broadsheet/internal/invoicepdf/pdftest"
	"broadsheet/internal/refunds"
)

// payments lists the signed-in reader's payments through the API.
func payments(t *testing.T, b *apptest.Browser, token string) []map[string]any {
	t.Helper()
	resp, out := call(t, b, "GET", "/api/v1/me/payments", nil, bearer(token))
	if resp.Status != http.StatusOK {
		t.Fatalf("/me/payments: status %d: %s", resp.Status, resp.Body)
	}
	list, ok := out["payments"].([]any)
	if !ok {
		t.Fatalf("no payments list: %s", resp.Body)
	}
	var ps []map[string]any
	for _, p := range list {
		ps = append(ps, p.(map[string]any))
	}
	return ps
}

// download fetches a document's pdf_url with the token and checks it is
// the PDF the account page would send for inv.
func download(t *testing.T, site *apptest.Site, b *apptest.Browser, token string, doc map[string]any, inv *billing.Invoice) []byte {
	t.Helper()
	pdfURL, _ := doc["pdf_url"].(string)
	want := site.URL + "/api/v1/me/invoices/" + strconv.FormatInt(inv.ID, 10) + ".pdf"
	if pdfURL != want {
		t.Fatalf("pdf_url %q, want %q", pdfURL, want)
	}
	resp := b.Do("GET", strings.TrimPrefix(pdfURL, site.URL), nil, bearer(token))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.300s", pdfURL, resp.Status, resp.Body)
	}
	filename := strings.ReplaceAll(inv.Number, "/", "-") + ".pdf"
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/pdf" ||
		cd != `attachment; filename="`+filename+`"` || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("GET %s: Content-Type %q, Content-Disposition %q, Cache-Control %q", pdfURL, ct, cd, resp.Header.Get("Cache-Control"))
	}
	body := []byte(resp.Body)
	if !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("GET %s: not a PDF: %.40q", pdfURL, body)
	}
	var same bytes.Buffer
	if err := invoicepdf.Write(&same, inv, site.App.Settings.Get().Location); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, same.Bytes()) {
		t.Errorf("GET %s: %d bytes, not the account page's PDF of %s (%d bytes)", pdfURL, len(body), inv.Number, same.Len())
	}
	return body
}

// A subscriber's app lists their payment as /account does, with its tax
// invoice, downloads the invoice's PDF, and, after an admin refunds part
// of the payment, sees the refund with its credit note and downloads that
// too.
func TestAPIPaymentsInvoicesAndRefunds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		b := site.NewBrowser()
		sub := demoAccount(t, "subscriber")
		id := accountID(t, site, sub.Email)
		token := signIn(t, b, sub.Email, sub.Password)

		for _, path := range []string{"/api/v1/me/payments", "/api/v1/me/invoices/1.pdf"} {
			resp, out := call(t, b, "GET", path, nil, nil)
			wantError(t, resp, out, http.StatusUnauthorized)
			resp, out = call(t, b, "GET", path, nil, bearer("not-a-token"))
			wantError(t, resp, out, http.StatusUnauthorized)
		}

		history, err := site.App.Billing.PaymentHistory(ctx, id)
		if err != nil || len(history) != 1 || history[0].Invoice == nil {
			t.Fatalf("the demo subscriber's payments: %+v, %v; want one, invoiced", history, err)
		}
		paid, inv := history[0].Payment, history[0].Invoice
		ps := payments(t, b, token)
		if len(ps) != 1 {
			t.Fatalf("%d payments, want 1: %v", len(ps), ps)
		}
		p := ps[0]
		want := map[string]any{
			"id": float64(paid.ID), "purpose": "checkout", "what": "Smart Essential (1 Year)", "amount_paise": 270000.0,
			"amount_display": "₹2,700", "currency": "INR", "status": "succeeded", "refunded_paise": 0.0, "refunded_display": "₹0",
		}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("payment %s = %v, want %v", k, p[k], v)
			}
		}
		if at, err := time.Parse(time.RFC3339, p["date"].(string)); err != nil || !at.Equal(paid.CreatedAt.Truncate(time.Second)) {
			t.Errorf("date %v (%v), want %v", p["date"], err, paid.CreatedAt)
		}
		if r, ok := p["refunds"].([]any); !ok || len(r) != 0 {
			t.Errorf("refunds %v, want an empty list", p["refunds"])
		}
		doc, _ := p["invoice"].(map[string]any)
		if doc["number"] != "INV/2026-27/000001" || doc["number"] != inv.Number || doc["total_paise"] != 270000.0 ||
			doc["total_display"] != "₹2,700" || doc["id"] != float64(inv.ID) {
			t.Errorf("invoice %v, want %s of ₹2,700", doc, inv.Number)
		}
		pdf := download(t, site, b, token, doc, inv)
		if text := pdftest.Text(t, pdf); !strings.Contains(text, inv.Number) {
			t.Errorf("the invoice's PDF does not name %s:\n%s", inv.Number, text)
		}

		// An admin gives back ₹1,000: the payment shows the refund and its
		// credit note, whose PDF the app downloads.
		admin := accountID(t, site, demoAccount(t, "admin").Email)
		if _, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: admin, PaymentID: paid.ID, Key: billing.NewFormKey(),
			Amount: "1,000", Reason: "Delivery complaint, goodwill", EndAccess: refunds.KeepAccess}); err != nil {
			t.Fatal(err)
		}
		history, err = site.App.Billing.PaymentHistory(ctx, id)
		if err != nil || len(history[0].CreditNotes) != 1 {
			t.Fatalf("after the refund: %+v, %v", history, err)
		}
		note := history[0].CreditNotes[0]
		p = payments(t, b, token)[0]
		if p["status"] != "succeeded" || p["refunded_paise"] != 100000.0 || p["refunded_display"] != "₹1,000" {
			t.Errorf("the refunded payment: status %v, refunded %v (%v)", p["status"], p["refunded_paise"], p["refunded_display"])
		}
		rs, _ := p["refunds"].([]any)
		if len(rs) != 1 {
			t.Fatalf("refunds %v, want one", p["refunds"])
		}
		r := rs[0].(map[string]any)
		cn, _ := r["credit_note"].(map[string]any)
		if r["amount_paise"] != 100000.0 || r["amount_display"] != "₹1,000" || cn["number"] != note.Number ||
			!strings.HasPrefix(note.Number, billing.SeriesCreditNote+"/") || cn["total_paise"] != 100000.0 {
			t.Errorf("refund %v, want ₹1,000 with credit note %s", r, note.Number)
		}
		if _, err := time.Parse(time.RFC3339, r["date"].(string)); err != nil {
			t.Errorf("refund date %v: %v", r["date"], err)
		}
		if text := pdftest.Text(t, download(t, site, b, token, cn, note)); !strings.Contains(text, "CREDIT NOTE") || !strings.Contains(text, note.Number) {
			t.Errorf("the credit note's PDF:\n%s", text)
		}
		// The invoice is still there, as issued.
		if doc, _ := p["invoice"].(map[string]any); doc["number"] != inv.Number {
			t.Errorf("invoice after the refund: %v", p["invoice"])
		}
	})
}

// A second reader's app, enumerating document ids 1 to 50, downloads its
// own invoice and nothing of the subscriber's: each other id is a 404 that
// reads exactly like an id nobody holds, so it does not reveal that the
// document exists.
func TestAPIAnotherReadersInvoiceIsNotFound(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		sub := demoAccount(t, "subscriber")
		subID := accountID(t, site, sub.Email)
		// The subscriber has an invoice and, after a refund, a credit note.
		admin := accountID(t, site, demoAccount(t, "admin").Email)
		history, err := site.App.Billing.PaymentHistory(ctx, subID)
		if err != nil || len(history) != 1 {
			t.Fatalf("the subscriber's payments: %v, %v", history, err)
		}
		if _, err := site.App.Refunds.Refund(ctx, refunds.Request{AdminID: admin, PaymentID: history[0].Payment.ID, Key: billing.NewFormKey(),
			Amount: "100", Reason: "goodwill", EndAccess: refunds.KeepAccess}); err != nil {
			t.Fatal(err)
		}
		// The second reader subscribes and has an invoice of their own.
		other := demoAccount(t, "registered")
		otherID := accountID(t, site, other.Email)
		card := billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: fmt.Sprint(site.Clock.Now().Year() + 3), CVC: "123"}
		if _, err := site.App.Billing.Checkout(ctx, otherID, "smart-quarterly", card, billing.NewFormKey()); err != nil {
			t.Fatal(err)
		}
		theirs := map[int64]bool{}
		for _, acct := range []int64{subID, otherID} {
			h, err := site.App.Billing.PaymentHistory(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range h {
				if rec.Invoice != nil {
					theirs[rec.Invoice.ID] = acct == otherID
				}
				for _, n := range rec.CreditNotes {
					theirs[n.ID] = acct == otherID
				}
			}
		}
		if len(theirs) != 3 {
			t.Fatalf("documents %v, want the subscriber's invoice and credit note and the other reader's invoice", theirs)
		}

		b := site.NewBrowser()
		token := signIn(t, b, other.Email, other.Password)
		nobody := b.Do("GET", "/api/v1/me/invoices/999999.pdf", nil, bearer(token))
		if nobody.Status != http.StatusNotFound {
			t.Fatalf("an id nobody holds: status %d", nobody.Status)
		}
		own := 0
		for docID := range int64(50) {
			docID++
			path := "/api/v1/me/invoices/" + strconv.FormatInt(docID, 10) + ".pdf"
			resp := b.Do("GET", path, nil, bearer(token))
			mine, exists := theirs[docID]
			if exists && mine {
				if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Body, "%PDF-") {
					t.Errorf("the reader's own invoice %s: status %d", path, resp.Status)
				}
				own++
				continue
			}
			if strings.HasPrefix(resp.Body, "%PDF") {
				t.Errorf("%s (the subscriber's: %v): status %d, a PDF, %q", path, exists, resp.Status, resp.Header.Get("Content-Disposition"))
			} else if resp.Status != http.StatusNotFound || resp.Body != nobody.Body || resp.Header.Get("Content-Type") != "application/json" ||
				resp.Header.Get("Content-Disposition") != "" {
				t.Errorf("%s (the subscriber's: %v): status %d, Content-Disposition %q: %.200s",
					path, exists, resp.Status, resp.Header.Get("Content-Disposition"), resp.Body)
			}
		}
		if own != 1 {
			t.Errorf("the reader downloaded %d of their own invoices, want 1", own)
		}
		// Ids that are not a document's name answer the same.
		for _, file := range []string{"1", "1.PDF", "+1.pdf", "0.pdf", "-1.pdf", "01x.pdf", "99999999999999999999.pdf"} {
			resp := b.Do("GET", "/api/v1/me/invoices/"+file, nil, bearer(token))
			if resp.Status != http.StatusNotFound || resp.Body != nobody.Body {
				t.Errorf("%s: status %d: %.200s", file, resp.Status, resp.Body)
			}
		}
		// The second reader's list has their payment alone.
		ps := payments(t, b, token)
		if len(ps) != 1 || ps[0]["what"] != "Smart Quarterly (3 Months)" || ps[0]["amount_paise"] != 90000.0 {
			t.Errorf("the second reader's payments: %v", ps)
		}
	})
}

package billing_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/gst"
	"broadsheet/internal/mail"
	"broadsheet/internal/money"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// maharashtra is a publisher registered in Maharashtra (27).
var maharashtra = gst.Profile{
	LegalName: "Broadsheet Media Private Limited", Address: "1 Marine Drive\nMumbai 400020",
	GSTIN: "27AAPFU0939F1ZV", State: "27", SAC: "998431", RatePercent: 18,
}

// newInvoiceWorld is a checkout world whose publisher has a tax profile.
func newInvoiceWorld(t *testing.T, st *store.Store) *checkoutWorld {
	t.Helper()
	w := newCheckoutWorld(t, st)
	w.svc.TaxProfile = func() gst.Profile { return maharashtra }
	return w
}

// newReader adds a reader without a password (hashing one is slow).
func newReader(t *testing.T, st *store.Store, email string) int64 {
	t.Helper()
	id, err := st.CreateAccount(context.Background(), &accounts.Account{Email: email, Role: accounts.RoleReader, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// invoicesOf lists the reader's invoices and credit notes, oldest first.
func invoicesOf(t *testing.T, svc *billing.Service, reader int64) []*billing.Invoice {
	t.Helper()
	history, err := svc.PaymentHistory(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	var out []*billing.Invoice
	for i := len(history) - 1; i >= 0; i-- {
		if inv := history[i].Invoice; inv != nil {
			out = append(out, inv)
		}
		out = append(out, history[i].CreditNotes...)
	}
	return out
}

// onlyInvoice is the reader's one invoice.
func onlyInvoice(t *testing.T, svc *billing.Service, reader int64) *billing.Invoice {
	t.Helper()
	invs := invoicesOf(t, svc, reader)
	if len(invs) != 1 {
		t.Fatalf("reader %d has %d invoices, want 1", reader, len(invs))
	}
	return invs[0]
}

// Fifty readers paying at once, through two instances sharing the
// database, get invoices 1 to 50 of the year: none missing, none twice.
func TestInvoiceNumbersHaveNoGapUnderConcurrency(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			first := openStore(t, url)
			second := openStore(t, url)
			w := newInvoiceWorld(t, first)
			other := *w.svc
			other.Store = second
			other.Gateway = &billing.TestGateway{Store: second, Now: w.clk.Now}

			const n = 50
			readers := make([]int64, n)
			for i := range readers {
				readers[i] = newReader(t, first, fmt.Sprintf("payer%d@example.com", i))
			}
			start := make(chan struct{})
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i, reader := range readers {
				svc := w.svc
				if i%2 == 1 {
					svc = &other
				}
				wg.Go(func() {
					<-start
					_, err := svc.Checkout(ctx, reader, "smart-quarterly", goodCard, "form-1")
					errs <- err
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("a checkout failed: %v", err)
				}
			}
			var seqs []int
			for _, reader := range readers {
				inv := onlyInvoice(t, w.svc, reader)
				if want := fmt.Sprintf("INV/2026-27/%06d", inv.Seq); inv.Number != want || inv.FinancialYear != "2026-27" {
					t.Errorf("invoice %d numbered %q in %s, want %q", inv.Seq, inv.Number, inv.FinancialYear, want)
				}
				seqs = append(seqs, int(inv.Seq))
			}
			sort.Ints(seqs)
			for i, seq := range seqs {
				if seq != i+1 {
					t.Fatalf("invoice numbers %v, want 1 to %d each once", seqs, n)
				}
			}
		})
	}
}

func openStore(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A payment whose transaction fails after its invoice was numbered gives
// the number back: the next payment takes it, and the failed one, once
// recovered, the one after.
func TestFailedPaymentTakesNoInvoiceNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		failing := *w.svc
		failing.Store = receiptFails{st}
		if _, err := failing.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1"); !errors.Is(err, errJobFailed) {
			t.Fatalf("checkout whose last step fails: %v, want that failure", err)
		}
		if invs := invoicesOf(t, w.svc, w.reader); len(invs) != 0 {
			t.Fatalf("a payment rolled back has invoices %+v", invs)
		}
		other := newReader(t, st, "other@example.com")
		if _, err := w.svc.Checkout(ctx, other, "smart-essential", goodCard, "form-1"); err != nil {
			t.Fatal(err)
		}
		if got := onlyInvoice(t, w.svc, other).Number; got != "INV/2026-27/000001" {
			t.Errorf("the next payment's invoice is %s, want INV/2026-27/000001", got)
		}
		w.clk.Advance(billing.CheckoutRecoveryAfter)
		if n := w.recover(t); n != 1 {
			t.Fatalf("recovery found %d payments, want 1", n)
		}
		if got := onlyInvoice(t, w.svc, w.reader).Number; got != "INV/2026-27/000002" {
			t.Errorf("the recovered payment's invoice is %s, want INV/2026-27/000002", got)
		}
	})
}

// Invoices are numbered by the financial year in the publication's time
// zone: 31 March 23:59 IST is the old year's, 1 April 00:00 IST starts the
// new one at 1.
func TestInvoiceNumbersRestartOn1April(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		ist, _ := time.LoadLocation("Asia/Kolkata")
		for _, c := range []struct {
			at   time.Time
			want string
		}{
			{time.Date(2027, 3, 31, 23, 58, 0, 0, ist), "INV/2026-27/000001"},
			{time.Date(2027, 3, 31, 23, 59, 0, 0, ist), "INV/2026-27/000002"},
			{time.Date(2027, 4, 1, 0, 0, 0, 0, ist), "INV/2027-28/000001"},
			{time.Date(2027, 4, 1, 0, 1, 0, 0, ist), "INV/2027-28/000002"},
		} {
			w.clk.Set(c.at)
			reader := newReader(t, st, fmt.Sprintf("fy-%d@example.com", c.at.Unix()))
			if _, err := w.svc.Checkout(ctx, reader, "smart-quarterly", goodCard, "form-1"); err != nil {
				t.Fatal(err)
			}
			inv := onlyInvoice(t, w.svc, reader)
			if inv.Number != c.want || !inv.IssuedAt.Equal(c.at) {
				t.Errorf("paid at %s: invoice %s issued %s, want %s", c.at, inv.Number, inv.IssuedAt, c.want)
			}
		}
	})
}

// An invoice holds the publisher, the reader, the plan and the tax split
// as they were when it was issued; a reader in another state pays IGST, one
// in the publisher's state or in none CGST and SGST. Later changes to the
// profile, the reader's details or the plan show on later invoices only.
func TestInvoiceContentIsSnapshotted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		business := newReader(t, st, "accounts@example.com")
		if _, err := w.svc.SaveBillingDetails(ctx, business, billing.BillingDetails{Name: "Bengaluru Analytics LLP", GSTIN: "29aagcb7383j1z4"}); err != nil {
			t.Fatal(err)
		}
		local := newReader(t, st, "local@example.com")
		if _, err := w.svc.SaveBillingDetails(ctx, local, billing.BillingDetails{Name: "Asha Rao", State: "27"}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []int64{business, local, w.reader} {
			if _, err := w.svc.Checkout(ctx, r, "smart-quarterly", goodCard, "form-1"); err != nil {
				t.Fatal(err)
			}
		}
		ist, _ := time.LoadLocation("Asia/Kolkata")
		issued := time.Date(2026, 11, 15, 10, 0, 0, 0, ist)
		supplier := billing.Party{Name: maharashtra.LegalName, Address: maharashtra.Address, GSTIN: maharashtra.GSTIN, State: "27"}
		common := billing.Invoice{
			Series: billing.SeriesInvoice, FinancialYear: "2026-27", Supplier: supplier, SAC: "998431",
			Description: "Smart Quarterly", TermMonths: 3, RatePercent: 18, Total: 90000, IssuedAt: issued.UTC(),
			PeriodStart: issued.UTC(), PeriodEnd: time.Date(2027, 2, 15, 10, 0, 0, 0, ist).UTC(),
		}
		// ₹900 inclusive of 18 %: taxable 90,000 × 100 / 118 = 76,271.19 → ₹762.71; tax ₹137.29.
		for _, c := range []struct {
			reader    int64
			recipient billing.Party
			tax       gst.Breakdown
		}{
			{business, billing.Party{Name: "Bengaluru Analytics LLP", Email: "accounts@example.com", GSTIN: "29AAGCB7383J1Z4", State: "29"},
				gst.Breakdown{Taxable: 76271, IGST: 13729}},
			{local, billing.Party{Name: "Asha Rao", Email: "local@example.com", State: "27"},
				gst.Breakdown{Taxable: 76271, CGST: 6864, SGST: 6865}},
			{w.reader, billing.Party{Email: "reader@example.com"},
				gst.Breakdown{Taxable: 76271, CGST: 6864, SGST: 6865}},
		} {
			inv := onlyInvoice(t, w.svc, c.reader)
			want := common
			want.ID, want.Seq, want.Number, want.AccountID, want.PaymentID = inv.ID, inv.Seq, inv.Number, c.reader, inv.PaymentID
			want.Recipient, want.Tax = c.recipient, c.tax
			if *inv != want {
				t.Errorf("reader %d's invoice\n%+v\nwant\n%+v", c.reader, *inv, want)
			}
		}

		// The publisher moves to Karnataka, the reader moves too, and
		// the plan is renamed: the old invoice stays as it was.
		before := onlyInvoice(t, w.svc, local)
		karnataka := gst.Profile{LegalName: "Broadsheet South LLP", Address: "MG Road, Bengaluru", GSTIN: "29AAGCB7383J1Z4", State: "29", SAC: "998432", RatePercent: 5}
		w.svc.TaxProfile = func() gst.Profile { return karnataka }
		if _, err := w.svc.SaveBillingDetails(ctx, local, billing.BillingDetails{Name: "Asha Rao-Iyer", State: "29"}); err != nil {
			t.Fatal(err)
		}
		plan, err := st.PlanByCode(ctx, "smart-quarterly")
		if err != nil {
			t.Fatal(err)
		}
		plan.Name = "Quarterly Digital"
		if err := st.UpdatePlan(ctx, plan); err != nil {
			t.Fatal(err)
		}
		if after, err := w.svc.Invoice(ctx, local, before.ID); err != nil || *after != *before {
			t.Errorf("after the changes the invoice reads\n%+v (%v)\nwas\n%+v", after, err, before)
		}
		// The renewal's invoice is issued as things are now.
		sub, err := w.svc.Current(ctx, local)
		if err != nil {
			t.Fatal(err)
		}
		w.noticed(t, sub)
		w.clk.Set(sub.PaidUntil.Add(-billing.RenewalLead))
		if err := w.svc.Renew(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		invs := invoicesOf(t, w.svc, local)
		if len(invs) != 2 {
			t.Fatalf("%d invoices after the renewal, want 2", len(invs))
		}
		renewal := invs[1]
		if renewal.Number != "INV/2026-27/000004" || renewal.Supplier.Name != "Broadsheet South LLP" || renewal.SAC != "998432" ||
			renewal.Recipient.Name != "Asha Rao-Iyer" || renewal.Description != "Quarterly Digital" ||
			renewal.Tax != (gst.Breakdown{Taxable: 85714, CGST: 2143, SGST: 2143}) ||
			!renewal.PeriodStart.Equal(sub.PaidUntil) || renewal.PaymentID == before.PaymentID {
			t.Errorf("renewal invoice %+v", *renewal)
		}
	})
}

// Credit notes are numbered in their own series, split as their invoice
// was, never give back more than it, and add up to it to the paisa.
func TestCreditNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		if _, err := w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-1"); err != nil {
			t.Fatal(err)
		}
		inv := onlyInvoice(t, w.svc, w.reader)
		credit := func(amount money.Paise, ref string) (*billing.Invoice, error) {
			var note *billing.Invoice
			err := st.InBillingTx(ctx, func(tx billing.Tx) error {
				var err error
				note, err = w.svc.IssueCreditNote(ctx, tx, inv.PaymentID, amount, ref, w.clk.Now())
				return err
			})
			return note, err
		}
		// A refund whose transaction fails takes no number.
		errRefund := errors.New("the refund could not be recorded")
		err := st.InBillingTx(ctx, func(tx billing.Tx) error {
			if _, err := w.svc.IssueCreditNote(ctx, tx, inv.PaymentID, 100000, "refund-0", w.clk.Now()); err != nil {
				return err
			}
			return errRefund
		})
		if !errors.Is(err, errRefund) {
			t.Fatal(err)
		}
		// ₹1,000 of the ₹2,700 given back: 1,00,000 × 100 / 118 = 84,745.76.
		first, err := credit(100000, "refund-1")
		if err != nil {
			t.Fatal(err)
		}
		if first.Number != "CN/2026-27/000001" || first.CreditsInvoiceID != inv.ID || first.CreditsNumber != inv.Number || first.Total != 100000 ||
			first.Tax != (gst.Breakdown{Taxable: 84746, CGST: 7627, SGST: 7627}) || first.Recipient != inv.Recipient ||
			first.Supplier != inv.Supplier || first.Description != inv.Description {
			t.Errorf("first credit note %+v", *first)
		}
		if stored, err := w.svc.Invoice(ctx, w.reader, first.ID); err != nil || *stored != *first {
			t.Errorf("the credit note reads back as\n%+v (%v)\nissued as\n%+v", stored, err, first)
		}
		if _, err := credit(100000, "refund-1"); !errors.Is(err, dberr.ErrConflict) {
			t.Errorf("the same refund again: %v, want ErrConflict", err)
		}
		if _, err := credit(170001, "refund-2"); !errors.Is(err, billing.ErrCreditExceedsInvoice) {
			t.Errorf("more than is left: %v, want ErrCreditExceedsInvoice", err)
		}
		if _, err := credit(0, "refund-2"); !errors.Is(err, billing.ErrCreditExceedsInvoice) {
			t.Errorf("nothing: %v, want ErrCreditExceedsInvoice", err)
		}
		rest, err := credit(170000, "refund-2")
		if err != nil {
			t.Fatal(err)
		}
		sum := gst.Breakdown{Taxable: first.Tax.Taxable + rest.Tax.Taxable, CGST: first.Tax.CGST + rest.Tax.CGST, SGST: first.Tax.SGST + rest.Tax.SGST}
		if rest.Number != "CN/2026-27/000002" || sum != inv.Tax {
			t.Errorf("second credit note %s: the notes add up to %+v, the invoice is %+v", rest.Number, sum, inv.Tax)
		}
		if _, err := credit(1, "refund-3"); !errors.Is(err, billing.ErrCreditExceedsInvoice) {
			t.Errorf("a credit past the whole invoice: %v, want ErrCreditExceedsInvoice", err)
		}
		// A payment with no invoice cannot be credited.
		err = st.InBillingTx(ctx, func(tx billing.Tx) error {
			_, err := w.svc.IssueCreditNote(ctx, tx, inv.PaymentID+1000, 100, "refund-4", w.clk.Now())
			return err
		})
		if !errors.Is(err, dberr.ErrNotFound) {
			t.Errorf("crediting a payment without an invoice: %v, want ErrNotFound", err)
		}
		// Invoices keep their own series.
		other := newReader(t, st, "other@example.com")
		if _, err := w.svc.Checkout(ctx, other, "smart-quarterly", goodCard, "form-1"); err != nil {
			t.Fatal(err)
		}
		if got := onlyInvoice(t, w.svc, other).Number; got != "INV/2026-27/000002" {
			t.Errorf("the next invoice is %s, want INV/2026-27/000002", got)
		}
		history, err := w.svc.PaymentHistory(ctx, w.reader)
		if err != nil || len(history) != 1 || len(history[0].CreditNotes) != 2 || history[0].Invoice.ID != inv.ID {
			t.Errorf("history %+v (%v), want the payment with its invoice and two credit notes", history, err)
		}
	})
}

// Billing details are checked before they are stored; refused ones change
// nothing.
func TestBillingDetails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		saved, err := w.svc.SaveBillingDetails(ctx, w.reader, billing.BillingDetails{Name: " Bengaluru Analytics LLP ", GSTIN: " 29aagcb7383j1z4"})
		want := billing.BillingDetails{Name: "Bengaluru Analytics LLP", State: "29", GSTIN: "29AAGCB7383J1Z4"}
		if err != nil || saved != want {
			t.Fatalf("saved %+v (%v), want %+v", saved, err, want)
		}
		for _, c := range []struct {
			d      billing.BillingDetails
			reason string
		}{
			{billing.BillingDetails{Name: "X", GSTIN: "29AAGCB7383J1Z5"}, "check character"},
			{billing.BillingDetails{Name: "X", GSTIN: "99AAGCB7383J1Z4"}, "state's code"},
			{billing.BillingDetails{Name: "X", State: "27", GSTIN: "29AAGCB7383J1Z4"}, "registered in Karnataka, not Maharashtra"},
			{billing.BillingDetails{GSTIN: "29AAGCB7383J1Z4"}, "business's name"},
			{billing.BillingDetails{Name: "X", State: "99"}, "from the list"},
			{billing.BillingDetails{Name: strings.Repeat("x", 101)}, "100 characters"},
			{billing.BillingDetails{Name: "Two\nlines"}, "one line"},
		} {
			_, err := w.svc.SaveBillingDetails(ctx, w.reader, c.d)
			var refused *billing.BillingDetailsError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("%+v: %v, want a refusal saying %q", c.d, err, c.reason)
			}
		}
		if got, err := w.svc.BillingDetails(ctx, w.reader); err != nil || got != want {
			t.Errorf("after refusals: %+v (%v), want %+v", got, err, want)
		}
		// A reader may take their GSTIN off.
		if _, err := w.svc.SaveBillingDetails(ctx, w.reader, billing.BillingDetails{Name: "Asha Rao", State: "29"}); err != nil {
			t.Fatal(err)
		}
	})
}

// outbox keeps the messages sent.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

// The receipt links the invoice of the payment it is for.
func TestReceiptLinksTheInvoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		box := &outbox{}
		w.svc.Mail, w.svc.BaseURL = box, "https://news.example.com"
		w.svc.Publication = func() string { return "The Daily" }
		sub, err := w.svc.Checkout(ctx, w.reader, "smart-quarterly", goodCard, "form-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SendReceipt(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		inv := onlyInvoice(t, w.svc, w.reader)
		want := fmt.Sprintf("Your tax invoice INV/2026-27/000001: https://news.example.com/account/invoices/%d.pdf", inv.ID)
		if len(box.sent) != 1 || !strings.Contains(box.sent[0].Body, want) {
			t.Errorf("receipts %+v, want one saying %q", box.sent, want)
		}
	})
}

// Two refunds of one invoice at once cannot together give back more than
// it: the second waits for the first and sees what is left.
func TestConcurrentCreditNotesNeverExceedTheInvoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newInvoiceWorld(t, st)
		if _, err := w.svc.Checkout(ctx, w.reader, "smart-essential", goodCard, "form-1"); err != nil {
			t.Fatal(err)
		}
		inv := onlyInvoice(t, w.svc, w.reader)
		start := make(chan struct{})
		errs := make(chan error, 4)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				<-start
				errs <- st.InBillingTx(ctx, func(tx billing.Tx) error {
					_, err := w.svc.IssueCreditNote(ctx, tx, inv.PaymentID, 200000, fmt.Sprintf("refund-%d", i), w.clk.Now())
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		issued := 0
		for err := range errs {
			switch {
			case err == nil:
				issued++
			case !errors.Is(err, billing.ErrCreditExceedsInvoice):
				t.Errorf("a refund failed otherwise: %v", err)
			}
		}
		notes := invoicesOf(t, w.svc, w.reader)[1:]
		if issued != 1 || len(notes) != 1 || notes[0].Number != "CN/2026-27/000001" {
			t.Errorf("%d refunds of ₹2,000 of ₹2,700 went through, notes %+v; want one, CN/2026-27/000001", issued, notes)
		}
	})
}

package razorpaytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Test cards and UPI addresses (VPAs) for CompleteCheckout.
const (
	CardSucceeds = "4111111111111111" // pays, and saves the card for renewals when asked
	CardDeclined = "4000000000000002" // declined by the bank
	// VPASucceeds pays with UPI and, when asked, registers a UPI Autopay
	// mandate, whose renewals are debited a day after they are charged.
	VPASucceeds = "success@razorpay"
	VPAFails    = "failure@razorpay" // the reader declines in the UPI app
)

// checkoutForm is what the reader's browser posted to the hosted checkout.
type checkoutForm struct{ values url.Values }

// Callback is what Razorpay's checkout makes the reader's browser POST to
// the callback URL when the reader has paid or failed to.
type Callback struct {
	URL  string
	Form url.Values
}

// checkoutPage is the hosted checkout (POST /v1/checkout/embedded): the
// reader's browser posts the form Broadsheet rendered, and the page takes
// payment for the order it names. The fake checks the form and keeps it
// for CompleteCheckout.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[f.Get("order_id")]
	problem := ""
	switch {
	case f.Get("key_id") != s.keyID:
		problem = "The key_id is not valid."
	case !ok:
		problem = "The order_id is not valid."
	case o.Status == "paid":
		problem = alreadyPaid
	case f.Get("callback_url") == "":
		problem = "The callback_url is required."
	case f.Get("name") == "":
		problem = "The name is required."
	case f.Has("amount") && f.Get("amount") != strconv.FormatInt(o.Amount, 10):
		problem = "The amount does not match the order's."
	case f.Has("currency") && f.Get("currency") != o.Currency:
		problem = "The currency does not match the order's."
	case f.Has("customer_id") && o.CustomerID != "" && f.Get("customer_id") != o.CustomerID:
		problem = "The customer_id does not match the order's."
	}
	if problem != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<!doctype html><title>Payment failed</title><p>%s</p>", html.EscapeString(problem))
		return
	}
	s.checkouts[o.ID] = checkoutForm{values: f}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>%s</title><p>Pay %d paise for order %s</p>",
		html.EscapeString(f.Get("name")), o.Amount, html.EscapeString(o.ID))
}

// CompleteCheckout pays an order on the hosted checkout as the reader
// would, with a test card or a test UPI address (an instrument with an
// "@", such as VPASucceeds): the browser must first have posted the
// checkout's form (POST /v1/checkout/embedded). A card or VPA that
// succeeds pays the order and, when the order asked for a mandate and the
// form for recurring, saves a token for the customer: a card, or a UPI
// Autopay mandate. It returns what Razorpay then has the browser POST to
// the callback URL: the payment, order and signature, or the error fields
// of a declined payment.
func (s *Server) CompleteCheckout(orderID, instrument string) (*Callback, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return nil, fmt.Errorf("razorpaytest: no order %s", orderID)
	}
	form, ok := s.checkouts[orderID]
	if !ok {
		return nil, fmt.Errorf("razorpaytest: no checkout was opened for order %s: POST its form to /v1/checkout/embedded first", orderID)
	}
	if o.Status == "paid" {
		return nil, fmt.Errorf("razorpaytest: order %s: %s", orderID, alreadyPaid)
	}
	f := form.values
	customerID := f.Get("customer_id")
	if customerID == "" {
		customerID = o.CustomerID
	}
	upi := strings.Contains(instrument, "@")
	method := "card"
	if upi {
		method = "upi"
	}
	if o.Method != "" && o.Method != method {
		return nil, fmt.Errorf("razorpaytest: order %s takes only %s payments, not %s", orderID, o.Method, method)
	}
	p := s.newPayment(o, method)
	p.Email, p.Contact, p.Description = f.Get("prefill[email]"), f.Get("prefill[contact]"), str(f.Get("description"))
	p.Notes, p.CustomerID = formNotes(f), str(customerID)
	var card *cardEntity
	succeeds, decline := digits(instrument) == CardSucceeds, CheckoutDecline
	if upi {
		p.VPA = str(instrument)
		succeeds, decline = instrument != VPAFails, UPIDecline
	} else {
		card = &cardEntity{ID: s.newID("card"), Entity: "card", Name: f.Get("prefill[name]"), Last4: last4(instrument),
			Network: network(instrument), Type: "credit", SubType: "consumer", ExpiryMonth: 12, ExpiryYear: s.now().Year() + 5}
		p.CardID, p.card = str(card.ID), card
	}
	cb := &Callback{URL: f.Get("callback_url"), Form: url.Values{}}
	if !succeeds {
		s.fail(p, decline)
		meta, _ := json.Marshal(map[string]string{"payment_id": p.ID, "order_id": o.ID})
		cb.Form.Set("error[code]", "BAD_REQUEST_ERROR")
		cb.Form.Set("error[description]", decline)
		cb.Form.Set("error[source]", "bank")
		cb.Form.Set("error[step]", "payment_authorization")
		cb.Form.Set("error[reason]", "payment_failed")
		cb.Form.Set("error[metadata]", string(meta))
		return cb, nil
	}
	recurring := f.Get("recurring")
	if _, known := s.customers[customerID]; o.Token != nil && known && (recurring == "1" || recurring == "true" || recurring == "preferred") {
		t := &token{ID: s.newID("token"), Entity: "token", Token: s.newID("tk")[3:], Method: method, Card: card,
			Recurring: true, CreatedAt: s.now().Unix(), UsedAt: s.now().Unix(), ExpiredAt: o.Token.ExpireAt,
			MaxAmount: o.Token.MaxAmount, customerID: customerID}
		if upi {
			user, handle, _ := strings.Cut(instrument, "@")
			t.VPA = &vpa{Username: user, Handle: handle, Name: str(f.Get("prefill[name]"))}
		}
		t.RecurringDetails.Status = "confirmed"
		s.tokens[t.ID] = t
		p.TokenID = str(t.ID)
	}
	s.authorize(o, p)
	cb.Form.Set("razorpay_payment_id", p.ID)
	cb.Form.Set("razorpay_order_id", o.ID)
	cb.Form.Set("razorpay_signature", s.paymentSignature(o.ID, p.ID))
	return cb, nil
}

// paymentSignature is Razorpay's checkout signature: hex HMAC-SHA256 of
// "order_id|payment_id" keyed with the API key secret.
func (s *Server) paymentSignature(orderID, paymentID string) string {
	m := hmac.New(sha256.New, []byte(s.keySecret))
	m.Write([]byte(orderID + "|" + paymentID))
	return hex.EncodeToString(m.Sum(nil))
}

// formNotes reads the notes[key] fields of a checkout form.
func formNotes(f url.Values) notes {
	n := notes{}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "notes["); ok && strings.HasSuffix(name, "]") && len(v) > 0 {
			n[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	return n
}

func digits(number string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(number)
}

func last4(number string) string {
	d := digits(number)
	if len(d) < 4 {
		return d
	}
	return d[len(d)-4:]
}

func network(number string) string {
	switch d := digits(number); {
	case strings.HasPrefix(d, "4"):
		return "Visa"
	case strings.HasPrefix(d, "5"):
		return "MasterCard"
	case strings.HasPrefix(d, "6"):
		return "RuPay"
	default:
		return "Unknown"
	}
}

package razorpaytest

import (
	"encoding/json"
	"net/http"
	"time"
)

// What the fake's declines say, so that tests can look for them.
const (
	CheckoutDecline  = "Your payment was declined by the bank. Try another card."
	RecurringDecline = "Payment failed: the bank declined the recurring charge."
	UPIDecline       = "Payment failed: the payer declined the UPI request."
	alreadyPaid      = "This order has already been paid."
)

// UPIDebitDelay is how long after a UPI Autopay recurring payment is
// created its debit is collected: Razorpay notifies the payer first (the
// pre-debit notice) and debits in the 25th hour; until then the payment is
// created.
const UPIDebitDelay = 25 * time.Hour

func (s *Server) fetchPayment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) fetchToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[r.PathValue("token")]
	if !ok || t.customerID != r.PathValue("id") {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) capturePayment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	}
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	o := s.orders[p.OrderID]
	switch {
	case p.Status == "captured" || p.Status == "refunded":
		badRequest(w, "", "This payment has already been captured")
	case p.Status != "authorized":
		badRequest(w, "", "Only payments which have been authorized and not yet captured can be captured")
	case req.Amount != p.Amount:
		badRequest(w, "amount", "Capture amount must be equal to the amount authorized")
	case req.Currency != p.Currency:
		badRequest(w, "currency", "Currency should be same as that of the payment")
	case o.Status == "paid":
		badRequest(w, "order_id", alreadyPaid)
	default:
		s.capture(o, p)
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *Server) createRecurring(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email       string          `json:"email"`
		Contact     string          `json:"contact"`
		Amount      int64           `json:"amount"`
		Currency    string          `json:"currency"`
		OrderID     string          `json:"order_id"`
		CustomerID  string          `json:"customer_id"`
		Token       string          `json:"token"`
		Recurring   json.RawMessage `json:"recurring"`
		Description string          `json:"description"`
		Notes       notes           `json:"notes"`
	}
	if !decode(w, r, &req) {
		return
	}
	if rec := string(req.Recurring); rec != "true" && rec != `"1"` && rec != "1" {
		badRequest(w, "recurring", "The recurring field is required and must be true.")
		return
	}
	if req.Email == "" {
		badRequest(w, "email", "The email field is required.")
		return
	}
	if err := req.Notes.check(); err != nil {
		badRequest(w, "notes", "%s", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[req.OrderID]
	if !ok {
		badRequest(w, "order_id", "The id provided does not exist")
		return
	}
	if _, ok := s.customers[req.CustomerID]; !ok {
		badRequest(w, "customer_id", "The id provided does not exist")
		return
	}
	t, ok := s.tokens[req.Token]
	switch {
	case !ok || t.customerID != req.CustomerID:
		badRequest(w, "token", "The token id provided does not exist")
	case t.RecurringDetails.Status != "confirmed":
		badRequest(w, "token", "The token is not confirmed for recurring payments")
	case t.ExpiredAt <= s.now().Unix():
		badRequest(w, "token", "The token has expired")
	case o.CustomerID != "" && o.CustomerID != req.CustomerID:
		badRequest(w, "customer_id", "The order belongs to another customer")
	case req.Amount != o.Amount:
		badRequest(w, "amount", "The amount must be the same as the order amount")
	case req.Currency != o.Currency:
		badRequest(w, "currency", "The currency must be the same as the order currency")
	case req.Amount > t.MaxAmount:
		badRequest(w, "amount", "Amount exceeds maximum amount allowed")
	case o.Status == "paid":
		badRequest(w, "order_id", alreadyPaid)
	case s.debitPending(o.ID):
		// NPCI allows one debit a cycle, and Razorpay asks for none
		// while the last one's outcome is not known.
		badRequest(w, "order_id", "A payment for this order is already being processed")
	default:
		p := s.newPayment(o, t.Method)
		p.Email, p.Contact, p.Notes, p.Description = req.Email, req.Contact, req.Notes, str(req.Description)
		p.CustomerID, p.TokenID, p.card = str(req.CustomerID), str(t.ID), t.Card
		if t.Card != nil {
			p.CardID = str(t.Card.ID)
		}
		t.UsedAt = s.now().Unix()
		if t.Method == "upi" {
			// Accepted now, debited after the pre-debit notice: the
			// payment stays created until then (see collectDebits).
			p.VPA = str(t.vpaAddress())
			p.debitAt = s.now().Add(UPIDebitDelay).Unix()
			if s.failRecurring > 0 {
				s.failRecurring--
				p.declineDebit = true
			}
			writeJSON(w, http.StatusOK, map[string]string{
				"razorpay_payment_id": p.ID, "razorpay_order_id": o.ID,
				"razorpay_signature": s.paymentSignature(o.ID, p.ID),
			})
			return
		}
		if s.failRecurring > 0 {
			s.failRecurring--
			s.fail(p, RecurringDecline)
			writeError(w, http.StatusBadRequest, apiError{Description: RecurringDecline, Source: "bank",
				Step: "payment_authorization", Reason: "payment_failed",
				Metadata: map[string]any{"payment_id": p.ID, "order_id": o.ID}})
			return
		}
		s.authorize(o, p)
		writeJSON(w, http.StatusOK, map[string]string{
			"razorpay_payment_id": p.ID, "razorpay_order_id": o.ID,
			"razorpay_signature": s.paymentSignature(o.ID, p.ID),
		})
	}
}

// newPayment starts a payment of o's amount; callers hold s.mu.
func (s *Server) newPayment(o *order, method string) *payment {
	p := &payment{ID: s.newID("pay"), Entity: "payment", Amount: o.Amount, Currency: o.Currency,
		Status: "created", OrderID: o.ID, Method: method, AcquirerData: map[string]string{}, CreatedAt: s.now().Unix()}
	o.Attempts++
	if o.Status == "created" {
		o.Status = "attempted"
	}
	s.payments[p.ID] = p
	s.payList = append(s.payList, p)
	return p
}

func (s *Server) fail(p *payment, description string) {
	p.Status = "failed"
	p.ErrorCode, p.ErrorDescription = str("BAD_REQUEST_ERROR"), str(description)
	p.ErrorSource, p.ErrorStep, p.ErrorReason = str("bank"), str("payment_authorization"), str("payment_failed")
}

// authorize has the bank approve p, and captures it at once unless its
// order asked for manual capture or captures are held.
func (s *Server) authorize(o *order, p *payment) {
	p.Status = "authorized"
	p.AcquirerData["auth_code"] = "828553"
	if o.capture && !s.holdCaptures {
		s.capture(o, p)
	}
}

// capture takes the money and marks the order paid; it takes no other.
func (s *Server) capture(o *order, p *payment) {
	fee, tax := p.Amount*2/100, p.Amount*2/100*18/118
	p.Status, p.Captured, p.Fee, p.Tax = "captured", true, &fee, &tax
	o.Status, o.AmountPaid, o.AmountDue = "paid", o.Amount, 0
}

// collectDebits collects the UPI Autopay debits that have come due by the
// fake's clock: each is captured (or authorized, when captures are held),
// or failed if it was to be declined; a debit on an order another payment
// paid meanwhile fails. It returns the ids of the payments it settled.
// Callers hold s.mu.
func (s *Server) collectDebits() []string {
	var settled []string
	now := s.now().Unix()
	for _, p := range s.payList {
		if p.Status != "created" || p.debitAt == 0 || now < p.debitAt {
			continue
		}
		o := s.orders[p.OrderID]
		switch {
		case p.declineDebit:
			s.fail(p, UPIDecline)
		case o.Status == "paid":
			s.fail(p, alreadyPaid)
		default:
			s.authorize(o, p)
		}
		settled = append(settled, p.ID)
	}
	return settled
}

// debitPending reports whether an order has a UPI debit still to come.
// Callers hold s.mu.
func (s *Server) debitPending(orderID string) bool {
	for _, p := range s.payList {
		if p.OrderID == orderID && p.Status == "created" && p.debitAt != 0 {
			return true
		}
	}
	return false
}

// vpaAddress is a UPI token's address, "username@handle".
func (t *token) vpaAddress() string {
	if t.VPA == nil {
		return ""
	}
	return t.VPA.Username + "@" + t.VPA.Handle
}

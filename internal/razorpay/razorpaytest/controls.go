package razorpaytest

import (
	"net/http"
	"strings"
)

// drop is a request whose answer is to be lost after the work is done.
type drop struct{ method, pathPrefix string }

// FailNextRecurring declines the next n recurring charges, as a bank
// would: a card's at once, leaving a failed payment on its order and
// answering 400; a UPI Autopay debit when it comes due, a day later.
func (s *Server) FailNextRecurring(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRecurring = n
}

// FailNextRequests answers the next n API calls with a 500 without doing
// anything, as Razorpay does when it is down.
func (s *Server) FailNextRequests(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRequests = n
}

// DropNextResponse loses the answer to the next API call of method whose
// path starts with pathPrefix: the call takes effect, then the connection
// closes with nothing written, so the caller cannot tell what happened.
func (s *Server) DropNextResponse(method, pathPrefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops = append(s.drops, drop{method, pathPrefix})
}

// HoldCaptures leaves payments authorized instead of capturing them, as
// when an order asks for manual capture or Razorpay's capture lags.
func (s *Server) HoldCaptures(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdCaptures = hold
}

// Payments counts every payment made, failed ones included.
func (s *Server) Payments() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.payList)
}

// CollectDebits collects the UPI Autopay debits due by the fake's clock,
// as Razorpay does in their 25th hour, and returns the ids of the payments
// it captured or failed, for their webhooks. The fake also collects them
// on its own before each API call and webhook.
func (s *Server) CollectDebits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collectDebits()
}

// PaymentStatus is a payment's status (created, authorized, captured,
// refunded, failed), or "" if there is no such payment.
func (s *Server) PaymentStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.collectDebits()
	if p, ok := s.payments[id]; ok {
		return p.Status
	}
	return ""
}

// PaymentIDs lists the ids of every payment made, oldest first.
func (s *Server) PaymentIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.payList))
	for _, p := range s.payList {
		ids = append(ids, p.ID)
	}
	return ids
}

// CapturedPayments counts the payments that took money (captured, refunded
// since or not): the count that proves a charge happened once.
func (s *Server) CapturedPayments() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.collectDebits()
	n := 0
	for _, p := range s.payList {
		if p.Captured {
			n++
		}
	}
	return n
}

// Refunds counts the refunds made.
func (s *Server) Refunds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.refList)
}

// RefundedAmount is how much of a payment has been given back, in paise.
func (s *Server) RefundedAmount(paymentID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.payments[paymentID]; ok {
		return p.AmountRefunded
	}
	return 0
}

// Receipts lists the receipt of every order, in the order they were made.
func (s *Server) Receipts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.orderList))
	for _, o := range s.orderList {
		out = append(out, deref(o.Receipt))
	}
	return out
}

// takeFailure reports whether this call is one FailNextRequests asked for.
func (s *Server) takeFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failRequests > 0 {
		s.failRequests--
		return true
	}
	return false
}

// takeDrop reports whether this call's answer is to be lost.
func (s *Server) takeDrop(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, d := range s.drops {
		if r.Method == d.method && strings.HasPrefix(r.URL.Path, d.pathPrefix) {
			s.drops = append(s.drops[:i], s.drops[i+1:]...)
			return true
		}
	}
	return false
}

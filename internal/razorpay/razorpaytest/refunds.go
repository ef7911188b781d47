package razorpaytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
)

// idempotentRefund is what an X-Refund-Idempotency key was first used for.
type idempotentRefund struct {
	request  [sha256.Size]byte // the payment and the body, which a retry must repeat
	refundID string
}

var idempotencyKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (s *Server) createRefund(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		badRequest(w, "", "The request body could not be read")
		return
	}
	var req struct {
		Amount  *int64 `json:"amount"`
		Speed   string `json:"speed"`
		Notes   notes  `json:"notes"`
		Receipt string `json:"receipt"`
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !decode(w, r, &req) {
		return
	}
	if err := req.Notes.check(); err != nil {
		badRequest(w, "notes", "%s", err.Error())
		return
	}
	key := r.Header.Get("X-Refund-Idempotency")
	switch {
	case key != "" && len(key) < 10:
		badRequest(w, "", "The idempotency key must be at least 10 characters long.")
		return
	case key != "" && !idempotencyKey.MatchString(key):
		badRequest(w, "", "The idempotency key must only contain alphanumeric characters, underscores, and hyphens")
		return
	}
	fingerprint := sha256.Sum256(append([]byte(r.PathValue("id")+"\n"), compact(body)...))

	s.mu.Lock()
	defer s.mu.Unlock()
	if prior, ok := s.idem[key]; key != "" && ok {
		if prior.request != fingerprint {
			badRequest(w, "", "Different request with the same idempotency key has already been processed.")
			return
		}
		writeJSON(w, http.StatusOK, s.refunds[prior.refundID])
		return
	}
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		badRequest(w, "id", "%s is not a valid id", r.PathValue("id"))
		return
	}
	left := p.Amount - p.AmountRefunded
	amount := left
	if req.Amount != nil {
		amount = *req.Amount
	}
	switch {
	case p.Status == "refunded" || (p.Status == "captured" && left == 0):
		badRequest(w, "", "The payment has been fully refunded already.")
		return
	case p.Status != "captured":
		badRequest(w, "", "Only captured payments can be refunded.")
		return
	case amount < 100:
		badRequest(w, "amount", "The amount must be at least INR 1.00")
		return
	case amount > left:
		badRequest(w, "amount", "The refund amount provided is greater than amount captured.")
		return
	}
	speed := req.Speed
	if speed == "" {
		speed = "normal"
	}
	rf := &refund{ID: s.newID("rfnd"), Entity: "refund", Amount: amount, Currency: p.Currency, PaymentID: p.ID,
		Notes: req.Notes, Receipt: str(req.Receipt), AcquirerData: map[string]*string{"arn": nil},
		CreatedAt: s.now().Unix(), Status: "processed", SpeedProcessed: "normal", SpeedRequested: speed}
	s.refunds[rf.ID] = rf
	s.refList = append(s.refList, rf)
	p.AmountRefunded += amount
	status := "partial"
	if p.AmountRefunded == p.Amount {
		status, p.Status = "full", "refunded"
	}
	p.RefundStatus = &status
	if key != "" {
		s.idem[key] = idempotentRefund{request: fingerprint, refundID: rf.ID}
	}
	writeJSON(w, http.StatusOK, rf)
}

func (s *Server) paymentRefunds(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	count, skip, ok := paging(w, q.Get("count"), q.Get("skip"))
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.payments[r.PathValue("id")]; !ok {
		notFound(w)
		return
	}
	var items []*refund
	for i := len(s.refList) - 1; i >= 0; i-- {
		if s.refList[i].PaymentID == r.PathValue("id") {
			items = append(items, s.refList[i])
		}
	}
	writeJSON(w, http.StatusOK, newCollection(page(items, count, skip)))
}

// compact is a body without insignificant white space, so that a retry
// written out differently is still the same request.
func compact(body []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, body) != nil {
		return body
	}
	return b.Bytes()
}

package razorpaytest

import (
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxReceipt is the longest receipt Razorpay takes.
const maxReceipt = 40

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name         string `json:"name"`
		Email        string `json:"email"`
		Contact      string `json:"contact"`
		FailExisting string `json:"fail_existing"`
		GSTIN        string `json:"gstin"`
		Notes        notes  `json:"notes"`
	}
	if !decode(w, r, &req) {
		return
	}
	if err := req.Notes.check(); err != nil {
		badRequest(w, "notes", "%s", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// "The same details": the same email and contact.
	for _, c := range s.customers {
		if deref(c.Email) == req.Email && deref(c.Contact) == req.Contact {
			if req.FailExisting == "0" {
				writeJSON(w, http.StatusOK, c)
			} else {
				badRequest(w, "", "Customer already exists for the merchant")
			}
			return
		}
	}
	c := &customer{ID: s.newID("cust"), Entity: "customer", Name: str(req.Name), Email: str(req.Email),
		Contact: str(req.Contact), GSTIN: str(req.GSTIN), Notes: req.Notes, CreatedAt: s.now().Unix()}
	s.customers[c.ID] = c
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) fetchCustomer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Amount         *int64   `json:"amount"`
		Currency       string   `json:"currency"`
		Receipt        *string  `json:"receipt"`
		Notes          notes    `json:"notes"`
		CustomerID     string   `json:"customer_id"`
		Method         string   `json:"method"`
		Token          *mandate `json:"token"`
		PaymentCapture *bool    `json:"payment_capture"`
		PartialPayment *bool    `json:"partial_payment"`
	}
	if !decode(w, r, &req) {
		return
	}
	switch {
	case req.Amount == nil:
		badRequest(w, "amount", "The amount field is required.")
		return
	case *req.Amount < 100:
		badRequest(w, "amount", "The amount must be at least INR 1.00")
		return
	case len(req.Currency) != 3:
		badRequest(w, "currency", "The currency field is required and must be 3 characters.")
		return
	case req.Receipt != nil && utf8.RuneCountInString(*req.Receipt) > maxReceipt:
		badRequest(w, "receipt", "The receipt may not be greater than %d characters.", maxReceipt)
		return
	case req.Method != "" && !slices.Contains([]string{"card", "upi", "emandate", "nach", "netbanking", "wallet"}, req.Method):
		badRequest(w, "method", "Invalid payment method given: %s", req.Method)
		return
	}
	if err := req.Notes.check(); err != nil {
		badRequest(w, "notes", "%s", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.CustomerID != "" {
		if _, ok := s.customers[req.CustomerID]; !ok {
			badRequest(w, "customer_id", "The id provided does not exist")
			return
		}
	}
	if t := req.Token; t != nil {
		switch {
		case req.CustomerID == "":
			badRequest(w, "customer_id", "The customer_id field is required when token is present.")
			return
		case t.MaxAmount < 100:
			badRequest(w, "max_amount", "The max amount must be at least INR 1.00")
			return
		case t.ExpireAt <= s.now().Unix():
			badRequest(w, "expire_at", "The expire at must be a time in the future.")
			return
		case !slices.Contains([]string{"weekly", "monthly", "yearly", "as_presented"}, t.Frequency):
			badRequest(w, "frequency", "The selected frequency is invalid.")
			return
		}
	}
	o := &order{ID: s.newID("order"), Entity: "order", Amount: *req.Amount, AmountDue: *req.Amount,
		Currency: req.Currency, Receipt: req.Receipt, Status: "created", Notes: req.Notes,
		CreatedAt: s.now().Unix(), CustomerID: req.CustomerID, Method: req.Method, Token: req.Token,
		capture: req.PaymentCapture == nil || *req.PaymentCapture}
	s.orders[o.ID] = o
	s.orderList = append(s.orderList, o)
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) fetchOrder(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// listOrders answers newest first, count (10, at most 100) from skip,
// narrowed to a receipt when one is asked for.
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	count, skip, ok := paging(w, q.Get("count"), q.Get("skip"))
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*order
	for i := len(s.orderList) - 1; i >= 0; i-- {
		o := s.orderList[i]
		if q.Has("receipt") && deref(o.Receipt) != q.Get("receipt") {
			continue
		}
		matched = append(matched, o)
	}
	writeJSON(w, http.StatusOK, newCollection(page(matched, count, skip)))
}

func (s *Server) orderPayments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	var items []*payment
	for _, p := range s.payList {
		if p.OrderID == o.ID {
			items = append(items, p)
		}
	}
	writeJSON(w, http.StatusOK, newCollection(items))
}

func paging(w http.ResponseWriter, countArg, skipArg string) (count, skip int, ok bool) {
	count, skip = 10, 0
	var err error
	if countArg != "" {
		if count, err = strconv.Atoi(countArg); err != nil || count < 1 || count > 100 {
			badRequest(w, "count", "The count must be between 1 and 100.")
			return 0, 0, false
		}
	}
	if skipArg != "" {
		if skip, err = strconv.Atoi(skipArg); err != nil || skip < 0 {
			badRequest(w, "skip", "The skip must be at least 0.")
			return 0, 0, false
		}
	}
	return count, skip, true
}

func page[T any](items []T, count, skip int) []T {
	if skip >= len(items) {
		return nil
	}
	items = items[skip:]
	if len(items) > count {
		items = items[:count]
	}
	return items
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

package razorpay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Error is Razorpay's refusal of a request: its HTTP status and the error
// object every failed call answers with ({"error": {code, description,
// source, step, reason, field, metadata}}).
type Error struct {
	StatusCode  int
	Code        string // BAD_REQUEST_ERROR, GATEWAY_ERROR, SERVER_ERROR
	Description string
	Source      string // customer, bank, business, …
	Step        string
	Reason      string
	Field       string // the request parameter at fault, if one was
	// PaymentID and OrderID come from the error's metadata, present when
	// the refusal concerns a payment (a declined recurring charge).
	PaymentID string
	OrderID   string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "razorpay: %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Field != "" {
		b.WriteString(" (field " + e.Field + ")")
	}
	if e.Reason != "" && e.Reason != "NA" {
		b.WriteString(" [" + e.Reason + "]")
	}
	return b.String()
}

// Retryable reports whether the same request may succeed later: Razorpay
// or the network failed (5xx), a request with the same idempotency key is
// still in progress (409), or we were rate-limited (429). A 4xx otherwise
// says the request itself was refused.
func (e *Error) Retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusConflict || e.StatusCode == http.StatusTooManyRequests
}

// Refused reports whether Razorpay considered the request and said no, so
// that nothing happened: a 400 (bad request, declined payment). An
// authentication failure (401) or a retryable status is not a refusal.
func (e *Error) Refused() bool { return e.StatusCode == http.StatusBadRequest }

// parseError reads an error answer. A body that is not Razorpay's error
// shape (a proxy's page) keeps its status and a short excerpt.
func parseError(status int, body []byte) *Error {
	var wire struct {
		Error struct {
			Code        string          `json:"code"`
			Description string          `json:"description"`
			Source      string          `json:"source"`
			Step        string          `json:"step"`
			Reason      string          `json:"reason"`
			Field       string          `json:"field"`
			Metadata    json.RawMessage `json:"metadata"`
		} `json:"error"`
	}
	e := &Error{StatusCode: status}
	if json.Unmarshal(body, &wire) != nil || (wire.Error.Code == "" && wire.Error.Description == "") {
		e.Description = "unexpected answer: " + excerpt(body, 200)
		return e
	}
	w := wire.Error
	e.Code, e.Description, e.Source, e.Step, e.Reason, e.Field = w.Code, w.Description, w.Source, w.Step, w.Reason, w.Field
	// metadata is an object, or an empty list when there is none.
	var meta struct {
		PaymentID string `json:"payment_id"`
		OrderID   string `json:"order_id"`
	}
	if json.Unmarshal(w.Metadata, &meta) == nil {
		e.PaymentID, e.OrderID = meta.PaymentID, meta.OrderID
	}
	return e
}

// excerpt is the start of a body as text, for an error message.
func excerpt(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	s := strings.ToValidUTF8(string(b), "?")
	if s == "" {
		return "(empty)"
	}
	return fmt.Sprintf("%q", s)
}

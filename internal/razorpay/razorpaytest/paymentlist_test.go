package razorpaytest_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// The fake lists payments as Razorpay does: newest first, from and to in
// Unix seconds (both included), count and skip; it refuses arguments
// Razorpay refuses.
func TestTheFakeListsPaymentsByTime(t *testing.T) {
	f := newFixture(t)
	at := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	f.fake.SetClock(func() time.Time { return at })
	_, first := f.paidOrder(t, "first")
	at = at.Add(time.Hour)
	_, second := f.paidOrder(t, "second")

	list := func(query string) []string {
		t.Helper()
		status, body := f.raw(t, http.MethodGet, "/v1/payments?"+query, "", true, nil)
		if status != http.StatusOK {
			t.Fatalf("GET /v1/payments?%s: %d %v", query, status, body)
		}
		var ids []string
		for _, item := range body["items"].([]any) {
			ids = append(ids, item.(map[string]any)["id"].(string))
		}
		return ids
	}
	p1, p2 := first.Form.Get("razorpay_payment_id"), second.Form.Get("razorpay_payment_id")
	for query, want := range map[string][]string{
		"":                                {p2, p1},
		fmt.Sprintf("from=%d", at.Unix()): {p2},
		fmt.Sprintf("to=%d", at.Unix()-1): {p1},
		fmt.Sprintf("from=%d&to=%d", at.Add(-time.Hour).Unix(), at.Unix()): {p2, p1},
		"count=1&skip=1": {p1},
		"skip=2":         nil,
	} {
		if got := list(query); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GET /v1/payments?%s = %v, want %v", query, got, want)
		}
	}
	for _, query := range []string{"from=yesterday", "to=-1", fmt.Sprintf("from=%d&to=%d", at.Unix(), at.Unix()-1), "count=101"} {
		if status, body := f.raw(t, http.MethodGet, "/v1/payments?"+query, "", true, nil); status != http.StatusBadRequest {
			t.Errorf("GET /v1/payments?%s: %d %v, want 400", query, status, body)
		}
	}
}

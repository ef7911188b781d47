package stripepay_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"broadsheet/internal/billing"
)

func TestStripeMockAcceptsThePaymentsList(t *testing.T) {
	base, rec := recordingProxy(t, stripeMockURL(t))
	g := newGateway(t, base, nil)
	since := time.Date(2026, 11, 12, 10, 0, 0, 0, time.UTC)
	listed, err := g.Payments(context.Background(), since)
	if err != nil {
		t.Fatalf("Payments: %v", err)
	}
	got := rec.only(t)
	if got.Method != http.MethodGet || got.Path != "/v1/payment_intents" || got.Status != http.StatusOK {
		t.Fatalf("request = %s %s answered %d", got.Method, got.Path, got.Status)
	}
	wantForm(t, got.Form, map[string]string{"created[gte]": strconv.FormatInt(since.Unix(), 10), "limit": "100"})
	if e := expanded(got.Form); e != "data.latest_charge" {
		t.Errorf("expanded %q, want each intent's latest charge", e)
	}
	// stripe-mock's fixture intent carries none of our keys.
	for _, p := range listed {
		if p.Key != "" || p.Ref == "" {
			t.Errorf("listed %+v, want an intent that is not ours", p)
		}
	}
}

// Two pages of intents, as Stripe lists them, newest first.
var intentPages = map[string]string{
	"": `{"object":"list","url":"/v1/payment_intents","has_more":true,"data":[
		{"id":"pi_Paid","object":"payment_intent","status":"succeeded","amount":90000,"amount_received":90000,"currency":"inr",
			"created":1794823200,"setup_future_usage":"off_session","metadata":{"broadsheet_key":"checkout:7:paid"},
			"latest_charge":{"id":"ch_1","object":"charge","amount":90000,"amount_refunded":20000}},
		{"id":"pi_OpenDecline","object":"payment_intent","status":"requires_payment_method","amount":90000,"currency":"inr",
			"created":1794823100,"setup_future_usage":"off_session","metadata":{"broadsheet_key":"checkout:8:open"},
			"last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}]}`,
	"pi_OpenDecline": `{"object":"list","url":"/v1/payment_intents","has_more":false,"data":[
		{"id":"pi_Expired","object":"payment_intent","status":"canceled","amount":90000,"currency":"inr",
			"created":1794823000,"setup_future_usage":"off_session","metadata":{"broadsheet_key":"checkout:9:expired"}},
		{"id":"pi_Declined","object":"payment_intent","status":"requires_payment_method","amount":90000,"currency":"inr",
			"created":1794822900,"metadata":{"broadsheet_key":"renewal:3:2:1"},
			"last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}},
		{"id":"pi_Processing","object":"payment_intent","status":"processing","amount":90000,"currency":"inr",
			"created":1794822800,"metadata":{"broadsheet_key":"renewal:4:2:1"}},
		{"id":"pi_Shop","object":"payment_intent","status":"succeeded","amount":5000,"amount_received":5000,"currency":"inr",
			"created":1794822700,"metadata":{}}]}`,
}

// Payments follows Stripe's pages with starting_after and reads each
// intent as Lookup would: what it took and gave back, a decline on a
// checkout's open page not yet a failure, an off-session decline one.
func TestPaymentsReadsStripesPages(t *testing.T) {
	base, rec := fakeStripe(t, map[string]http.HandlerFunc{"GET /v1/payment_intents": func(w http.ResponseWriter, r *http.Request) {
		page, ok := intentPages[r.Form.Get("starting_after")]
		if !ok {
			answer(http.StatusBadRequest, `{"error":{"type":"invalid_request_error","message":"No such object"}}`)(w, r)
			return
		}
		answer(http.StatusOK, page)(w, r)
	}})
	listed, err := newGateway(t, base, nil).Payments(context.Background(), time.Unix(1794800000, 0))
	if err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 2 || reqs[1].Form.Get("starting_after") != "pi_OpenDecline" {
		t.Fatalf("requests %+v, want two pages, the second after the first's last intent", reqs)
	}
	for _, r := range reqs {
		if r.Form.Get("created[gte]") != "1794800000" {
			t.Errorf("page asked from %q, want the window's start", r.Form.Get("created[gte]"))
		}
	}
	want := []billing.ProviderPayment{
		{Ref: "pi_Paid", Key: "checkout:7:paid", Amount: 90000, Currency: "inr", Status: billing.ProviderSucceeded, Refunded: 20000, CreatedAt: time.Unix(1794823200, 0).UTC()},
		{Ref: "pi_OpenDecline", Key: "checkout:8:open", Amount: 90000, Currency: "inr", Status: billing.ProviderPending, CreatedAt: time.Unix(1794823100, 0).UTC()},
		{Ref: "pi_Expired", Key: "checkout:9:expired", Amount: 90000, Currency: "inr", Status: billing.ProviderFailed, CreatedAt: time.Unix(1794823000, 0).UTC()},
		{Ref: "pi_Declined", Key: "renewal:3:2:1", Amount: 90000, Currency: "inr", Status: billing.ProviderFailed, CreatedAt: time.Unix(1794822900, 0).UTC()},
		{Ref: "pi_Processing", Key: "renewal:4:2:1", Amount: 90000, Currency: "inr", Status: billing.ProviderPending, CreatedAt: time.Unix(1794822800, 0).UTC()},
		{Ref: "pi_Shop", Amount: 5000, Currency: "inr", Status: billing.ProviderSucceeded, CreatedAt: time.Unix(1794822700, 0).UTC()},
	}
	if len(listed) != len(want) {
		t.Fatalf("listed %d intents, want %d: %+v", len(listed), len(want), listed)
	}
	for i := range want {
		if listed[i] != want[i] {
			t.Errorf("intent %d: %+v, want %+v", i, listed[i], want[i])
		}
	}
}

// A Stripe that fails part-way through the pages is an error, not a
// shorter list.
func TestPaymentsWhenStripeFails(t *testing.T) {
	base, _ := fakeStripe(t, map[string]http.HandlerFunc{"GET /v1/payment_intents": func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("starting_after") == "" {
			answer(http.StatusOK, intentPages[""])(w, r)
			return
		}
		answer(http.StatusInternalServerError, `{"error":{"type":"api_error","message":"An unknown error occurred"}}`)(w, r)
	}})
	if listed, err := newGateway(t, base, nil).Payments(context.Background(), time.Unix(1794800000, 0)); err == nil {
		t.Errorf("a failed second page gave %d intents and no error", len(listed))
	}
	if _, err := newGateway(t, closedServerURL(t), nil).Payments(context.Background(), time.Unix(1794800000, 0)); err == nil {
		t.Error("an unreachable Stripe gave no error")
	}
}

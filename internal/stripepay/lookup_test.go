package stripepay_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"broadsheet/internal/billing"
)

const checkoutKey = "checkout:42:AbCdEfGhIjKlMnOpQrStUv"

// Sessions as Stripe answers them with the payment intent and its payment
// method expanded.
var sessions = map[string]string{
	"cs_paid": `{"id":"cs_paid","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":49900,
		"customer":"cus_R1","metadata":{"broadsheet_key":"` + checkoutKey + `"},
		"payment_intent":{"id":"pi_Paid","object":"payment_intent","status":"succeeded","amount":49900,"amount_received":49900,"customer":"cus_R1",
			"payment_method":{"id":"pm_C1","object":"payment_method","type":"card","customer":"cus_R1",
				"card":{"brand":"visa","last4":"4242","exp_month":12,"exp_year":2030}}}}`,
	"cs_paid_rupay": `{"id":"cs_paid_rupay","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":49900,"customer":null,
		"payment_intent":{"id":"pi_Rupay","object":"payment_intent","status":"succeeded","amount":49900,"amount_received":0,"customer":{"id":"cus_R2","object":"customer"},
			"payment_method":{"id":"pm_C2","object":"payment_method","type":"card","card":{"brand":"rupay","last4":"0003","exp_month":1,"exp_year":2031}}}}`,
	"cs_paid_no_customer": `{"id":"cs_paid_no_customer","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":49900,"customer":null,
		"payment_intent":{"id":"pi_Guest","object":"payment_intent","status":"succeeded","amount_received":49900,"customer":null,
			"payment_method":{"id":"pm_C3","object":"payment_method","type":"card","card":{"brand":"visa","last4":"1881","exp_month":3,"exp_year":2029}}}}`,
	"cs_expired": `{"id":"cs_expired","object":"checkout.session","status":"expired","payment_status":"unpaid","payment_intent":null}`,
	"cs_expired_after_decline": `{"id":"cs_expired_after_decline","object":"checkout.session","status":"expired","payment_status":"unpaid",
		"payment_intent":{"id":"pi_Gone","object":"payment_intent","status":"canceled"}}`,
	"cs_open": `{"id":"cs_open","object":"checkout.session","status":"open","payment_status":"unpaid","payment_intent":null}`,
	"cs_open_declined": `{"id":"cs_open_declined","object":"checkout.session","status":"open","payment_status":"unpaid",
		"payment_intent":{"id":"pi_Retry","object":"payment_intent","status":"requires_payment_method",
			"last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}}`,
	"cs_processing": `{"id":"cs_processing","object":"checkout.session","status":"complete","payment_status":"unpaid",
		"payment_intent":{"id":"pi_Slow","object":"payment_intent","status":"processing"}}`,
	"cs_async_failed": `{"id":"cs_async_failed","object":"checkout.session","status":"complete","payment_status":"unpaid",
		"payment_intent":{"id":"pi_Failed","object":"payment_intent","status":"requires_payment_method",
			"last_payment_error":{"type":"card_error","code":"payment_method_provider_decline","message":"The payment was declined by your bank."}}}`,
}

func TestASessionLookupMapsStripesAnswer(t *testing.T) {
	base, rec := fakeStripe(t, map[string]http.HandlerFunc{"GET /v1/checkout/sessions/{id}": func(w http.ResponseWriter, r *http.Request) {
		body, ok := sessions[r.PathValue("id")]
		if !ok {
			answer(http.StatusNotFound, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such checkout.session"}}`)(w, r)
			return
		}
		answer(http.StatusOK, body)(w, r)
	}})
	g := newGateway(t, base, nil)
	for _, c := range []struct {
		ref   string
		found bool
		want  billing.ChargeResult
	}{
		{"cs_paid", true, billing.ChargeResult{Succeeded: true, Reference: "pi_Paid", Amount: 49900, Method: &billing.PaymentMethod{
			Gateway: "stripe", Token: "cus_R1/pm_C1", Brand: "Visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030}}},
		// The customer named on the intent when the session names none;
		// the session's total when the intent does not say what it took.
		{"cs_paid_rupay", true, billing.ChargeResult{Succeeded: true, Reference: "pi_Rupay", Amount: 49900, Method: &billing.PaymentMethod{
			Gateway: "stripe", Token: "cus_R2/pm_C2", Brand: "RuPay", Last4: "0003", ExpMonth: 1, ExpYear: 2031}}},
		// Paid, but nothing Stripe can charge later: no method to save.
		{"cs_paid_no_customer", true, billing.ChargeResult{Succeeded: true, Reference: "pi_Guest", Amount: 49900}},
		{"cs_expired", true, billing.ChargeResult{Failure: "The checkout expired before payment."}},
		{"cs_expired_after_decline", true, billing.ChargeResult{Reference: "pi_Gone", Failure: "The checkout expired before payment."}},
		{"cs_open", false, billing.ChargeResult{}},
		// The reader may try another card on the open page.
		{"cs_open_declined", false, billing.ChargeResult{}},
		{"cs_processing", false, billing.ChargeResult{}},
		{"cs_async_failed", true, billing.ChargeResult{Reference: "pi_Failed", Failure: "The payment was declined by your bank."}},
	} {
		res, found, err := g.Lookup(context.Background(), checkoutKey, c.ref)
		if err != nil {
			t.Errorf("Lookup(%s): %v", c.ref, err)
			continue
		}
		if found != c.found || !sameResult(res, c.want) {
			t.Errorf("Lookup(%s) = %+v (method %+v), found %v; want %+v (method %+v), found %v", c.ref, res, res.Method, found, c.want, c.want.Method, c.found)
		}
	}
	for _, r := range rec.all() {
		if expanded(r.Form) != "payment_intent payment_intent.payment_method" {
			t.Errorf("%s expanded %v, want the payment intent and its payment method", r.Path, r.Form)
			break
		}
	}
	if _, _, err := g.Lookup(context.Background(), checkoutKey, "cs_unknown"); err == nil {
		t.Error("a session Stripe does not know gave no error")
	}
}

func sameResult(a, b billing.ChargeResult) bool {
	if (a.Method == nil) != (b.Method == nil) || a.Method != nil && *a.Method != *b.Method {
		return false
	}
	a.Method, b.Method = nil, nil
	return a == b
}

// searchAnswering is a search endpoint that lists the given intents.
func searchAnswering(intents ...string) http.HandlerFunc {
	return answer(http.StatusOK, `{"object":"search_result","url":"/v1/payment_intents/search","has_more":false,"data":[`+strings.Join(intents, ",")+`]}`)
}

func intent(id, key, status, extra string) string {
	return `{"id":"` + id + `","object":"payment_intent","status":"` + status + `","amount":49900,"metadata":{"broadsheet_key":"` + key + `"}` + extra + `}`
}

func TestAChargeLookupFindsTheIntentByItsKey(t *testing.T) {
	const key = "renewal:7:2:1"
	paid := intent("pi_Paid", key, "succeeded", `,"amount_received":49900`)
	declined := intent("pi_Declined", key, "requires_payment_method", `,"last_payment_error":{"type":"card_error","message":"Your card has expired."}`)
	for _, c := range []struct {
		name    string
		intents []string
		found   bool
		want    billing.ChargeResult
	}{
		{"none", nil, false, billing.ChargeResult{}},
		{"paid", []string{paid}, true, billing.ChargeResult{Succeeded: true, Reference: "pi_Paid", Amount: 49900}},
		{"declined", []string{declined}, true, billing.ChargeResult{Reference: "pi_Declined", Failure: "Your card has expired."}},
		{"cancelled", []string{intent("pi_Off", key, "canceled", "")}, true, billing.ChargeResult{Reference: "pi_Off", Failure: "The payment was cancelled."}},
		{"wants authentication", []string{intent("pi_3ds", key, "requires_action", "")}, true,
			billing.ChargeResult{Reference: "pi_3ds", Failure: "Your bank asked to confirm this payment, which cannot be done for an automatic renewal."}},
		{"processing", []string{intent("pi_Slow", key, "processing", "")}, false, billing.ChargeResult{}},
		// Search matches case-insensitively: an intent under a key that
		// differs only in case is another payment's.
		{"another key's", []string{intent("pi_Other", "RENEWAL:7:2:1", "succeeded", `,"amount_received":49900`)}, false, billing.ChargeResult{}},
		{"without a key", []string{`{"id":"pi_Bare","object":"payment_intent","status":"succeeded","amount_received":49900,"metadata":{}}`}, false, billing.ChargeResult{}},
		{"paid after a decline", []string{declined, paid}, true, billing.ChargeResult{Succeeded: true, Reference: "pi_Paid", Amount: 49900}},
		{"declined, another still processing", []string{declined, intent("pi_Slow", key, "processing", "")}, false, billing.ChargeResult{}},
		// A checkout's intent, found by its key when billing knows no
		// session: the reader is on the page, where a decline is not the
		// end; Stripe cancels it when the page expires.
		{"a checkout's, paid", []string{intent("pi_Page", key, "succeeded", `,"setup_future_usage":"off_session","amount_received":49900,"customer":"cus_R1",`+
			`"payment_method":{"id":"pm_C1","object":"payment_method","type":"card","card":{"brand":"mastercard","last4":"4444","exp_month":6,"exp_year":2032}}`)},
			true, billing.ChargeResult{Succeeded: true, Reference: "pi_Page", Amount: 49900, Method: &billing.PaymentMethod{
				Gateway: "stripe", Token: "cus_R1/pm_C1", Brand: "Mastercard", Last4: "4444", ExpMonth: 6, ExpYear: 2032}}},
		{"a checkout's, declined on the open page", []string{intent("pi_Page", key, "requires_payment_method",
			`,"setup_future_usage":"off_session","last_payment_error":{"type":"card_error","message":"Your card was declined."}`)}, false, billing.ChargeResult{}},
		{"a checkout's, authenticating", []string{intent("pi_Page", key, "requires_action", `,"setup_future_usage":"off_session"`)}, false, billing.ChargeResult{}},
		{"a checkout's, expired", []string{intent("pi_Page", key, "canceled", `,"setup_future_usage":"off_session"`)}, true,
			billing.ChargeResult{Reference: "pi_Page", Failure: "The payment was cancelled."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, rec := fakeStripe(t, map[string]http.HandlerFunc{"GET /v1/payment_intents/search": searchAnswering(c.intents...)})
			res, found, err := newGateway(t, base, nil).Lookup(context.Background(), key, "")
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if found != c.found || !sameResult(res, c.want) {
				t.Errorf("Lookup = %+v, found %v; want %+v, found %v", res, found, c.want, c.found)
			}
			sent := rec.only(t).Form
			if q := sent.Get("query"); q != `metadata['broadsheet_key']:'renewal:7:2:1'` {
				t.Errorf("query = %q", q)
			}
			if e := expanded(sent); e != "data.payment_method" {
				t.Errorf("expanded %q, want each intent's payment method", e)
			}
		})
	}
}

func TestARefundWithoutAReferenceFindsThePaymentByKey(t *testing.T) {
	const key = "renewal:7:2:1"
	base, rec := fakeStripe(t, map[string]http.HandlerFunc{
		"GET /v1/payment_intents/search": searchAnswering(intent("pi_Paid", key, "succeeded", `,"amount_received":49900`)),
		"POST /v1/refunds":               answer(http.StatusOK, `{"id":"re_1","object":"refund","status":"succeeded","payment_intent":"pi_Paid"}`),
	})
	g := newGateway(t, base, nil)
	ref, err := g.Refund(context.Background(), billing.RefundRequest{Key: key, RefundKey: "refund:" + key})
	if err != nil || ref != "re_1" {
		t.Fatalf("Refund = %q, %v", ref, err)
	}
	reqs := rec.all()
	if len(reqs) != 2 || reqs[1].Form.Get("payment_intent") != "pi_Paid" || reqs[1].IdempotencyKey != "refund:"+key {
		t.Errorf("requests = %+v, want the search, then a refund of pi_Paid under the refund's key", reqs)
	}

	// Nothing paid under a key: nothing to refund, and no refund asked.
	base, rec = fakeStripe(t, map[string]http.HandlerFunc{"GET /v1/payment_intents/search": searchAnswering()})
	if _, err := newGateway(t, base, nil).Refund(context.Background(), billing.RefundRequest{Key: key, RefundKey: "refund:" + key}); err == nil {
		t.Error("a refund of nothing gave no error")
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d requests, want only the search", n)
	}
}

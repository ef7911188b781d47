package razorpay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/money"
	"broadsheet/internal/razorpay"
	"broadsheet/internal/razorpay/razorpaytest"
)

func setupRequest(key string, renewal int64) billing.SetupRequest {
	return billing.SetupRequest{
		Key: key, Currency: "INR", Amount: money.Paise(renewal), Description: "Payment method for Smart Essential",
		AccountID: 7, Email: "reader@example.com",
		ReturnURL: "https://news.example/account/payment-method/return?key=k",
		CancelURL: "https://news.example/account/payment-method/return?key=k&cancelled=1",
		ExpiresAt: time.Now().Add(time.Hour),
	}
}

// A new payment method is an authorisation transaction on the hosted
// checkout: an order of the setup's key for ₹1 (a card's authorisation
// amount) with the mandate's terms, whose payment registers a new token.
// Lookup answers with the token as the saved method and the ₹1 payment to
// refund; refunded by the setup's key, it is given back once; renewals
// then charge the new token.
func TestSetupRegistersANewMandate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := "setup:7:Zm9ybWtleQ"
	page, err := e.gw.StartSetup(ctx, setupRequest(key, int64(price)))
	if err != nil {
		t.Fatal(err)
	}
	if page.URL != e.url+"/v1/checkout/embedded" || !strings.HasPrefix(page.Ref, "order_") {
		t.Fatalf("page %+v", page)
	}
	for field, want := range map[string]string{
		"order_id": page.Ref, "recurring": "1", "amount": "100", "currency": "INR", "notes[broadsheet_key]": key,
		"callback_url": "https://news.example/account/payment-method/return?key=k",
	} {
		if got := page.Fields[field]; got != want {
			t.Errorf("field %s = %q, want %q", field, got, want)
		}
	}
	if _, found, err := e.gw.Lookup(ctx, key, page.Ref); err != nil || found {
		t.Fatalf("lookup before the reader authorised: found %v, %v", found, err)
	}
	if again, err := e.gw.StartSetup(ctx, setupRequest(key, int64(price))); err != nil || again.Ref != page.Ref {
		t.Fatalf("the same setup again: %+v, %v", again, err)
	}

	e.pay(t, page, razorpaytest.CardSucceeds)
	res, found, err := e.gw.Lookup(ctx, key, page.Ref)
	if err != nil || !found || !res.Succeeded || res.Amount != 100 || !strings.HasPrefix(res.Reference, "pay_") || res.Method == nil {
		t.Fatalf("lookup: %+v, %v, %v", res, found, err)
	}
	cust, tok, _ := strings.Cut(res.Method.Token, "/")
	token, err := e.client.FetchToken(ctx, cust, tok)
	if err != nil || token.MaxAmount != int64(razorpay.DefaultMandateCeiling) {
		t.Fatalf("token %+v, %v", token, err)
	}

	for range 2 {
		if _, err := e.gw.Refund(ctx, billing.RefundRequest{Key: key, Reference: res.Reference, RefundKey: "refund:" + key}); err != nil {
			t.Fatal(err)
		}
	}
	if n, amount := e.fake.Refunds(), e.fake.RefundedAmount(res.Reference); n != 1 || amount != 100 {
		t.Errorf("%d refunds of %d paise, want the ₹1 authorisation once", n, amount)
	}

	renewal, err := e.gw.Charge(ctx, billing.Charge{IdempotencyKey: "renewal:1:2:2", Token: res.Method.Token, Amount: price, Currency: "INR"})
	if err != nil || !renewal.Succeeded || renewal.Amount != price {
		t.Fatalf("renewal on the new mandate: %+v, %v", renewal, err)
	}
}

// A plan dearer than the ceiling asks the new mandate for its price; a
// card refused on the page saves nothing.
func TestSetupOfADearPlanAndADeclinedCard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dear := int64(razorpay.DefaultMandateCeiling) + 50000
	page, err := e.gw.StartSetup(ctx, setupRequest("setup:7:ZGVhcg", dear))
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, page, razorpaytest.CardSucceeds)
	res, _, err := e.gw.Lookup(ctx, "setup:7:ZGVhcg", page.Ref)
	if err != nil || res.Method == nil {
		t.Fatalf("lookup: %+v, %v", res, err)
	}
	cust, tok, _ := strings.Cut(res.Method.Token, "/")
	if token, err := e.client.FetchToken(ctx, cust, tok); err != nil || token.MaxAmount != dear {
		t.Errorf("token %+v, %v; want a ceiling of %d", token, err, dear)
	}

	page, err = e.gw.StartSetup(ctx, setupRequest("setup:7:ZGVjbGluZWQ", int64(price)))
	if err != nil {
		t.Fatal(err)
	}
	e.pay(t, page, razorpaytest.CardDeclined)
	res, found, err := e.gw.Lookup(ctx, "setup:7:ZGVjbGluZWQ", page.Ref)
	if err != nil || !found || res.Succeeded || res.Method != nil || res.Failure == "" {
		t.Errorf("declined: %+v, %v, %v", res, found, err)
	}
}

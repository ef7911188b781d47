package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// An address of 8,000 characters typed into every form that takes one is
// refused as input on both engines: never a server error, and nothing is
// created or sent.
func TestLongEmailIsRefusedEverywhere(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		long := lePseudoRandomLetters(8000) + "@example.com"
		accountsBefore, err := site.App.Store.CountAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mailBefore, err := site.App.Store.Outbox(ctx, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		forms := []struct {
			path string
			form url.Values
		}{
			{"/login", url.Values{"email": {long}, "password": {"a password of some length"}}},
			{"/login/link", url.Values{"email": {long}}},
			{"/login/code", url.Values{"email": {long}, "code": {"12345678"}}},
			{"/register", url.Values{"email": {long}, "password": {"a password of some length"}}},
			{"/password/forgot", url.Values{"email": {long}}},
		}
		for _, f := range forms {
			resp := site.NewBrowser().Post(f.path, f.form)
			if resp.Status >= 500 || resp.Status < 400 {
				t.Errorf("POST %s with a long email: status %d, want a 4xx refusal", f.path, resp.Status)
			}
		}
		in, _ := json.Marshal(map[string]string{"email": long, "password": "a password of some length"})
		resp := site.NewBrowser().Do(http.MethodPost, "/api/v1/sessions", strings.NewReader(string(in)),
			http.Header{"Content-Type": {"application/json"}})
		if resp.Status >= 500 || resp.Status < 400 {
			t.Errorf("POST /api/v1/sessions with a long email: status %d, want a 4xx refusal", resp.Status)
		}

		reader := site.NewBrowser()
		logIn(t, reader, demoAccount(t, "registered"), "/")
		if resp := reader.Post("/account/email", url.Values{"email": {long}, "current_password": {demoAccount(t, "registered").Password}}); resp.Status != http.StatusBadRequest {
			t.Errorf("changing to a long email: status %d, want 400", resp.Status)
		}

		if n, err := site.App.Store.CountAccounts(ctx); err != nil || n != accountsBefore {
			t.Errorf("accounts after the long emails: %d, %v; want %d", n, err, accountsBefore)
		}
		if mail, err := site.App.Store.Outbox(ctx, 1_000_000); err != nil || len(mail) != len(mailBefore) {
			t.Errorf("emails after the long emails: %d, %v; want %d", len(mail), err, len(mailBefore))
		}
	})
}

// lePseudoRandomLetters returns n letters that do not compress, as an
// attacker's would not: PostgreSQL compresses long index entries, so a
// run of one letter would slip under its index's row size.
func lePseudoRandomLetters(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}

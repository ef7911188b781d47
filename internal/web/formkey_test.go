package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// A checkout form whose key the server did not make (empty, overlong,
// foreign characters) is refused as an expired form: nothing is charged,
// and an overlong key never reaches the payments index (PostgreSQL
// answered 500 to a 7,000-character key).
func TestCheckoutRefusesAForeignFormKey(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		reader := demoAccount(t, "registered reader")
		acct, err := site.App.Store.AccountByEmail(ctx, reader.Email)
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		logIn(t, b, reader, "/")
		for _, key := range []string{"", strings.Repeat("k", 7000), "not-a-key", "AAAAAAAAAAAAAAAAAAAAA!"} {
			resp := b.Post("/subscribe/smart-quarterly", url.Values{"checkout_key": {key}})
			if resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "The form expired") {
				t.Errorf("key of %d characters: status %d, want 400 with the form again", len(key), resp.Status)
			}
		}
		if paid, err := site.App.Store.CountSucceededPayments(ctx, acct.ID); err != nil || paid != 0 {
			t.Errorf("%d payments (%v), want none", paid, err)
		}
	})
}

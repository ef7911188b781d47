package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
)

func TestAPISubscriber(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		_, premium := stories(t, site)
		sub := demoAccount(t, "subscriber")
		token := signIn(t, b, sub.Email, sub.Password)

		resp, me := call(t, b, "GET", "/api/v1/me", nil, bearer(token))
		if resp.Status != http.StatusOK {
			t.Fatalf("/me: status %d: %s", resp.Status, resp.Body)
		}
		acc := me["account"].(map[string]any)
		if acc["email"] != sub.Email || acc["is_admin"] != false || acc["id"] == nil {
			t.Errorf("account %v", acc)
		}
		s, ok := me["subscription"].(map[string]any)
		if !ok {
			t.Fatalf("no subscription: %s", resp.Body)
		}
		if s["entitled"] != true || s["plan_code"] != "smart-essential" || s["plan_name"] != "Smart Essential" ||
			s["status"] != "active" || s["auto_renew"] != true {
			t.Errorf("subscription %v", s)
		}
		paid, err := time.Parse(time.RFC3339, s["paid_until"].(string))
		if err != nil || !paid.After(site.Clock.Now().AddDate(0, 11, 0)) {
			t.Errorf("paid_until %v (%v)", s["paid_until"], err)
		}

		// The plan chosen for the next renewal, by code and name.
		if v, present := s["next_plan"]; !present || v != nil {
			t.Errorf("next_plan %v (present %v) before any switch, want null", v, present)
		}
		if err := site.App.Billing.SwitchAtRenewal(context.Background(), accountID(t, site, sub.Email), "super-saver"); err != nil {
			t.Fatal(err)
		}
		_, me = call(t, b, "GET", "/api/v1/me", nil, bearer(token))
		s = me["subscription"].(map[string]any)
		if next, _ := s["next_plan"].(map[string]any); next["code"] != "super-saver" || next["name"] != "Super Saver" || s["plan_code"] != "smart-essential" {
			t.Errorf("after a switch at renewal: %v", s)
		}

		_, out, article := getArticle(t, b, premium[0].Slug, bearer(token))
		assertGranted(t, premium[0], out, article, "subscriber")

		// A registered reader without a plan has no subscription.
		plain := demoAccount(t, "registered")
		_, me = call(t, b, "GET", "/api/v1/me", nil, bearer(signIn(t, b, plain.Email, plain.Password)))
		if v, ok := me["subscription"]; !ok || v != nil {
			t.Errorf("reader without a plan: subscription %v (present %v)", v, ok)
		}
	})
}

func TestAPISignInErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		sub := demoAccount(t, "subscriber")

		resp, out := call(t, b, "GET", "/api/v1/me", nil, nil)
		wantError(t, resp, out, http.StatusUnauthorized)
		resp, out = call(t, b, "GET", "/api/v1/me", nil, bearer("not-a-token"))
		wantError(t, resp, out, http.StatusUnauthorized)
		resp, out = call(t, b, "GET", "/api/v1/me", nil, http.Header{"Authorization": {"Basic Zm9vOmJhcg=="}})
		wantError(t, resp, out, http.StatusUnauthorized)

		for _, body := range []string{"{", "not json", `{"email":"a@b.test","password":"x"} {}`, `{"email":"","password":""}`, `[]`} {
			resp, out := call(t, b, "POST", "/api/v1/sessions", body, nil)
			wantError(t, resp, out, http.StatusBadRequest)
		}

		for i := range 5 {
			resp, out := call(t, b, "POST", "/api/v1/sessions", map[string]string{"email": sub.Email, "password": "wrong-password"}, nil)
			wantError(t, resp, out, http.StatusUnauthorized)
			if _, ok := out["token"]; ok {
				t.Fatalf("attempt %d: a token for a wrong password", i)
			}
		}
		// Past the limit even the right password is refused for a while.
		resp, out = call(t, b, "POST", "/api/v1/sessions", map[string]string{"email": sub.Email, "password": sub.Password}, nil)
		wantError(t, resp, out, http.StatusTooManyRequests)
		if _, ok := out["token"]; ok {
			t.Fatal("a token while throttled")
		}
	})
}

func TestAPISignOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		sub := demoAccount(t, "subscriber")
		token := signIn(t, b, sub.Email, sub.Password)
		other := signIn(t, b, sub.Email, sub.Password)

		resp, out := call(t, b, "DELETE", "/api/v1/sessions/current", nil, nil)
		wantError(t, resp, out, http.StatusUnauthorized)

		resp = b.Do("DELETE", "/api/v1/sessions/current", nil, bearer(token))
		if resp.Status != http.StatusNoContent || resp.Body != "" {
			t.Fatalf("sign out: status %d, body %q", resp.Status, resp.Body)
		}
		resp, out = call(t, b, "GET", "/api/v1/me", nil, bearer(token))
		wantError(t, resp, out, http.StatusUnauthorized)
		// A signed-out token reads nothing as its account either.
		_, premium := stories(t, site)
		resp, out = call(t, b, "GET", "/api/v1/articles/"+premium[0].Slug, nil, bearer(token))
		wantError(t, resp, out, http.StatusUnauthorized)
		assertNoGatedText(t, resp.Body, premium[0], 0)

		// The account's other device is still signed in.
		if resp, _ := call(t, b, "GET", "/api/v1/me", nil, bearer(other)); resp.Status != http.StatusOK {
			t.Errorf("other device: status %d", resp.Status)
		}
	})
}

func TestAPIDeviceLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		plain := demoAccount(t, "registered")
		limit := site.App.Settings.Get().DeviceLimit
		if limit < 1 || limit > 10 {
			t.Fatalf("demo device limit %d", limit)
		}
		oldest := signIn(t, b, plain.Email, plain.Password)
		for range limit {
			site.Clock.Advance(2 * time.Minute)
			signIn(t, b, plain.Email, plain.Password)
		}
		resp, out := call(t, b, "GET", "/api/v1/me", nil, bearer(oldest))
		wantError(t, resp, out, http.StatusUnauthorized)
		if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "more devices") {
			t.Errorf("device-limit sign-out says %q", msg)
		}
	})
}

func TestAPIPlans(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		resp, out := call(t, site.NewBrowser(), "GET", "/api/v1/plans", nil, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
		plans := out["plans"].([]any)
		if len(plans) != 3 {
			t.Fatalf("%d plans", len(plans))
		}
		want := []map[string]any{
			{"code": "smart-quarterly", "name": "Smart Quarterly", "price_paise": 90000.0, "currency": "INR", "price_display": "₹900", "term_months": 3.0, "term_label": "3 Months", "monthly_display": "₹300"},
			{"code": "smart-essential", "name": "Smart Essential", "price_paise": 270000.0, "currency": "INR", "price_display": "₹2,700", "term_months": 12.0, "term_label": "1 Year", "monthly_display": "₹225"},
			{"code": "super-saver", "name": "Super Saver", "price_paise": 390000.0, "currency": "INR", "price_display": "₹3,900", "term_months": 24.0, "term_label": "2 Years", "monthly_display": "₹162"},
		}
		for i, w := range want {
			got := plans[i].(map[string]any)
			for k, v := range w {
				if got[k] != v {
					t.Errorf("plan %d %s = %v, want %v", i, k, got[k], v)
				}
			}
		}
	})
}

func TestAPIRouting(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		for _, path := range []string{"/api/v1/nope", "/api/v2/articles", "/api/", "/api/v1/articles/"} {
			resp, out := call(t, b, "GET", path, nil, nil)
			wantError(t, resp, out, http.StatusNotFound)
		}
		for _, c := range []struct{ method, path, allow string }{
			{"POST", "/api/v1/articles", "GET"},
			{"DELETE", "/api/v1/plans", "GET"},
			{"GET", "/api/v1/sessions", "POST"},
			{"POST", "/api/v1/sessions/current", "DELETE"},
			{"PUT", "/api/v1/me", "GET"},
			{"POST", "/api/v1/me/payments", "GET"},
			{"DELETE", "/api/v1/me/invoices/1.pdf", "GET"},
		} {
			resp, out := call(t, b, c.method, c.path, nil, nil)
			wantError(t, resp, out, http.StatusMethodNotAllowed)
			if got := resp.Header.Get("Allow"); got != c.allow {
				t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
			}
		}
	})
}

// Staff signed in through the API read premium stories in full, as on the
// site.
func TestAPIStaffReadPremiumStories(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		_, premium := stories(t, site)
		admin := demoAccount(t, "admin")
		_, out, article := getArticle(t, b, premium[0].Slug, bearer(signIn(t, b, admin.Email, admin.Password)))
		assertGranted(t, premium[0], out, article, "subscriber")
	})
}

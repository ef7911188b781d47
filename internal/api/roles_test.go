package api_test

import (
	"net/http"
	"testing"

	"broadsheet/internal/app/apptest"
)

// Apps see an account's role; is_admin stays, true for admins only, for
// apps written before roles.
func TestAPIAccountRole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		for _, c := range []struct {
			who, role string
			isAdmin   bool
		}{
			{"admin", "admin", true},
			{"editor", "editor", false},
			{"registered reader", "", false},
		} {
			a := demoAccount(t, c.who)
			token := signIn(t, b, a.Email, a.Password)
			resp, me := call(t, b, "GET", "/api/v1/me", nil, bearer(token))
			if resp.Status != http.StatusOK {
				t.Fatalf("%s /me: status %d: %s", c.who, resp.Status, resp.Body)
			}
			acc, _ := me["account"].(map[string]any)
			if acc["role"] != c.role || acc["is_admin"] != c.isAdmin {
				t.Errorf("%s: role %#v, is_admin %#v; want %q, %v", c.who, acc["role"], acc["is_admin"], c.role, c.isAdmin)
			}
		}
	})
}

// An editor's app reads premium stories in full, and metered ones past
// the free limit, as staff do on the site.
func TestAPIEditorReadsEveryStoryInFull(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		metered, premium := stories(t, site)
		editor := demoAccount(t, "editor")
		auth := bearer(signIn(t, b, editor.Email, editor.Password))
		_, out, article := getArticle(t, b, premium[0].Slug, auth)
		assertGranted(t, premium[0], out, article, "subscriber")
		limit := site.App.Settings.Get().FreeLimit
		if len(metered) < limit+1 {
			t.Fatalf("demo has %d metered stories, want more than the limit %d", len(metered), limit)
		}
		for _, a := range metered[:limit+1] {
			_, out, article := getArticle(t, b, a.Slug, auth)
			assertGranted(t, a, out, article, "subscriber")
		}
	})
}

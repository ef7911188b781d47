package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// After a password sign-in the Location header is a path on this site,
// whatever next the form carried.
func TestNextRedirectAfterSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		owner := demoAccount(t, "registered")
		d := thDeviceAt(site, "127.0.0.61")
		for _, tc := range []struct{ next, want string }{
			{"/\t/evil.example", "/"},
			{"/\\evil.example", "/"},
			{"//evil.example/", "/"},
			{"https://evil.example/", "/"},
			{"/\r\nSet-Cookie: x=y", "/"},
			{"/%09/evil.example", "/"},
			{"/account?x=1", "/account?x=1"},
		} {
			form := url.Values{"email": {owner.Email}, "password": {owner.Password}, "next": {tc.next}}
			resp, body, err := d.send(http.MethodPost, "/login", "application/x-www-form-urlencoded", form.Encode())
			if err != nil {
				t.Fatal(err)
			}
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("next %q: status %d\n%s", tc.next, resp.StatusCode, body)
			}
			if loc != tc.want {
				t.Errorf("next %q: Location %q, want %q", tc.next, loc, tc.want)
			}
			if strings.ContainsAny(loc, "\t\r\n\\") || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Errorf("next %q: Location %q leaves the site", tc.next, loc)
			}
		}
	})
}

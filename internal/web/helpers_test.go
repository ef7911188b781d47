package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
)

// demoAccount returns the demo sign-in whose role starts with role.
func demoAccount(t testing.TB, role string) demo.Account {
	t.Helper()
	for _, a := range demo.Accounts {
		if strings.HasPrefix(a.Role, role) {
			return a
		}
	}
	t.Fatalf("no demo account with role %q", role)
	return demo.Account{}
}

// logIn signs a device in with a password through the sign-in form.
func logIn(t *testing.T, b *apptest.Browser, a demo.Account, next string) apptest.Response {
	t.Helper()
	resp := b.Post("/login", url.Values{"email": {a.Email}, "password": {a.Password}, "next": {next}})
	if resp.Status != http.StatusOK || b.Cookie("bs_session") == "" {
		t.Fatalf("sign-in as %s: status %d at %s, session cookie %q", a.Email, resp.Status, resp.URL, b.Cookie("bs_session"))
	}
	return resp
}

// meteredStories returns at least n of the demo's stories that are not premium.
func meteredStories(t *testing.T, site *apptest.Site, n int) []*content.Article {
	t.Helper()
	free, _ := stories(t, site)
	if len(free) < n {
		t.Fatalf("demo has %d non-premium stories, want %d", len(free), n)
	}
	return free
}

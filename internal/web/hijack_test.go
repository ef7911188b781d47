package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/demo"
)

// pwMail returns the body of the newest email to addr whose body matches
// re, with re's first group, read from the outbox as a mailbox would.
func pwMail(t *testing.T, site *apptest.Site, addr string, re *regexp.Regexp) (body, group string) {
	t.Helper()
	msgs, err := site.App.Store.Outbox(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To != addr {
			continue
		}
		if g := re.FindStringSubmatch(m.Body); g != nil {
			return m.Body, g[1]
		}
	}
	t.Fatalf("no email to %s matching %s", addr, re)
	return "", ""
}

// pwMailCount counts the emails to addr whose body matches re.
func pwMailCount(t *testing.T, site *apptest.Site, addr string, re *regexp.Regexp) int {
	t.Helper()
	msgs, err := site.App.Store.Outbox(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.To == addr && re.MatchString(m.Body) {
			n++
		}
	}
	return n
}

var pwSignInLinkRE = regexp.MustCompile(`https?://\S+(/login/link/[A-Za-z0-9_-]+)`)

// An attacker registers someone else's address with a password of their
// own and stays signed in. When the address's owner later signs in by an
// emailed link and subscribes, the attacker's session is over and the
// attacker's password opens nothing.
func TestHijackByPreRegisteringIsUndone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		const victim, attackerPassword = "victim@example.com", "attacker-chosen-password"
		attacker := site.NewBrowser()
		if resp := attacker.Post("/register", url.Values{"email": {victim}, "password": {attackerPassword}, "next": {"/account"}}); resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("attacker registering: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, attacker); got != victim {
			t.Fatalf("attacker signed in as %q", got)
		}
		// A second device of the attacker, signed in by the password.
		attacker2 := site.NewBrowser()
		logIn(t, attacker2, pwAccount(victim, attackerPassword), "/")

		owner := site.NewBrowser()
		if resp := owner.Post("/login/link", url.Values{"email": {victim}, "next": {"/account"}}); resp.Status != http.StatusOK {
			t.Fatalf("owner asking for a link: status %d", resp.Status)
		}
		_, path := pwMail(t, site, victim, pwSignInLinkRE)
		if resp := owner.Post(path, nil); resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("owner using the link: status %d at %s", resp.Status, resp.URL)
		}
		checkout := owner.Get("/subscribe/smart-essential")
		paid := coSubscribe(t, owner, "smart-essential", coCheckoutKey(t, checkout.Body), billing.CardSucceeds)
		if paid.Status != http.StatusOK || !strings.Contains(paid.Body, "Your subscription is active") {
			t.Fatalf("owner subscribing: status %d at %s", paid.Status, paid.URL)
		}

		for i, b := range []*apptest.Browser{attacker, attacker2} {
			if got := siSignedInAs(t, b); got != "" {
				t.Errorf("attacker's device %d is still signed in as %q after the owner took the address", i, got)
			}
		}
		again := site.NewBrowser()
		resp := again.Post("/login", url.Values{"email": {victim}, "password": {attackerPassword}, "next": {"/"}})
		if resp.Status == http.StatusOK || again.Cookie("bs_session") != "" {
			t.Errorf("the attacker's password still signs in: status %d", resp.Status)
		}
		if got := siSignedInAs(t, owner); got != victim {
			t.Errorf("the owner is signed in as %q", got)
		}
		if acct, err := site.App.Store.AccountByEmail(context.Background(), victim); err != nil || acct.EmailVerifiedAt == nil {
			t.Errorf("after a link sign-in the address is not marked confirmed: %v", err)
		}
	})
}

// pwAccount is a sign-in made up by a test.
func pwAccount(email, password string) demo.Account {
	return demo.Account{Email: email, Password: password}
}

// The squatter, before the owner takes the address back, asks to move the
// account to an address of their own; the link they get must not work
// once the owner has signed in by emailed link.
func TestHijackByPendingEmailChangeIsUndone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		const victim, attackerPassword, attackerEmail = "victim@example.com", "attacker-chosen-password", "attacker@example.com"
		attacker := site.NewBrowser()
		attacker.Post("/register", url.Values{"email": {victim}, "password": {attackerPassword}, "next": {"/"}})
		if resp := attacker.Post("/account/email", url.Values{"email": {attackerEmail}, "current_password": {attackerPassword}}); resp.Status != http.StatusOK {
			t.Fatalf("attacker asking to move the account: status %d", resp.Status)
		}
		_, change := pwMail(t, site, attackerEmail, pwChangeLinkRE)

		owner := site.NewBrowser()
		owner.Post("/login/link", url.Values{"email": {victim}, "next": {"/account"}})
		_, path := pwMail(t, site, victim, pwSignInLinkRE)
		if resp := owner.Post(path, nil); resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("owner using the link: status %d at %s", resp.Status, resp.URL)
		}

		if resp := site.NewBrowser().Post(change, nil); resp.Status != http.StatusGone {
			t.Errorf("the attacker's email change after the owner took the address: status %d", resp.Status)
		}
		if got := siSignedInAs(t, owner); got != victim {
			t.Errorf("the owner is signed in as %q", got)
		}
	})
}

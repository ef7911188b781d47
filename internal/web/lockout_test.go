package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
)

// loPost posts a form from a device and returns the status and page.
func loPost(t *testing.T, d *thDevice, path string, form url.Values) (int, string) {
	t.Helper()
	resp, body, err := d.send(http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode())
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp.StatusCode, body
}

// Attackers on other machines ask for sign-in links to a victim's address
// until one machine would have used up the address's burst. The victim's
// own request still sends a link. Past the address's overall daily cap a
// request is refused and the page says so, instead of claiming a link was
// sent; the refusal is the same for an address without an account.
func TestLockoutByLinkRequestsFromOtherClients(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		victim := demoAccount(t, "subscriber")
		ask := func(d *thDevice, email string) (int, string) {
			return loPost(t, d, "/login/link", url.Values{"email": {email}})
		}
		for i := range accounts.MaxLinksPerAddressClientBurst {
			if st, _ := ask(thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 61+i)), victim.Email); st != http.StatusSeeOther {
				t.Fatalf("attacker %d: status %d", i, st)
			}
		}
		before := siEmailsTo(t, site, victim.Email)
		if st, _ := ask(thDeviceAt(site, "127.0.0.71"), victim.Email); st != http.StatusSeeOther {
			t.Fatalf("the victim's request: status %d", st)
		}
		if n := siEmailsTo(t, site, victim.Email) - before; n != 1 {
			t.Fatalf("the victim's own request sent %d emails after other clients' requests, want 1", n)
		}

		// One machine past its burst for the address is told, not misled.
		attacker := thDeviceAt(site, "127.0.0.61")
		for range accounts.MaxLinksPerAddressClientBurst - 1 {
			ask(attacker, victim.Email)
		}
		before = siEmailsTo(t, site, victim.Email)
		st, body := ask(attacker, victim.Email)
		if st != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-in emails were sent to this address") {
			t.Errorf("past one client's burst: status %d\n%s", st, body)
		}
		if n := siEmailsTo(t, site, victim.Email) - before; n != 0 {
			t.Errorf("a refused request sent %d emails", n)
		}

		// Many machines reach the address's overall cap; then every
		// machine is refused, honestly, for an address with or without an
		// account alike.
		for _, email := range []string{victim.Email, "no.account@example.com"} {
			for i := 0; pwMailCount(t, site, email, pwSignInLinkRE) < accounts.MaxLinksPerAddressPerDay; i++ {
				if i > 2*accounts.MaxLinksPerAddressPerDay {
					t.Fatalf("%s: the overall cap is never reached", email)
				}
				ask(thDeviceAt(site, fmt.Sprintf("127.0.1.%d", 1+i)), email)
			}
			st, body := ask(thDeviceAt(site, "127.0.2.1"), email)
			if st != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-in emails were sent to this address") {
				t.Errorf("%s past the overall cap: status %d\n%s", email, st, body)
			}
			if n := pwMailCount(t, site, email, pwSignInLinkRE); n != accounts.MaxLinksPerAddressPerDay {
				t.Errorf("%s got %d emails, want the cap of %d", email, n, accounts.MaxLinksPerAddressPerDay)
			}
		}
	})
}

// Attackers on other machines ask for password resets for a victim's
// address; the victim's own request still sends one.
func TestLockoutByResetRequestsFromOtherClients(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		victim := demoAccount(t, "registered")
		for i := range 4 {
			loPost(t, thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 81+i)), "/password/forgot", url.Values{"email": {victim.Email}})
		}
		before := pwMailCount(t, site, victim.Email, pwResetLinkRE)
		st, body := loPost(t, thDeviceAt(site, "127.0.0.91"), "/password/forgot", url.Values{"email": {victim.Email}})
		if st != http.StatusSeeOther {
			t.Fatalf("the victim's reset request: status %d\n%s", st, body)
		}
		if n := pwMailCount(t, site, victim.Email, pwResetLinkRE) - before; n != 1 {
			t.Errorf("the victim's reset request sent %d emails, want 1", n)
		}
	})
}

// An attacker types wrong codes for a victim's address from one machine
// until it is refused; the victim, on another machine, still signs in
// with the code of a link they ask for.
func TestLockoutByWrongCodesFromOneClient(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		victim := demoAccount(t, "subscriber")
		attacker := thDeviceAt(site, "127.0.0.101")
		guess, refused := 0, false
		for round := 0; !refused; round++ {
			if round > accounts.MaxCodeGuessesPerAddressClientDay {
				t.Fatal("one machine is never refused")
			}
			loPost(t, attacker, "/login/link", url.Values{"email": {victim.Email}})
			for range accounts.MaxCodeGuessesPerLink {
				st, _ := loPost(t, attacker, "/login/code", url.Values{"email": {victim.Email}, "code": {fmt.Sprintf("%08d", guess)}})
				guess++
				if st == http.StatusTooManyRequests {
					refused = true
					break
				}
				if st != http.StatusUnauthorized {
					t.Fatalf("wrong code %d: status %d", guess, st)
				}
			}
		}
		owner := site.NewBrowser()
		_, _, code := siRequestLink(t, site, owner, victim.Email, "/account")
		if resp := owner.Post("/login/code", url.Values{"email": {victim.Email}, "code": {code}}); resp.URL != "/account" {
			t.Fatalf("the victim's code after %d wrong ones from another machine: status %d at %s", guess, resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, owner); got != victim.Email {
			t.Errorf("the victim is signed in as %q", got)
		}
	})
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/app/apptest"
)

var mpApproveLinkRE = regexp.MustCompile(`https?://\S+(/account/email-approve/[A-Za-z0-9_-]+)`)

// mpLinkSignIn signs b in by an emailed link to email: for a new address
// that makes an account without a password.
func mpLinkSignIn(t *testing.T, site *apptest.Site, b *apptest.Browser, email string) {
	t.Helper()
	path, _, _ := siRequestLink(t, site, b, email, "/account")
	if resp := b.Post(path, nil); resp.URL != "/account" {
		t.Fatalf("signing in by link: status %d at %s", resp.Status, resp.URL)
	}
}

// mpCopyDevice is a thief's copy of a signed-in device: its session cookie.
func mpCopyDevice(site *apptest.Site, b *apptest.Browser) *apptest.Browser {
	thief := site.NewBrowser()
	thief.SetCookie("bs_session", b.Cookie("bs_session"))
	return thief
}

// A copied device of an account without a password asks to move it to the
// thief's address. Nothing goes to that address until a link sent to the
// current one is followed, so the thief, who has the device but not the
// mailbox, never gets the account; the owner stays signed in. The owner
// following that link is what sends the confirmation to the new address.
func TestTakeoverByEmailChangeNeedsTheCurrentMailbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		const ownerEmail, thiefEmail = "linkonly.owner@example.com", "thief@example.net"
		owner, second := site.NewBrowser(), site.NewBrowser()
		mpLinkSignIn(t, site, owner, ownerEmail)
		mpLinkSignIn(t, site, second, ownerEmail)
		thief := mpCopyDevice(site, owner)

		resp := thief.Post("/account/email", url.Values{"email": {thiefEmail}, "current_password": {""}})
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, ownerEmail) {
			t.Fatalf("asking to change the email: status %d at %s\n%s", resp.Status, resp.URL, resp.Body)
		}
		if n := pwMailCount(t, site, thiefEmail, pwChangeLinkRE); n != 0 {
			t.Fatalf("%d confirmation emails went to the new address before the current one approved", n)
		}
		_, approve := pwMail(t, site, ownerEmail, mpApproveLinkRE)
		// Even with the device, the thief cannot skip to a confirmation.
		for _, path := range []string{"/account/email/forged", "/account/email-approve/forged"} {
			if resp := thief.Post(path, nil); resp.Status != http.StatusGone {
				t.Errorf("a forged link %s: status %d, want 410", path, resp.Status)
			}
		}
		if got := siSignedInAs(t, second); got != ownerEmail {
			t.Errorf("the owner's other device is signed in as %q", got)
		}
		if a, err := site.App.Store.AccountByEmail(ctx, ownerEmail); err != nil || a.PasswordHash != "" {
			t.Fatalf("the owner's account after the request: %+v, %v", a, err)
		}

		// The owner's own change, approved from any device that opens the
		// mail, then confirmed at the new address.
		const moved = "linkonly.moved@example.com"
		if resp := owner.Post("/account/email", url.Values{"email": {moved}}); resp.Status != http.StatusOK {
			t.Fatalf("the owner asks to change: status %d", resp.Status)
		}
		_, approve = pwMail(t, site, ownerEmail, mpApproveLinkRE)
		mailbox := site.NewBrowser()
		if page := mailbox.Get(approve); page.Status != http.StatusOK || !strings.Contains(page.Body, moved) {
			t.Fatalf("the approval page: status %d\n%s", page.Status, page.Body)
		}
		if n := pwMailCount(t, site, moved, pwChangeLinkRE); n != 0 {
			t.Fatalf("opening the approval link sent %d emails (mail scanners open links)", n)
		}
		// The link approves once, however many times it is posted at once.
		statuses := make([]int, 10)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() { statuses[i] = site.NewBrowser().Post(approve, nil).Status })
		}
		wg.Wait()
		approved := 0
		for i, st := range statuses {
			switch st {
			case http.StatusOK:
				approved++
			case http.StatusGone:
			default:
				t.Errorf("approval %d: status %d", i, st)
			}
		}
		if n := pwMailCount(t, site, moved, pwChangeLinkRE); approved != 1 || n != 1 {
			t.Fatalf("10 approvals at once: %d approved, %d confirmation emails; want 1 and 1", approved, n)
		}
		_, confirm := pwMail(t, site, moved, pwChangeLinkRE)
		if resp := owner.Post(confirm, nil); resp.URL != "/account" {
			t.Fatalf("confirming at the new address: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, owner); got != moved {
			t.Errorf("after the change the owner is %q, want %q", got, moved)
		}
		if n := pwMailCount(t, site, thiefEmail, pwChangeLinkRE); n != 0 {
			t.Errorf("%d confirmation emails went to the thief", n)
		}
	})
}

// A copied device of an account without a password sets one. The password
// is set only through a link sent to the account's address, so the thief's
// password signs nothing in and the owner stays signed in; following the
// link, on any device, lets the owner choose one.
func TestTakeoverBySettingAFirstPasswordNeedsTheMailbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		const ownerEmail = "linkonly.owner@example.com"
		owner := site.NewBrowser()
		mpLinkSignIn(t, site, owner, ownerEmail)
		thief := mpCopyDevice(site, owner)

		resp := thief.Post("/account/password", url.Values{"current_password": {""}, "new_password": {"thief-password-123"}})
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, ownerEmail) {
			t.Fatalf("setting a password: status %d at %s\n%s", resp.Status, resp.URL, resp.Body)
		}
		if pwCanLogIn(t, site, ownerEmail, "thief-password-123") {
			t.Fatal("the thief's password signs in")
		}
		if got := siSignedInAs(t, owner); got != ownerEmail {
			t.Fatalf("the owner's device is signed in as %q", got)
		}

		_, reset := pwMail(t, site, ownerEmail, pwResetLinkRE)
		mailbox := site.NewBrowser()
		if resp := mailbox.Post(reset, url.Values{"password": {"the owner's password"}}); resp.Status != http.StatusOK {
			t.Fatalf("choosing a password by the link: status %d at %s", resp.Status, resp.URL)
		}
		if !pwCanLogIn(t, site, ownerEmail, "the owner's password") {
			t.Error("the password the owner chose by the link does not sign in")
		}
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
)

var (
	pwResetLinkRE  = regexp.MustCompile(`https?://\S+(/password/reset/[A-Za-z0-9_-]+)`)
	pwVerifyLinkRE = regexp.MustCompile(`https?://\S+(/account/verify/[A-Za-z0-9_-]+)`)
	pwChangeLinkRE = regexp.MustCompile(`https?://\S+(/account/email/[A-Za-z0-9_-]+)`)
)

// pwForgot asks for a reset link for email and checks the neutral answer.
func pwForgot(t *testing.T, b *apptest.Browser, email string) {
	t.Helper()
	resp := b.Post("/password/forgot", url.Values{"email": {email}})
	if resp.Status != http.StatusOK || resp.URL != "/password/forgot" || !strings.Contains(resp.Body, `id="reset-sent"`) {
		t.Fatalf("asking for a reset link for %s: status %d at %s\n%s", email, resp.Status, resp.URL, resp.Body)
	}
}

// pwCanLogIn reports whether email and password sign a fresh device in.
func pwCanLogIn(t *testing.T, site *apptest.Site, email, password string) bool {
	t.Helper()
	b := site.NewBrowser()
	resp := b.Post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	return resp.Status == http.StatusOK && b.Cookie("bs_session") != ""
}

func TestPasswordResetByEmailedLink(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		other := site.NewBrowser()
		logIn(t, other, reader, "/")

		b := site.NewBrowser()
		if login := b.Get("/login"); !strings.Contains(login.Body, `href="/password/forgot"`) {
			t.Fatal("the login page does not offer a reset")
		}
		if resp := b.Post("/password/forgot", url.Values{"email": {"not an address"}}); resp.Status != http.StatusBadRequest ||
			!strings.Contains(resp.Body, "is not an email address") {
			t.Errorf("bad address: status %d", resp.Status)
		}
		// An address without an account gets the same answer, and no mail.
		pwForgot(t, b, "nobody@example.com")
		if n := pwMailCount(t, site, "nobody@example.com", pwResetLinkRE); n != 0 {
			t.Errorf("%d reset emails to an address without an account", n)
		}
		pwForgot(t, b, reader.Email)
		_, path := pwMail(t, site, reader.Email, pwResetLinkRE)

		// A mail scanner and the reader open the link; neither uses it up.
		for i, opener := range []*apptest.Browser{site.NewBrowser(), b} {
			resp := opener.Get(path)
			if resp.Status != http.StatusOK || !strings.Contains(resp.Body, `action="`+path+`"`) {
				t.Fatalf("opening the reset link (%d): status %d\n%s", i, resp.Status, resp.Body)
			}
			if resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Error("the reset page lets its address out in Referer headers")
			}
		}
		// Too short: refused, and the link still works.
		if resp := b.Post(path, url.Values{"password": {"short"}}); resp.Status != http.StatusBadRequest ||
			!strings.Contains(resp.Body, "at least 8 characters") || !strings.Contains(resp.Body, `action="`+path+`"`) {
			t.Fatalf("short password: status %d", resp.Status)
		}
		if !pwCanLogIn(t, site, reader.Email, reader.Password) {
			t.Fatal("a refused reset changed the password")
		}

		// Ten devices post the link at once: one sets its password.
		const racers = 10
		var wg sync.WaitGroup
		results := make([]apptest.Response, racers)
		browsers := make([]*apptest.Browser, racers)
		for i := range racers {
			browsers[i] = site.NewBrowser()
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = browsers[i].Post(path, url.Values{"password": {fmt.Sprintf("new password number %d", i)}})
			}()
		}
		wg.Wait()
		winner := -1
		for i, resp := range results {
			switch {
			case resp.Status == http.StatusOK && resp.URL == "/account":
				if winner >= 0 {
					t.Errorf("the reset link worked for devices %d and %d", winner, i)
				}
				winner = i
			case resp.Status == http.StatusServiceUnavailable:
				// Turned away before hashing (too many at once): the
				// link was not touched.
			case resp.Status != http.StatusGone || !strings.Contains(resp.Body, "This link is wrong, used or expired"):
				t.Errorf("device %d: status %d at %s", i, resp.Status, resp.URL)
			}
		}
		if winner < 0 {
			t.Fatal("the reset link worked for no one")
		}
		newPassword := fmt.Sprintf("new password number %d", winner)
		if got := siSignedInAs(t, browsers[winner]); got != reader.Email {
			t.Errorf("the resetting device is signed in as %q", got)
		}
		if got := siSignedInAs(t, other); got != "" {
			t.Error("a reset left another device signed in")
		}
		if pwCanLogIn(t, site, reader.Email, reader.Password) {
			t.Error("the old password still works")
		}
		if !pwCanLogIn(t, site, reader.Email, newPassword) {
			t.Error("the new password does not work")
		}

		// Used, forged and expired links are refused.
		forged := "/password/reset/" + accounts.NewToken()
		for _, p := range []string{path, forged} {
			for _, resp := range []apptest.Response{b.Get(p), b.Post(p, url.Values{"password": {"yet another password"}})} {
				if resp.Status != http.StatusGone || strings.Contains(resp.Body, `id="reset-form"`) {
					t.Errorf("%s: status %d", p, resp.Status)
				}
			}
		}
		pwForgot(t, b, reader.Email)
		_, late := pwMail(t, site, reader.Email, pwResetLinkRE)
		if late == path {
			t.Fatal("a second request sent the same link")
		}
		site.Clock.Advance(61 * time.Minute)
		for _, resp := range []apptest.Response{b.Get(late), b.Post(late, url.Values{"password": {"a late password"}})} {
			if resp.Status != http.StatusGone {
				t.Errorf("expired link: status %d", resp.Status)
			}
		}
		if !pwCanLogIn(t, site, reader.Email, newPassword) {
			t.Error("an expired link changed the password")
		}
	})
}

func TestPasswordResetIsThrottledPerAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		// Every request here comes from one client: they stay within its
		// own limit of 10 an hour, to see its limit of 3 in 15 minutes for
		// one address (other clients have their own; see the lockout tests).
		pwForgot(t, site.NewBrowser(), reader.Email)
		_, first := pwMail(t, site, reader.Email, pwResetLinkRE)
		pwForgot(t, site.NewBrowser(), reader.Email)
		pwForgot(t, site.NewBrowser(), reader.Email)
		// Past the third in 15 minutes every request is refused, also when
		// they come at once.
		var wg sync.WaitGroup
		statuses := make([]int, 3)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = site.NewBrowser().Post("/password/forgot", url.Values{"email": {reader.Email}}).Status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusTooManyRequests {
				t.Errorf("request %d past the limit: status %d", i+1, st)
			}
		}
		if n := pwMailCount(t, site, reader.Email, pwResetLinkRE); n != 3 {
			t.Errorf("%d reset emails, want 3", n)
		}
		// Links asked for later do not cancel the first.
		if resp := site.NewBrowser().Get(first); resp.Status != http.StatusOK {
			t.Errorf("the first link stopped working: status %d", resp.Status)
		}
		// An address without an account is throttled alike, so the answer
		// never tells which addresses have accounts.
		for range 3 {
			pwForgot(t, site.NewBrowser(), "nobody@example.com")
		}
		if st := site.NewBrowser().Post("/password/forgot", url.Values{"email": {"nobody@example.com"}}).Status; st != http.StatusTooManyRequests {
			t.Errorf("fourth request for an address without an account: status %d", st)
		}
		site.Clock.Advance(61 * time.Minute)
		pwForgot(t, site.NewBrowser(), reader.Email)
	})
}

func TestPasswordResetIsThrottledPerClient(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		for i := range 10 {
			pwForgot(t, b, fmt.Sprintf("someone%d@example.com", i))
		}
		reader := demoAccount(t, "registered")
		if resp := b.Post("/password/forgot", url.Values{"email": {reader.Email}}); resp.Status != http.StatusTooManyRequests ||
			!strings.Contains(resp.Body, "Too many emails") {
			t.Errorf("eleventh request from one client: status %d", resp.Status)
		}
		if n := pwMailCount(t, site, reader.Email, pwResetLinkRE); n != 0 {
			t.Errorf("a throttled request sent %d emails", n)
		}
	})
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		b, other := site.NewBrowser(), site.NewBrowser()
		logIn(t, b, reader, "/")
		logIn(t, other, reader, "/")
		if page := b.Get("/account"); !strings.Contains(page.Body, `action="/account/password"`) || !strings.Contains(page.Body, `name="current_password"`) {
			t.Fatal("the account page has no change-password form asking for the current one")
		}
		for _, tc := range []struct {
			current, next string
			status        int
			message       string
		}{
			{"not the password", "a brand new password", http.StatusForbidden, "Your current password is not right."},
			{"", "a brand new password", http.StatusForbidden, "Your current password is not right."},
			{reader.Password, "short", http.StatusBadRequest, "at least 8 characters"},
		} {
			resp := b.Post("/account/password", url.Values{"current_password": {tc.current}, "new_password": {tc.next}})
			if resp.Status != tc.status || !strings.Contains(resp.Body, tc.message) {
				t.Errorf("current %q new %q: status %d, want %d with %q", tc.current, tc.next, resp.Status, tc.status, tc.message)
			}
		}
		if got := siSignedInAs(t, other); got != reader.Email {
			t.Fatal("a refused change signed the other device out")
		}
		if !pwCanLogIn(t, site, reader.Email, reader.Password) {
			t.Fatal("a refused change changed the password")
		}

		resp := b.Post("/account/password", url.Values{"current_password": {reader.Password}, "new_password": {"a brand new password"}})
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, "Your password is changed.") {
			t.Fatalf("changing the password: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != reader.Email {
			t.Error("the device that changed the password was signed out")
		}
		if got := siSignedInAs(t, other); got != "" {
			t.Error("the other device is still signed in")
		}
		if pwCanLogIn(t, site, reader.Email, reader.Password) || !pwCanLogIn(t, site, reader.Email, "a brand new password") {
			t.Error("the password did not change")
		}

		// A stolen session cannot change it from another site.
		cross := b.Do(http.MethodPost, "/account/password", strings.NewReader(url.Values{
			"current_password": {"a brand new password"}, "new_password": {"the thief's password"}}.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}})
		if cross.Status != http.StatusForbidden || pwCanLogIn(t, site, reader.Email, "the thief's password") {
			t.Errorf("cross-site change: status %d", cross.Status)
		}
	})
}

func TestChangeEmailNeedsConfirmation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader, admin := demoAccount(t, "registered"), demoAccount(t, "admin")
		const moved = "moved.reader@example.com"
		b, other := site.NewBrowser(), site.NewBrowser()
		logIn(t, b, reader, "/")
		logIn(t, other, reader, "/")
		for _, tc := range []struct {
			email, password string
			status          int
			message         string
		}{
			{"not an address", reader.Password, http.StatusBadRequest, "is not an email address"},
			{reader.Email, reader.Password, http.StatusBadRequest, "already your email"},
			{moved, "not the password", http.StatusForbidden, "Your current password is not right."},
			{admin.Email, reader.Password, http.StatusConflict, "Another account already uses that email."},
		} {
			resp := b.Post("/account/email", url.Values{"email": {tc.email}, "current_password": {tc.password}})
			if resp.Status != tc.status || !strings.Contains(resp.Body, tc.message) {
				t.Errorf("change to %q: status %d, want %d with %q", tc.email, resp.Status, tc.status, tc.message)
			}
		}
		if n := pwMailCount(t, site, moved, pwChangeLinkRE); n != 0 {
			t.Fatalf("refused changes sent %d emails", n)
		}

		resp := b.Post("/account/email", url.Values{"email": {"Moved.Reader@Example.com"}, "current_password": {reader.Password}})
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, "Your email changes when you open it") {
			t.Fatalf("asking to change: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != reader.Email {
			t.Fatalf("the email changed before it was confirmed: %q", got)
		}
		if pwMailCount(t, site, reader.Email, regexp.MustCompile(regexp.QuoteMeta(moved))) != 1 {
			t.Error("the old address was not told")
		}
		_, path := pwMail(t, site, moved, pwChangeLinkRE)
		if resp := site.NewBrowser().Get(path); resp.Status != http.StatusOK || !strings.Contains(resp.Body, moved) ||
			!strings.Contains(resp.Body, `action="`+path+`"`) {
			t.Fatalf("opening the link: status %d", resp.Status)
		}
		if got := siSignedInAs(t, b); got != reader.Email {
			t.Fatal("opening the link changed the email")
		}

		resp = b.Post(path, nil)
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, "Your email is changed.") {
			t.Fatalf("confirming: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != moved {
			t.Errorf("after confirming: signed in as %q", got)
		}
		if got := siSignedInAs(t, other); got != "" {
			t.Error("the other device is still signed in")
		}
		if pwCanLogIn(t, site, reader.Email, reader.Password) || !pwCanLogIn(t, site, moved, reader.Password) {
			t.Error("the sign-in did not move to the new address")
		}
		if again := site.NewBrowser().Post(path, nil); again.Status != http.StatusGone {
			t.Errorf("a used link: status %d", again.Status)
		}
		if forged := b.Post("/account/email/"+accounts.NewToken(), nil); forged.Status != http.StatusGone {
			t.Errorf("a forged link: status %d", forged.Status)
		}

		// An address someone else registers between the request and the
		// confirmation is refused at the confirmation, and nothing changes.
		const contested = "contested@example.com"
		if resp := b.Post("/account/email", url.Values{"email": {contested}, "current_password": {reader.Password}}); resp.Status != http.StatusOK {
			t.Fatalf("asking for %s: status %d", contested, resp.Status)
		}
		_, path = pwMail(t, site, contested, pwChangeLinkRE)
		third := site.NewBrowser()
		if resp := third.Post("/register", url.Values{"email": {contested}, "password": {"someone else's password"}, "next": {"/"}}); resp.Status != http.StatusOK {
			t.Fatalf("someone registering %s: status %d", contested, resp.Status)
		}
		logIn(t, other, pwAccount(moved, reader.Password), "/")
		resp = b.Post(path, nil)
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "Another account already uses that email.") {
			t.Errorf("confirming a taken address: status %d\n%s", resp.Status, resp.Body)
		}
		if got := siSignedInAs(t, b); got != moved {
			t.Errorf("after the refused change: signed in as %q", got)
		}
		if got := siSignedInAs(t, other); got != moved {
			t.Error("a refused change signed the other device out")
		}
		if got := siSignedInAs(t, third); got != contested {
			t.Errorf("the other account's owner is signed in as %q", got)
		}
	})
}

func TestVerifyEmailOfARegisteredAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		const email = "fresh.reader@example.com"
		b := site.NewBrowser()
		if resp := b.Post("/register", url.Values{"email": {email}, "password": {"fresh reader password"}, "next": {"/account"}}); resp.Status != http.StatusOK ||
			!strings.Contains(resp.Body, "Your address is not confirmed yet") {
			t.Fatalf("registering: status %d at %s", resp.Status, resp.URL)
		}
		if a, err := site.App.Store.AccountByEmail(ctx, email); err != nil || a.Verified() {
			t.Fatalf("a registered account starts confirmed: %v", err)
		}
		_, path := pwMail(t, site, email, pwVerifyLinkRE)

		// Someone not signed in to the account cannot confirm it with the link.
		stranger := site.NewBrowser()
		if resp := stranger.Get(path); resp.Status != http.StatusOK || strings.Contains(resp.Body, `id="confirm-button"`) ||
			!strings.Contains(resp.Body, `id="confirm-login"`) {
			t.Errorf("the link opened elsewhere: status %d", resp.Status)
		}
		if resp := stranger.Post(path, nil); resp.Status != http.StatusUnauthorized {
			t.Errorf("confirming while signed out: status %d", resp.Status)
		}
		logIn(t, stranger, demoAccount(t, "admin"), "/")
		if resp := stranger.Post(path, nil); resp.Status != http.StatusGone {
			t.Errorf("confirming from another account: status %d", resp.Status)
		}
		if resp := b.Post("/account/verify/"+accounts.NewToken(), nil); resp.Status != http.StatusGone {
			t.Errorf("a forged link: status %d", resp.Status)
		}
		if a, _ := site.App.Store.AccountByEmail(ctx, email); a.Verified() {
			t.Fatal("refused confirmations confirmed the address")
		}

		if resp := b.Get(path); resp.Status != http.StatusOK || !strings.Contains(resp.Body, `id="confirm-button"`) {
			t.Fatalf("the link opened signed in: status %d", resp.Status)
		}
		resp := b.Post(path, nil)
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, "Your address is confirmed.") {
			t.Fatalf("confirming: status %d at %s", resp.Status, resp.URL)
		}
		if a, _ := site.App.Store.AccountByEmail(ctx, email); !a.Verified() {
			t.Error("the address is not confirmed")
		}
		if again := b.Post(path, nil); again.Status != http.StatusGone {
			t.Errorf("a used link: status %d", again.Status)
		}
	})
}

func TestVerifyEmailResendIsThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		const email = "resend.reader@example.com"
		b := site.NewBrowser()
		b.Post("/register", url.Values{"email": {email}, "password": {"resend reader password"}, "next": {"/"}})
		for i := 2; i <= 3; i++ {
			if resp := b.Post("/account/verify", nil); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "A link to confirm your address is on its way") {
				t.Fatalf("resend %d: status %d", i, resp.Status)
			}
		}
		if resp := b.Post("/account/verify", nil); resp.Status != http.StatusTooManyRequests {
			t.Errorf("fourth link in the hour: status %d", resp.Status)
		}
		if n := pwMailCount(t, site, email, pwVerifyLinkRE); n != 3 {
			t.Errorf("%d confirmation emails, want 3", n)
		}
		// A confirmed account is sent none.
		reader := demoAccount(t, "registered")
		c := site.NewBrowser()
		logIn(t, c, reader, "/")
		c.Post("/account/verify", nil)
		if n := pwMailCount(t, site, reader.Email, pwVerifyLinkRE); n != 0 {
			t.Errorf("a confirmed account was sent %d confirmation emails", n)
		}
	})
}

// A reset link proves the address, so it also confirms an account
// registered with a password and not confirmed yet.
func TestPasswordResetConfirmsTheAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		const email = "forgetful@example.com"
		squatter := site.NewBrowser()
		squatter.Post("/register", url.Values{"email": {email}, "password": {"squatter password"}, "next": {"/"}})
		owner := site.NewBrowser()
		pwForgot(t, owner, email)
		_, path := pwMail(t, site, email, pwResetLinkRE)
		if resp := owner.Post(path, url.Values{"password": {"owner's own password"}}); resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("reset: status %d at %s", resp.Status, resp.URL)
		}
		if a, err := site.App.Store.AccountByEmail(context.Background(), email); err != nil || !a.Verified() {
			t.Errorf("a reset did not confirm the address: %v", err)
		}
		if got := siSignedInAs(t, squatter); got != "" || pwCanLogIn(t, site, email, "squatter password") {
			t.Error("the one who registered the address keeps a way in after the owner reset the password")
		}
	})
}

// A thief who knows the password asks to move the account to their own
// address; the owner, told by email, changes the password. The thief's
// link must then be void.
func TestChangePasswordVoidsAPendingEmailChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		const thiefEmail = "thief@example.com"
		thief, owner := site.NewBrowser(), site.NewBrowser()
		logIn(t, thief, reader, "/")
		logIn(t, owner, reader, "/")
		if resp := thief.Post("/account/email", url.Values{"email": {thiefEmail}, "current_password": {reader.Password}}); resp.Status != http.StatusOK {
			t.Fatalf("thief asking for the move: status %d", resp.Status)
		}
		_, change := pwMail(t, site, thiefEmail, pwChangeLinkRE)
		if resp := owner.Post("/account/password", url.Values{"current_password": {reader.Password}, "new_password": {"the owner's new password"}}); resp.Status != http.StatusOK {
			t.Fatalf("owner changing the password: status %d", resp.Status)
		}
		if resp := thief.Post(change, nil); resp.Status != http.StatusGone {
			t.Errorf("the thief's move after the password changed: status %d", resp.Status)
		}
		if got := siSignedInAs(t, owner); got != reader.Email {
			t.Errorf("the owner is signed in as %q", got)
		}
	})
}

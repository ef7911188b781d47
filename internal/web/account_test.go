package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
)

var acctDeviceRE = regexp.MustCompile(`(?s)<li class="device" data-session="(\d+)">(.*?)</li>`)

// acctDevicesOn lists the session ids on a browser's account page, and which
// one the page calls this device.
func acctDevicesOn(t *testing.T, b *apptest.Browser) (ids []string, current string) {
	t.Helper()
	resp := b.Get("/account")
	if resp.Status != http.StatusOK || resp.URL != "/account" {
		t.Fatalf("account page: status %d at %s", resp.Status, resp.URL)
	}
	for _, m := range acctDeviceRE.FindAllStringSubmatch(resp.Body, -1) {
		ids = append(ids, m[1])
		if strings.Contains(m[2], "This device") {
			if current != "" {
				t.Fatal("two devices called this device")
			}
			current = m[1]
		} else if !strings.Contains(m[2], `action="/account/sessions/`+m[1]+`/revoke"`) {
			t.Errorf("device %s has no sign-out button", m[1])
		}
	}
	if current == "" {
		t.Fatal("no device is called this device")
	}
	return ids, current
}

func TestDeviceCapSignsOutTheLeastRecentDevice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		if err := site.App.Settings.Update(context.Background(), map[string]string{"device_limit": "2"}); err != nil {
			t.Fatal(err)
		}
		reader := demoAccount(t, "registered")
		var browsers []*apptest.Browser
		for range 3 {
			b := site.NewBrowser()
			logIn(t, b, reader, "/")
			browsers = append(browsers, b)
			site.Clock.Advance(time.Minute)
		}
		first := browsers[0].Get("/")
		if !strings.Contains(first.Body, "signed out on this device") {
			t.Errorf("the first device was not told why it was signed out")
		}
		if strings.Contains(first.Body, `id="nav-account"`) || !strings.Contains(first.Body, `id="nav-login"`) {
			t.Error("the first device still shows a signed-in masthead")
		}
		if got := siSignedInAs(t, browsers[0]); got != "" {
			t.Errorf("the first device is still signed in as %q", got)
		}
		if got := siSignedInAs(t, browsers[1]); got != reader.Email {
			t.Errorf("the second device: signed in as %q", got)
		}
		ids, _ := acctDevicesOn(t, browsers[2])
		if len(ids) != 2 {
			t.Errorf("account lists %d devices, want 2", len(ids))
		}
		if page := browsers[2].Get("/account"); !strings.Contains(page.Body, "Up to 2 devices can be signed in at once.") {
			t.Error("account page does not state the device cap")
		}
	})
}

func TestSignOutOtherDevices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		a, b, c := site.NewBrowser(), site.NewBrowser(), site.NewBrowser()
		for _, br := range []*apptest.Browser{a, b, c} {
			logIn(t, br, reader, "/")
		}
		_, bID := acctDevicesOn(t, b)
		ids, aID := acctDevicesOn(t, a)
		if len(ids) != 3 || aID == bID {
			t.Fatalf("devices %v, this %s, b %s", ids, aID, bID)
		}

		// Someone else's account cannot sign the reader's devices out.
		stranger := site.NewBrowser()
		logIn(t, stranger, demoAccount(t, "admin"), "/")
		if resp := stranger.Post("/account/sessions/"+bID+"/revoke", nil); resp.Status != http.StatusNotFound {
			t.Errorf("revoking another account's device: status %d", resp.Status)
		}
		if got := siSignedInAs(t, b); got != reader.Email {
			t.Fatalf("b signed out by a stranger: %q", got)
		}

		resp := a.Post("/account/sessions/"+bID+"/revoke", nil)
		if resp.Status != http.StatusOK || resp.URL != "/account" || !strings.Contains(resp.Body, "The device was signed out.") {
			t.Fatalf("revoke: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != "" {
			t.Errorf("b still signed in as %q", got)
		}
		if page := b.Get("/"); strings.Contains(page.Body, "signed out on this device") {
			t.Error("a device signed out by hand is told it hit the device cap")
		}
		if ids, _ := acctDevicesOn(t, a); len(ids) != 2 {
			t.Errorf("after revoking b: %d devices", len(ids))
		}
		if page := a.Get("/account"); !strings.Contains(page.Body, `id="revoke-others"`) {
			t.Error("no button to sign out the other devices")
		}

		resp = a.Post("/account/sessions/revoke-others", nil)
		if resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("revoke others: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, c); got != "" {
			t.Errorf("c still signed in as %q", got)
		}
		if got := siSignedInAs(t, a); got != reader.Email {
			t.Errorf("a signed itself out: %q", got)
		}
		ids, current := acctDevicesOn(t, a)
		if len(ids) != 1 || current != aID {
			t.Errorf("after revoking the others: devices %v, this %s", ids, current)
		}
		if page := a.Get("/account"); strings.Contains(page.Body, `id="revoke-others"`) {
			t.Error("a lone device is offered to sign out the others")
		}
	})
}

func TestAccountPageDescribesDevices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		b := site.NewBrowser()
		form := url.Values{"email": {reader.Email}, "password": {reader.Password}, "next": {"/account"}}
		resp := b.Do(http.MethodPost, "/login", strings.NewReader(form.Encode()), http.Header{
			"Content-Type":   {"application/x-www-form-urlencoded"},
			"Sec-Fetch-Site": {"same-origin"},
			"User-Agent":     {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36"},
		})
		if resp.URL != "/account" {
			t.Fatalf("sign-in: status %d at %s", resp.Status, resp.URL)
		}
		page := b.Get("/account")
		// Seen at 10:00 in Kolkata (04:30 UTC): times are the publication's.
		for _, want := range []string{"<strong>Chrome 120</strong> on Windows 10", "15 Nov 2026, 10:00", "This device"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		if strings.Contains(page.Body, "04:30") || strings.Contains(page.Body, "6099") {
			t.Error("account page shows a UTC time or a full browser build")
		}
	})
}

func TestCancelAndResumeAutoRenewal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		subscriber := demoAccount(t, "subscriber")
		b := site.NewBrowser()
		logIn(t, b, subscriber, "/account")

		page := b.Get("/account")
		// Checkout at 10:00 IST on 15 Nov 2026 for a year; the renewal is
		// charged a day ahead.
		for _, want := range []string{
			"Smart Essential", `id="subscription-status">Active<`, "Paid until 15 November 2027",
			`id="next-charge">Next charge: ₹2,700 on 14 November 2027`, `id="cancel-button"`,
		} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		if strings.Contains(page.Body, `id="resume-button"`) || strings.Contains(page.Body, "Auto-renewal is off") {
			t.Error("an auto-renewing subscription is offered resumption")
		}

		resp := b.Post("/account/cancel", nil)
		if resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("cancel: status %d at %s", resp.Status, resp.URL)
		}
		for _, want := range []string{"You keep full access until the end of your paid term.",
			"Auto-renewal is off; access ends on 15 November 2027", `id="resume-button"`} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("after cancelling, the page lacks %q", want)
			}
		}
		if strings.Contains(resp.Body, `id="cancel-button"`) || strings.Contains(resp.Body, `id="next-charge"`) {
			t.Error("a cancelled subscription still shows a next charge or a cancel button")
		}
		sub, err := site.App.Billing.Current(ctx, acctID(t, site, subscriber.Email))
		if err != nil || sub == nil || sub.AutoRenew {
			t.Fatalf("after cancelling: %+v, %v", sub, err)
		}

		// Paid up still: premium stories are read in full.
		all, err := site.App.Store.LatestArticles(ctx, site.Clock.Now(), "", nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		premium := 0
		for _, a := range all {
			if a.Premium() {
				premium++
				if resp := b.Get("/article/" + a.Slug); resp.Status != http.StatusOK || strings.Contains(resp.Body, `id="paywall"`) {
					t.Errorf("cancelled subscriber gated from %s", a.Slug)
				}
			}
		}
		if premium == 0 {
			t.Fatal("the demo has no premium story")
		}

		resp = b.Post("/account/resume", nil)
		if !strings.Contains(resp.Body, "Auto-renewal is back on.") || !strings.Contains(resp.Body, `id="cancel-button"`) ||
			strings.Contains(resp.Body, `id="resume-button"`) || !strings.Contains(resp.Body, "₹2,700 on 14 November 2027") {
			t.Errorf("after resuming: status %d\n%s", resp.Status, resp.Body)
		}

		// A reader without a subscription has nothing to cancel.
		r := site.NewBrowser()
		logIn(t, r, demoAccount(t, "registered"), "/")
		if resp := r.Post("/account/cancel", nil); resp.Status != http.StatusBadRequest ||
			!strings.Contains(resp.Body, `id="form-error" role="alert">You have no subscription.<`) {
			t.Errorf("cancel without a subscription: status %d", resp.Status)
		}
		if page := r.Get("/account"); !strings.Contains(page.Body, `href="/subscribe" id="subscribe-link"`) || strings.Contains(page.Body, `id="cancel-button"`) {
			t.Error("a reader without a subscription is not sent to the plans")
		}

		// Signed out, the forms lead to sign-in and back to the account.
		if resp := site.NewBrowser().Post("/account/cancel", nil); resp.URL != "/login" || !strings.Contains(resp.Body, `name="next" value="/account"`) {
			t.Errorf("signed-out cancel: at %s", resp.URL)
		}
	})
}

func acctID(t *testing.T, site *apptest.Site, email string) int64 {
	t.Helper()
	a, err := site.App.Store.AccountByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

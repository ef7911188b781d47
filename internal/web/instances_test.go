package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/store/storetest"
)

// Two processes on one PostgreSQL database are one site: a reader's cookie
// from one is honoured by the other, and the meter is shared.
func TestInstancesShareReadersAndMeter(t *testing.T) {
	url := storetest.URL(t, "postgres")
	one := apptest.NewSiteOn(t, url, true)
	two := apptest.NewSiteOn(t, url, false)
	free, _ := stories(t, one)

	b := one.NewBrowser()
	for _, a := range free[:2] {
		assertFull(t, b.Get("/article/"+a.Slug), a)
	}
	onTwo := two.NewBrowser()
	onTwo.SetCookie("bs_reader", b.Cookie("bs_reader"))
	resp := onTwo.Get("/article/" + free[2].Slug)
	assertFull(t, resp, free[2])
	if !strings.Contains(resp.Body, "You have 0 of 3 free stories left this month.") {
		t.Error("the second instance did not see the reads counted by the first")
	}
	if onTwo.Cookie("bs_reader") != b.Cookie("bs_reader") {
		t.Error("the second instance did not accept the first one's reader cookie")
	}
	assertGated(t, onTwo.Get("/article/"+free[3].Slug), free[3], 2)
}

// A device signed out through one instance is signed out on another within
// the couple of seconds that instance trusts what it last read of the
// session.
func TestInstancesSignOutWithinSeconds(t *testing.T) {
	url := storetest.URL(t, "postgres")
	one := apptest.NewSiteOn(t, url, true)
	two := apptest.NewSiteOn(t, url, false)
	reader := demoAccount(t, "registered")

	phone := two.NewBrowser()
	logIn(t, phone, reader, "/")
	if got := siSignedInAs(t, phone); got != reader.Email {
		t.Fatalf("signed in as %q", got)
	}
	laptop := one.NewBrowser()
	logIn(t, laptop, reader, "/")
	if resp := laptop.Post("/account/sessions/revoke-others", nil); resp.Status != http.StatusOK {
		t.Fatalf("sign out other devices: status %d", resp.Status)
	}
	two.Clock.Advance(3 * time.Second)
	if strings.Contains(phone.Get("/").Body, `id="nav-account"`) {
		t.Error("still signed in on the other instance after the session was revoked")
	}
}

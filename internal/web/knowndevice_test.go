package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
)

// kdDevice is a browser with cookies on its own loopback address.
func kdDevice(t *testing.T, site *apptest.Site, ip string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func kdPost(t *testing.T, c *http.Client, site *apptest.Site, path string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, site.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Strangers on many machines fill an address's daily cap of sign-in
// emails. A device its owner has signed in on before still gets its link;
// any other device is refused, as before.
func TestOwnersDeviceGetsItsLinkPastTheAddressCap(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		victim := demoAccount(t, "subscriber")
		owner := kdDevice(t, site, "127.0.0.90")
		if st := kdPost(t, owner, site, "/login", url.Values{"email": {victim.Email}, "password": {victim.Password}}); st != http.StatusSeeOther {
			t.Fatalf("owner's sign-in: status %d", st)
		}
		kdPost(t, owner, site, "/logout", nil)

		sent := 0
		for i := 0; sent < accounts.MaxLinksPerAddressPerDay; i++ {
			stranger := kdDevice(t, site, fmt.Sprintf("127.0.1.%d", 10+i))
			for range accounts.MaxLinksPerAddressClientBurst {
				if kdPost(t, stranger, site, "/login/link", url.Values{"email": {victim.Email}}) == http.StatusSeeOther {
					sent++
				}
			}
		}
		if st := kdPost(t, kdDevice(t, site, "127.0.0.91"), site, "/login/link", url.Values{"email": {victim.Email}}); st != http.StatusTooManyRequests {
			t.Errorf("a new device past the address's cap: status %d, want 429", st)
		}
		before := siEmailsTo(t, site, victim.Email)
		if st := kdPost(t, owner, site, "/login/link", url.Values{"email": {victim.Email}}); st != http.StatusSeeOther {
			t.Fatalf("the owner's known device past the address's cap: status %d, want 303", st)
		}
		if n := siEmailsTo(t, site, victim.Email) - before; n != 1 {
			t.Errorf("the owner's request sent %d emails, want 1", n)
		}
	})
}

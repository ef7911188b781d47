package web

import (
	"net/http"
	"strings"
	"time"

	"broadsheet/internal/accounts"
)

// deviceCookie marks a device that has signed in to an address, so that
// its own requests for sign-in emails to that address are not refused by
// the address's overall cap, which strangers can fill.
const deviceCookie = "bs_device"

const deviceCookieAge = 400 * 24 * time.Hour

func knownDevicePayload(email string) string { return "known-device:" + email }

// setKnownDevice remembers on this device that it signed in as email.
func (c Cookies) setKnownDevice(w http.ResponseWriter, email string) {
	c.set(w, deviceCookie, email+"|"+c.Readers.Sign(knownDevicePayload(email)), deviceCookieAge)
}

// knownDevice reports whether this device has signed in as email (as the
// address is typed; it is normalised first).
func (c Cookies) knownDevice(r *http.Request, email string) bool {
	email, err := accounts.NormalizeEmail(email)
	if err != nil {
		return false
	}
	ck, err := c.get(r, deviceCookie)
	if err != nil {
		return false
	}
	got, sig, ok := strings.Cut(ck.Value, "|")
	return ok && got == email && c.Readers.Verify(knownDevicePayload(email), sig)
}

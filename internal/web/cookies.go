package web

import (
	"net/http"
	"time"

	"broadsheet/internal/access"
)

// Cookie names. Over HTTPS each carries the __Host- prefix (see name).
const (
	readerCookie  = "bs_reader"
	sessionCookie = "bs_session"
	noticeCookie  = "bs_notice"
)

// hostPrefix makes browsers accept a cookie only if it is Secure, for
// Path=/ and without a Domain, so no other host or plain-http page can
// plant or overwrite it.
const hostPrefix = "__Host-"

// name is the cookie name as sent over this site's scheme.
func (c Cookies) name(base string) string {
	if !c.Secure {
		return base
	}
	// Constant names, so that a page view allocates none.
	switch base {
	case readerCookie:
		return hostPrefix + readerCookie
	case sessionCookie:
		return hostPrefix + sessionCookie
	case noticeCookie:
		return hostPrefix + noticeCookie
	case deviceCookie:
		return hostPrefix + deviceCookie
	}
	return hostPrefix + base
}

// get reads the cookie named base from the request.
func (c Cookies) get(r *http.Request, base string) (*http.Cookie, error) {
	return r.Cookie(c.name(base))
}

// Cookies signs and sets Broadsheet's first-party cookies.
type Cookies struct {
	Secret []byte
	Secure bool // over HTTPS
	// Readers signs the reader cookie; Server.Init keys one with Secret
	// when none is given.
	Readers *access.Signer
}

// readerID verifies a reader cookie's value (see readerValue) and returns
// the reader's id and the first read it carries; a missing or tampered one
// gives "".
func (c Cookies) readerID(value string) (string, access.CarriedRead) {
	payload, sig, ok := access.SplitReaderToken(value)
	if !ok || !c.Readers.Verify(payload, sig) {
		return "", access.CarriedRead{}
	}
	id, carried, ok := access.ParseReaderPayload(payload)
	if !ok {
		return "", access.CarriedRead{}
	}
	return id, carried
}

func (c Cookies) set(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(name), Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

func (c Cookies) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: c.name(name), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

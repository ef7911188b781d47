package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"broadsheet/internal/access"
)

// Cookie names.
const (
	readerCookie  = "bs_reader"
	sessionCookie = "bs_session"
	noticeCookie  = "bs_notice"
)

// Cookies signs and sets Broadsheet's first-party cookies.
type Cookies struct {
	Secret []byte
	Secure bool // over HTTPS
}

// newReaderID returns a new anonymous reader's id and its signed cookie
// value.
func (c Cookies) newReaderID(now time.Time) (id, value string) {
	id = access.NewReaderID(now)
	return id, id + "." + c.sign(id)
}

func (c Cookies) sign(id string) string {
	m := hmac.New(sha256.New, c.Secret)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// readerID verifies a reader cookie's value; a missing or tampered one
// gives "".
func (c Cookies) readerID(value string) string {
	id, sig, ok := strings.Cut(value, ".")
	if !ok || id == "" || !hmac.Equal([]byte(sig), []byte(c.sign(id))) {
		return ""
	}
	return id
}

func (c Cookies) set(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

func (c Cookies) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

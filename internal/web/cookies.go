package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/http"
	"strings"
	"sync"
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

	// macs keeps keyed HMACs for reuse: every page view checks or signs a
	// reader cookie, and keying a new HMAC costs more than the check.
	macs *sync.Pool
}

// withMACPool returns c sharing one pool of keyed HMACs.
func (c Cookies) withMACPool() Cookies {
	secret := c.Secret
	c.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}
	return c
}

// newReaderID returns a new anonymous reader's id and its signed cookie
// value.
func (c Cookies) newReaderID(now time.Time) (id, value string) {
	id = access.NewReaderID(now)
	return id, id + "." + c.sign(id)
}

func (c Cookies) sign(id string) string {
	var m hash.Hash
	if c.macs != nil {
		m = c.macs.Get().(hash.Hash)
		defer c.macs.Put(m)
		m.Reset()
	} else {
		m = hmac.New(sha256.New, c.Secret)
	}
	var sum [sha256.Size]byte
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])[:18])
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

package web

import (
	"net/http"

	"broadsheet/internal/access"
)

// readerValue is the signed reader cookie naming reader id, carrying the
// first read c when it was granted and not written (see
// access.CarriedRead).
func (c Cookies) readerValue(id string, carried access.CarriedRead) string {
	p := access.ReaderPayload(id, carried)
	return p + "." + c.sign(p)
}

// setReaderCookie hands the reader the cookie a decision calls for: a new
// reader's, carrying their first story when it was not written, so that it
// counts when they come back; a returning reader's without the story they
// carried, once it is counted. Otherwise the cookie they sent stands.
func (s *Server) setReaderCookie(w http.ResponseWriter, v *viewer, d access.Decision) {
	switch {
	case v.NewReader:
		s.Cookies.set(w, readerCookie, s.Cookies.readerValue(v.AnonID, d.FirstRead), readerCookieAge)
	case d.CarriedCounted:
		s.Cookies.set(w, readerCookie, s.Cookies.readerValue(v.AnonID, access.CarriedRead{}), readerCookieAge)
	}
}

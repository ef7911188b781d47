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
	return p + "." + c.Readers.Sign(p)
}

// setReaderCookie hands the reader the cookie a decision calls for (see
// access.Decision.ReaderIDToIssue); otherwise the cookie they sent stands.
func (s *Server) setReaderCookie(w http.ResponseWriter, v *viewer, d access.Decision) {
	if carried, issue := d.ReaderIDToIssue(v.NewReader); issue {
		s.Cookies.set(w, readerCookie, s.Cookies.readerValue(v.AnonID, carried), readerCookieAge)
	}
}

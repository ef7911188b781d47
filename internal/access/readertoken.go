package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// A reader new to the site reads their first story without a write: the
// read is handed to them in their signed id (the reader cookie, or an
// app's X-Reader-Id) and counted when they come back with it. A client
// that keeps no cookies thus never writes the meter, however often it
// asks; a reader who keeps them is metered exactly as before.
//
// A reader's token is "id.sig", or "id.month.story.sig" while it carries
// a first read. The signature covers everything before it, so the carried
// story is always one the server put there.

// CarriedRead is a first read granted and not written: the month and the
// story. The zero value carries nothing.
type CarriedRead struct {
	Month     string
	ArticleID int64
}

// In reports whether the carried read is of month.
func (c CarriedRead) In(month string) bool { return c.ArticleID != 0 && c.Month == month }

// ReaderPayload is the signed part of a reader's token.
func ReaderPayload(id string, c CarriedRead) string {
	if c.ArticleID == 0 {
		return id
	}
	return id + "." + c.Month + "." + strconv.FormatInt(c.ArticleID, 10)
}

// SplitReaderToken cuts a token into its payload and signature.
func SplitReaderToken(token string) (payload, sig string, ok bool) {
	i := strings.LastIndexByte(token, '.')
	if i <= 0 || i == len(token)-1 {
		return "", "", false
	}
	return token[:i], token[i+1:], true
}

// ParseReaderPayload reads a payload ReaderPayload made. Only a payload
// whose signature was checked may be trusted.
func ParseReaderPayload(payload string) (id string, c CarriedRead, ok bool) {
	id, rest, carries := strings.Cut(payload, ".")
	if id == "" || strings.ContainsRune(id, '.') {
		return "", CarriedRead{}, false
	}
	if !carries {
		return id, CarriedRead{}, true
	}
	month, story, ok := strings.Cut(rest, ".")
	n, err := strconv.ParseInt(story, 10, 64)
	if !ok || !validMonth(month) || err != nil || n <= 0 {
		return "", CarriedRead{}, false
	}
	return id, CarriedRead{Month: month, ArticleID: n}, true
}

// ReaderIDToIssue says whether, after d, the reader is to be handed their
// signed id anew, and the first read it is to carry: a new reader's
// carries their first story when it was not written, so that it counts
// when they come back; a returning reader's drops the story they carried
// once it is counted. Otherwise the id they sent stands.
func (d Decision) ReaderIDToIssue(newReader bool) (carried CarriedRead, issue bool) {
	switch {
	case newReader:
		return d.FirstRead, true
	case d.CarriedCounted:
		return CarriedRead{}, true
	}
	return CarriedRead{}, false
}

// validMonth checks the form meter.Month gives: "2026-11".
func validMonth(m string) bool {
	if len(m) != 7 || m[4] != '-' {
		return false
	}
	for i, c := range []byte(m) {
		if i != 4 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Signer signs readers' tokens with the site's secret: HMAC-SHA256, cut
// to 18 bytes, in URL-safe base64. The pages' reader cookie signs its
// payload as it is, so cookies already handed out stay valid.
type Signer struct {
	macs sync.Pool // keyed HMACs: keying one costs more than a signature
}

// NewSigner returns a signer keyed with secret.
func NewSigner(secret []byte) *Signer {
	s := &Signer{}
	s.macs.New = func() any { return hmac.New(sha256.New, secret) }
	return s
}

// Sign returns the signature of payload.
func (s *Signer) Sign(payload string) string {
	m := s.macs.Get().(hash.Hash)
	defer s.macs.Put(m)
	m.Reset()
	var sum [sha256.Size]byte
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])[:18])
}

// Verify reports whether sig is payload's signature.
func (s *Signer) Verify(payload, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(s.Sign(payload)))
}

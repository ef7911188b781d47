package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Fetcher fetches feeds over HTTP, defensively: a feed server is someone
// else's, and one that hangs, redirects for ever, sends gigabytes or
// sends a web page must cost a poll, never the process.
type Fetcher struct {
	client    *http.Client
	maxBytes  int64
	userAgent string
}

// FetchOptions say how a Fetcher fetches; zero fields take the defaults.
type FetchOptions struct {
	Timeout   time.Duration // for the whole fetch, body included (default 30 s)
	MaxBytes  int64         // the largest feed read (default 10 MiB)
	UserAgent string
	// AllowPrivate lets feeds be fetched from loopback, private and
	// link-local addresses, which are refused by default: an editor's
	// feed address must not reach the servers beside this one.
	AllowPrivate bool
	// Dial, when set, makes the connections instead of the network (with
	// no address check): tests use it to keep every request on loopback.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Defaults of FetchOptions.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultMaxBytes = 10 << 20
	maxRedirects    = 5
)

// NewFetcher returns a Fetcher.
func NewFetcher(o FetchOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = "Broadsheet wire ingest"
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !o.AllowPrivate {
		// Checked on the address dialled, after name resolution, so a
		// name that resolves to a private address is refused too.
		dialer.Control = refusePrivate
	}
	dial := dialer.DialContext
	if o.Dial != nil {
		dial = o.Dial
	}
	lookup := dial
	dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(address); err == nil && reservedName(host) {
			return nil, errReservedName
		}
		return lookup(ctx, network, address)
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the address check
		DialContext:           dial,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("a redirect to %s, which is not http(s)", req.URL.Scheme)
			}
			return nil
		},
	}
	return &Fetcher{client: client, maxBytes: o.MaxBytes, userAgent: o.UserAgent}
}

// errPrivateAddress is the dialler's refusal of an address it may not reach.
var errPrivateAddress = errors.New("the feed's address is on this machine or a private network")

// refusePrivate refuses to connect to loopback, private, link-local,
// shared (carrier-grade NAT), unspecified and multicast addresses.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errPrivateAddress
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || sharedAddresses.Contains(ip) {
		return errPrivateAddress
	}
	return nil
}

var sharedAddresses = netip.MustParsePrefix("100.64.0.0/10")

// errReservedName is the dialler's refusal of a name no server has.
var errReservedName = errors.New("the address's name is reserved for examples and tests (RFC 2606) and names no server")

// reservedName reports whether host is a name RFC 2606 and RFC 6761 keep
// for documentation and tests: no agency serves from one, so it is not
// looked up (nor does a feed or picture copied from documentation send a
// lookup to the resolver).
func reservedName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, suffix := range []string{"example", "invalid", "test", "example.com", "example.net", "example.org"} {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}

// Fetched is a feed as its server answered.
type Fetched struct {
	NotModified  bool // the feed has not changed since the ETag or date sent
	Body         []byte
	ETag         string
	LastModified string
}

// FetchError says why a feed could not be fetched, in words for the
// console.
type FetchError struct{ Reason string }

func (e *FetchError) Error() string { return e.Reason }

func fetchErr(format string, args ...any) error { return &FetchError{fmt.Sprintf(format, args...)} }

// Fetch gets the feed at url, asking only for a change since etag and
// lastModified when they are given.
func (f *Fetcher) Fetch(ctx context.Context, url, etag, lastModified string) (*Fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fetchErr("the address cannot be fetched: %v", err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.describe(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &Fetched{NotModified: true, ETag: or(resp.Header.Get("ETag"), etag),
			LastModified: or(resp.Header.Get("Last-Modified"), lastModified)}, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fetchErr("the feed's server answered %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !feedContentType(ct) {
		return nil, fetchErr("the server sent %s, not a feed", mediaType(ct))
	}
	if resp.ContentLength > f.maxBytes {
		return nil, fetchErr("the feed is %s, more than the %s read", size(resp.ContentLength), size(f.maxBytes))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, f.describe(err)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, fetchErr("the feed is more than the %s read", size(f.maxBytes))
	}
	return &Fetched{Body: body, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, nil
}

// describe turns a transport error into a reason for the console.
func (f *Fetcher) describe(err error) error {
	var netErr net.Error
	switch {
	case errors.Is(err, errReservedName):
		return fetchErr("%v", errReservedName)
	case errors.Is(err, errPrivateAddress):
		return fetchErr("%v: refused (see BROADSHEET_WIRE_ALLOW_PRIVATE)", errPrivateAddress)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fetchErr("the feed's server did not answer within %s", f.client.Timeout)
	case errors.Is(err, context.Canceled):
		return err
	}
	return fetchErr("the feed could not be fetched: %v", err)
}

// feedContentType reports whether a response's type may be a feed: XML or
// JSON of any name, text, or none at all (the parser then decides). A web
// page, an image or a download is not.
func feedContentType(ct string) bool {
	t := mediaType(ct)
	return ct == "" || strings.Contains(t, "xml") || strings.Contains(t, "json") || t == "text/plain" ||
		t == "application/octet-stream"
}

func mediaType(ct string) string {
	t, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return t
}

// size writes a number of bytes for people.
func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

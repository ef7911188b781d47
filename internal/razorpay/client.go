// Package razorpay is a small typed client for the parts of Razorpay's REST
// API that Broadsheet's billing uses (customers, orders, payments, recurring
// tokens, refunds, signatures), and a billing.Gateway built on it.
//
// It is our own rather than Razorpay's Go SDK because the SDK keeps its base
// URL in a package variable (one process, one Razorpay, no fake in tests)
// and compares signatures with !=, which leaks timing.
package razorpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is Razorpay's API host.
const DefaultBaseURL = "https://api.razorpay.com"

// Defaults for a Config left zero.
const (
	// DefaultTimeout bounds one request, answer included. It is below
	// billing's own 30-second wait for a charge, so a hung Razorpay shows
	// as this client's time-out rather than the caller's.
	DefaultTimeout = 20 * time.Second
	// DefaultMaxResponseBytes bounds an answer read into memory. Razorpay's
	// largest answers here (a page of 100 orders or refunds) are well under it.
	DefaultMaxResponseBytes = 1 << 20
)

// ErrResponseTooLarge is an answer longer than the client's limit: it is
// not read, since no answer we ask for is that long.
var ErrResponseTooLarge = errors.New("razorpay: response larger than the limit")

// Config says which Razorpay to talk to and as whom.
type Config struct {
	BaseURL   string // DefaultBaseURL when empty; tests point it at a fake
	KeyID     string
	KeySecret string
	// HTTPClient is used when set, with DefaultTimeout if it has none;
	// otherwise a client with DefaultTimeout.
	HTTPClient       *http.Client
	MaxResponseBytes int64 // DefaultMaxResponseBytes when zero
}

// Client calls Razorpay's REST API with HTTP basic auth (key id and secret).
// It is safe for concurrent use.
type Client struct {
	base      string
	keyID     string
	keySecret string
	http      *http.Client
	maxBytes  int64
}

// NewClient checks cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.KeyID == "" || cfg.KeySecret == "" {
		return nil, errors.New("razorpay: a key id and key secret are required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("razorpay: base URL %q is not an http(s) URL such as %s", base, DefaultBaseURL)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	// A redirect would carry the key to wherever it points; Razorpay's API
	// does not redirect, so one is refused rather than followed.
	hcCopy := *hc
	hcCopy.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if hcCopy.Timeout <= 0 {
		// Without a time-out a Razorpay that never answers holds a
		// renewal, and the job that runs it, for ever.
		hcCopy.Timeout = DefaultTimeout
	}
	max := cfg.MaxResponseBytes
	if max <= 0 {
		max = DefaultMaxResponseBytes
	}
	return &Client{
		base: strings.TrimRight(base, "/"), keyID: cfg.KeyID, keySecret: cfg.KeySecret,
		http: &hcCopy, maxBytes: max,
	}, nil
}

// BaseURL is the API host the client calls, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// KeyID is the public half of the API key, which the hosted checkout form
// carries.
func (c *Client) KeyID() string { return c.keyID }

// call sends one request with a JSON body (when body is not nil) and decodes
// a 2xx answer into out (when out is not nil). Any other answer becomes an
// *Error.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, header http.Header, body, out any) error {
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("razorpay: %s %s: %w", method, path, err)
		}
		payload = bytes.NewReader(b)
	}
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, payload)
	if err != nil {
		return fmt.Errorf("razorpay: %s %s: %w", method, path, err)
	}
	req.SetBasicAuth(c.keyID, c.keySecret)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("razorpay: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := c.read(resp)
	if err != nil {
		return fmt.Errorf("razorpay: %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("razorpay: %s %s: malformed answer: %w", method, path, err)
	}
	return nil
}

// read reads an answer up to the limit; past it, nothing more is read.
func (c *Client) read(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > c.maxBytes {
		return nil, fmt.Errorf("%w (%d bytes announced)", ErrResponseTooLarge, resp.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.maxBytes {
		return nil, ErrResponseTooLarge
	}
	return data, nil
}

// segment is an id placed in a path: it must be present, since an empty
// one would turn a fetch of one entity into a list of all of them.
func segment(kind, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("razorpay: no %s id given", kind)
	}
	return url.PathEscape(id), nil
}

// collection is Razorpay's list answer.
type collection[T any] struct {
	Entity string `json:"entity"`
	Count  int    `json:"count"`
	Items  []T    `json:"items"`
}

// pageSize is the most items Razorpay lists at once; maxPages bounds how
// far a list is followed, since the lists read here are short by design.
const (
	pageSize = 100
	maxPages = 10
)

// list reads a collection page by page (count and skip).
func list[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	return listUpTo[T](ctx, c, path, query, maxPages)
}

// listUpTo is list for a collection of up to pages pages.
func listUpTo[T any](ctx context.Context, c *Client, path string, query url.Values, pages int) ([]T, error) {
	var all []T
	for page := range pages {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("count", fmt.Sprint(pageSize))
		q.Set("skip", fmt.Sprint(page*pageSize))
		var got collection[T]
		if err := c.call(ctx, http.MethodGet, path, q, nil, nil, &got); err != nil {
			return nil, err
		}
		all = append(all, got.Items...)
		if len(got.Items) < pageSize {
			return all, nil
		}
	}
	return nil, fmt.Errorf("razorpay: GET %s: more than %d items", path, pages*pageSize)
}

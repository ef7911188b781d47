package wire_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/wire"
)

// Feed servers that misbehave cost a poll, never the process: each is
// given up on within the time limit, without reading what it sends past
// the size limit; the feed shows why and when, and waits longer after
// each failure, and nothing of it is ingested.
func TestHostileFeedServersFailThePollOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		var sent atomic.Int64 // bytes the huge answers managed to send
		stop := make(chan struct{})
		t.Cleanup(func() { close(stop) })
		huge := func(declared bool) http.HandlerFunc {
			return func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "application/rss+xml")
				if declared {
					rw.Header().Set("Content-Length", strconv.Itoa(50<<20))
				}
				rw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>`))
				chunk := []byte(strings.Repeat("<item><title>x</title><guid>x</guid></item>", 1000))
				for written := 0; written < 50<<20; written += len(chunk) {
					n, err := rw.Write(chunk)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			}
		}
		for _, c := range []struct {
			name    string
			handler http.HandlerFunc
			why     string
		}{
			{"hangs", func(rw http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-stop:
				}
			}, "did not answer within 2s"},
			{"drips", func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "application/rss+xml")
				rw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
				for {
					select {
					case <-r.Context().Done():
						return
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
					rw.Write([]byte(" "))
					rw.(http.Flusher).Flush()
				}
			}, "did not answer within 2s"},
			{"redirects", func(rw http.ResponseWriter, r *http.Request) {
				http.Redirect(rw, r, "/redirects?n="+r.URL.Query().Get("n")+"x", http.StatusFound)
			}, "more than 5 redirects"},
			{"huge", huge(true), "the feed is 50.0 MiB, more than the 10.0 MiB read"},
			{"huge-chunked", huge(false), "the feed is more than the 10.0 MiB read"},
			{"html", func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "text/html; charset=utf-8")
				rw.Write([]byte("<!doctype html><title>Log in</title>"))
			}, "the server sent text/html, not a feed"},
			{"image", func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "image/png")
				rw.Write([]byte("\x89PNG\r\n\x1a\n"))
			}, "the server sent image/png, not a feed"},
			{"page-as-text", func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "text/plain")
				rw.Write([]byte("<!doctype html><html><body>Sign in</body></html>"))
			}, "not an RSS, Atom or JSON feed"},
			{"malformed", func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "application/rss+xml")
				rw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title><item><title>Half`))
			}, "the feed cannot be read: XML syntax error"},
			{"gone", func(rw http.ResponseWriter, r *http.Request) {
				http.Error(rw, "gone", http.StatusGone)
			}, "the feed's server answered 410 Gone"},
		} {
			t.Run(c.name, func(t *testing.T) {
				w.feeds.handle("/"+c.name, c.handler)
				f := w.addFeed("/"+c.name, wire.FeedInput{})
				began := time.Now()
				r := w.poll(f)
				if took := time.Since(began); took > 5*time.Second {
					t.Errorf("the poll took %s", took)
				}
				if r.Err == nil || !strings.Contains(r.Err.Error(), c.why) {
					t.Fatalf("the poll's error is %v, want %q", r.Err, c.why)
				}
				got := w.feed(f.ID)
				if got.LastError != r.Err.Error() || got.Failures != 1 || got.PolledAt == nil || !got.PolledAt.Equal(start) ||
					got.OKAt != nil || !got.NextPollAt.Equal(start.Add(time.Minute)) {
					t.Errorf("the feed records error %q, %d failures, polled %v, next %s", got.LastError, got.Failures,
						got.PolledAt, got.NextPollAt)
				}
			})
		}
		if n := sent.Load(); n > 30<<20 {
			t.Errorf("the huge feeds sent %d MiB before the poll gave up", n>>20)
		}
		if stories := w.stories(); len(stories) != 0 {
			t.Errorf("%d stories from hostile feeds", len(stories))
		}
	})
}

// A feed whose server fails is tried again later and later; once it
// answers, its items are in and its failure forgotten. A server that
// says the feed has not changed (304, to the ETag or the date it gave)
// is not asked for it again.
func TestFailingFeedRecoversAndConditionalPolls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		failing := true
		var ifNoneMatch, ifModifiedSince atomic.Value
		w.feeds.handle("/flaky", func(rw http.ResponseWriter, r *http.Request) {
			if failing {
				http.Error(rw, "upstream timeout", http.StatusInternalServerError)
				return
			}
			ifNoneMatch.Store(r.Header.Get("If-None-Match"))
			ifModifiedSince.Store(r.Header.Get("If-Modified-Since"))
			if r.Header.Get("If-None-Match") == `"v1"` || r.Header.Get("If-Modified-Since") == "Sun, 15 Nov 2026 04:00:00 GMT" {
				rw.WriteHeader(http.StatusNotModified)
				return
			}
			rw.Header().Set("Content-Type", "application/atom+xml")
			rw.Header().Set("ETag", `"v1"`)
			rw.Header().Set("Last-Modified", "Sun, 15 Nov 2026 04:00:00 GMT")
			rw.Write([]byte(atomFeed(testItem{GUID: "urn:1", Title: "Back online", Body: "<p>The feed recovered.</p>"})))
		})
		f := w.addFeed("/flaky", wire.FeedInput{})
		ctx := context.Background()
		for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			r := w.poll(f)
			got := w.feed(f.ID)
			if r.Err == nil || got.Failures != i+1 || !got.NextPollAt.Equal(w.clock.Now().Add(wait)) ||
				!strings.Contains(got.LastError, "500 Internal Server Error") {
				t.Fatalf("failure %d: %v; the feed: %d failures, next poll %s", i+1, r.Err, got.Failures, got.NextPollAt)
			}
			// Not due before its back-off is over: the job polls nothing.
			if due, _ := st.DueFeeds(ctx, w.clock.Now().Add(wait-time.Second), 10); len(due) != 0 {
				t.Errorf("due during its back-off")
			}
			w.clock.Advance(wait)
		}
		failing = false
		if r := w.poll(f); r.Err != nil || r.Counts.New != 1 {
			t.Fatalf("recovered: %+v %v", r.Counts, r.Err)
		}
		got := w.feed(f.ID)
		if got.Failures != 0 || got.LastError != "" || got.OKAt == nil || got.ETag != `"v1"` ||
			got.LastModified != "Sun, 15 Nov 2026 04:00:00 GMT" || !got.NextPollAt.Equal(w.clock.Now().Add(wire.DefaultEvery)) {
			t.Errorf("after recovering the feed records %+v", got)
		}
		w.clock.Advance(wire.DefaultEvery)
		r := w.poll(f)
		if r.Err != nil || !r.NotModified || ifNoneMatch.Load() != `"v1"` || ifModifiedSince.Load() != "Sun, 15 Nov 2026 04:00:00 GMT" {
			t.Errorf("a conditional poll: %+v; sent If-None-Match %v, If-Modified-Since %v", r, ifNoneMatch.Load(), ifModifiedSince.Load())
		}
		// The counts of the poll that read the feed stay beside it.
		if got := w.feed(f.ID); got.Last.New != 1 || got.Failures != 0 || !got.OKAt.Equal(w.clock.Now()) {
			t.Errorf("after a 304 the feed records %+v", got)
		}
	})
}

// An editor's feed address may not reach this machine or its private
// network: the poll is refused before anything is sent.
func TestFeedsOnPrivateAddressesAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		w.feeds.serve("/rss", "application/rss+xml", atomFeed(testItem{GUID: "urn:1", Title: "Internal", Body: "<p>secret</p>"}))
		w.svc.Fetcher = wire.NewFetcher(wire.FetchOptions{Timeout: 2 * time.Second})
		f := w.addFeed("/rss", wire.FeedInput{})
		r := w.poll(f)
		if r.Err == nil || !strings.Contains(r.Err.Error(), "on this machine or a private network") {
			t.Fatalf("a loopback feed: %v", r.Err)
		}
		if n := w.feeds.requests.Load(); n != 0 {
			t.Errorf("the loopback server got %d requests", n)
		}
		// A redirect from a public address to a private one is refused
		// the same way, as every connection is checked.
		for _, addr := range []string{"127.0.0.1:80", "10.1.2.3:443", "[::1]:80", "169.254.169.254:80", "[::ffff:192.168.1.1]:80", "100.64.0.1:80"} {
			if err := wire.RefusePrivate("tcp", addr, nil); err == nil {
				t.Errorf("%s is allowed", addr)
			}
		}
		if err := wire.RefusePrivate("tcp", "93.184.216.34:443", nil); err != nil {
			t.Errorf("a public address is refused: %v", err)
		}
	})
}

// A due feed's poll is queued once, however many instances look; polled,
// it is not due again until its interval is over, and then queued anew.
func TestDuePollsAreQueuedOncePerRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(testItem{GUID: "urn:1", Title: "One", Body: "<p>One.</p>"}))
		f := w.addFeed("/atom", wire.FeedInput{})
		other := newInstance(t, st, w.feeds)
		for _, inst := range []*world{w, other, w} {
			if err := inst.svc.EnqueueDuePolls(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		// claim takes the next poll job due, as a worker that runs it.
		claim := func() *store.Job {
			j, err := st.ClaimJob(ctx, wire.PollJob, "test", w.clock.Now(), time.Minute)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CompleteJob(ctx, j.ID, "test", w.clock.Now()); err != nil {
				t.Fatal(err)
			}
			return j
		}
		j := claim()
		if j == nil || j.Payload != strconv.FormatInt(f.ID, 10) || claim() != nil {
			t.Fatalf("want one poll job queued, got %+v and more", j)
		}
		if err := w.svc.PollDue(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		// Run again (a retry, or a job queued before a poll now), it
		// finds the feed not due and polls nothing.
		before := w.feeds.requests.Load()
		if err := w.svc.PollDue(ctx, f.ID); err != nil || w.feeds.requests.Load() != before {
			t.Errorf("a feed not due was polled (%v)", err)
		}
		w.svc.EnqueueDuePolls(ctx, st)
		if j := claim(); j != nil {
			t.Errorf("a feed not due was queued: %+v", j)
		}
		// "Poll now", at the very time of the last poll, is a new round.
		if err := w.svc.PollSoon(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		w.svc.EnqueueDuePolls(ctx, st)
		if j := claim(); j == nil {
			t.Errorf("poll now queued no poll")
		}
		// A deleted feed is neither queued nor polled.
		if err := w.svc.DeleteFeed(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Hour)
		w.svc.EnqueueDuePolls(ctx, st)
		if j := claim(); j != nil {
			t.Errorf("a deleted feed was queued")
		}
		if err := w.svc.PollDue(ctx, f.ID); err != nil || w.feeds.requests.Load() != before {
			t.Errorf("a deleted feed was polled (%v)", err)
		}
	})
}

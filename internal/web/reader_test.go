package web_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
)

// meterRows is how many rows the meter's tables hold on the site.
func meterRows(t *testing.T, site *apptest.Site) int64 {
	t.Helper()
	reads, counts, err := site.App.Store.MeterRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return reads + counts
}

// readerKey is the meter key of the reader a device's cookie names.
func readerKey(t *testing.T, b *apptest.Browser) string {
	t.Helper()
	id, _, ok := strings.Cut(b.Cookie("bs_reader"), ".")
	if !ok {
		t.Fatalf("no reader cookie: %q", b.Cookie("bs_reader"))
	}
	return "a:" + id
}

func thisMonth(site *apptest.Site) string {
	return meter.Month(site.Clock.Now(), site.App.Settings.Get().Location)
}

func wantNotice(t *testing.T, resp apptest.Response, left string) {
	t.Helper()
	if !strings.Contains(resp.Body, "You have "+left+" of 3 free stories left this month.") {
		t.Errorf("meter notice should say %q left", left)
	}
}

// A HEAD of a story answers what a GET would, without a body and without
// using up a free story: a reader who sent ten of them, before and
// between their reads, still reads three stories.
func TestHeadOfAStoryCountsNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		s := meteredStories(t, site, 13)
		b := site.NewBrowser()
		heads := func() {
			t.Helper()
			for _, a := range s[3:13] {
				resp := b.Do(http.MethodHead, "/article/"+a.Slug, nil, nil)
				if resp.Status != http.StatusOK || resp.Body != "" ||
					resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || resp.Header.Get("Cache-Control") != "private, no-store" {
					t.Fatalf("HEAD %s: status %d, headers %v, body %d bytes", a.Slug, resp.Status, resp.Header, len(resp.Body))
				}
			}
		}
		rows := meterRows(t, site)
		heads()
		if b.Cookie("bs_reader") != "" {
			t.Error("a HEAD issued a reader cookie")
		}
		for i, left := range []string{"2", "1", "0"} {
			resp := b.Get("/article/" + s[i].Slug)
			assertFull(t, resp, s[i])
			wantNotice(t, resp, left)
			heads()
		}
		if used, err := site.App.Store.MeterUsed(context.Background(), readerKey(t, b), thisMonth(site)); err != nil || used != 3 {
			t.Errorf("meter after three stories and thirty HEADs: %d used, %v; want 3", used, err)
		}
		if got := meterRows(t, site) - rows; got != 4 {
			t.Errorf("%d meter rows written, want 4 (three reads and a count)", got)
		}
		if resp := b.Do(http.MethodHead, "/article/no-such-story", nil, nil); resp.Status != http.StatusNotFound || resp.Body != "" {
			t.Errorf("HEAD of a missing story: status %d, %d bytes", resp.Status, len(resp.Body))
		}
	})
}

// Clients that keep no cookies (bots, mostly) read their one free story
// each and write nothing to the meter, however many they are.
func TestCookielessReadersWriteNoMeterRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		s := meteredStories(t, site, 4)
		rows := meterRows(t, site)
		const requests, clients = 1000, 8
		var next, full atomic.Int64
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				client := &http.Client{Timeout: 30 * time.Second} // no cookie jar
				for {
					i := next.Add(1) - 1
					if i >= requests {
						return
					}
					resp, err := client.Get(site.URL + "/article/" + s[i%int64(len(s))].Slug)
					if err != nil {
						t.Error(err)
						return
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK && !strings.Contains(string(body), `id="paywall"`) {
						full.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if full.Load() != requests {
			t.Errorf("%d of %d first visits read the story in full", full.Load(), requests)
		}
		if got := meterRows(t, site) - rows; got != 0 {
			t.Errorf("%d cookieless requests wrote %d meter rows, want none", requests, got)
		}
	})
}

// A reader who keeps the cookie is metered exactly: the first story, which
// the cookie carries, counts once however often it is read again, and the
// fourth distinct story meets the paywall. Sending back the cookie from
// the first visit does not reset the meter, and an altered one is a new
// reader that shares nothing.
func TestReaderWhoKeepsTheCookieIsMeteredExactly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		s := meteredStories(t, site, 6)
		ctx := context.Background()
		b := site.NewBrowser()
		wantNotice(t, b.Get("/article/"+s[0].Slug), "2")
		first := b.Cookie("bs_reader")
		if n := strings.Count(first, "."); n != 3 {
			t.Fatalf("a new reader's cookie %q does not carry their first story", first)
		}
		for _, step := range []struct {
			story int
			left  string
		}{{0, "2"}, {1, "1"}, {0, "1"}, {2, "0"}, {0, "0"}} {
			resp := b.Get("/article/" + s[step.story].Slug)
			assertFull(t, resp, s[step.story])
			wantNotice(t, resp, step.left)
		}
		assertGated(t, b.Get("/article/"+s[3].Slug), s[3], 2)
		key := readerKey(t, b)
		if ids, err := site.App.Store.MeterReads(ctx, key, thisMonth(site)); err != nil || len(ids) != 3 {
			t.Fatalf("meter %v, %v; want three stories", ids, err)
		}

		// The cookie of the first visit, sent back: the same reader, with
		// no story to spare.
		b.SetCookie("bs_reader", first)
		assertGated(t, b.Get("/article/"+s[4].Slug), s[4], 2)

		// The first visit's cookie carrying another story than the one
		// the server put there: not a cookie this site signed.
		id, rest, _ := strings.Cut(first, ".")
		month, rest, _ := strings.Cut(rest, ".")
		_, sig, _ := strings.Cut(rest, ".")
		forged := id + "." + month + "." + strconv.FormatInt(s[5].ID, 10) + "." + sig
		b.SetCookie("bs_reader", forged)
		resp := b.Get("/article/" + s[4].Slug)
		assertFull(t, resp, s[4])
		wantNotice(t, resp, "2")
		if got := b.Cookie("bs_reader"); got == forged || strings.HasPrefix(got, id+".") {
			t.Errorf("the forged cookie %q was kept as %q", forged, got)
		}
		if used, err := site.App.Store.MeterUsed(ctx, key, thisMonth(site)); err != nil || used != 3 {
			t.Errorf("the first reader's meter: %d, %v; want 3, untouched", used, err)
		}
	})
}

// A first story read on the last evening of a month counts in that month:
// the cookie carrying it is worth nothing once the next month begins.
func TestCarriedFirstStoryEndsWithItsMonth(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		s := meteredStories(t, site, 2)
		ist, _ := time.LoadLocation("Asia/Kolkata")
		site.Clock.Set(time.Date(2026, 11, 30, 23, 59, 0, 0, ist))
		b := site.NewBrowser()
		wantNotice(t, b.Get("/article/"+s[0].Slug), "2")
		site.Clock.Set(time.Date(2026, 12, 1, 0, 1, 0, 0, ist))
		wantNotice(t, b.Get("/article/"+s[1].Slug), "2")
		wantNotice(t, b.Get("/article/"+s[0].Slug), "1")
		ctx := context.Background()
		key := readerKey(t, b)
		if used, err := site.App.Store.MeterUsed(ctx, key, "2026-11"); err != nil || used != 0 {
			t.Errorf("November: %d used, %v; want 0 (the story was never counted)", used, err)
		}
		if ids, err := site.App.Store.MeterReads(ctx, key, "2026-12"); err != nil || len(ids) != 2 {
			t.Errorf("December: %v, %v; want the two stories read in December", ids, err)
		}
	})
}

// Signing in on a device whose cookie carries its first story counts that
// story on the account, once, however often the device signs in.
func TestSignInCountsTheCarriedStoryOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		reader := demoAccount(t, "registered")
		s := meteredStories(t, site, 4)
		b := site.NewBrowser()
		wantNotice(t, b.Get("/article/"+s[0].Slug), "2")
		acct, err := site.App.Store.AccountByEmail(ctx, reader.Email)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			logIn(t, b, reader, "/")
			ids, err := site.App.Store.MeterReads(ctx, access.AccountMeterKey(acct.ID), thisMonth(site))
			if err != nil || len(ids) != 1 || ids[0] != s[0].ID {
				t.Fatalf("account's meter after sign-in: %v, %v; want the story read before, %d", ids, err, s[0].ID)
			}
			if used, err := site.App.Store.MeterUsed(ctx, access.AccountMeterKey(acct.ID), thisMonth(site)); err != nil || used != 1 {
				t.Fatalf("account's count after sign-in: %d, %v; want 1", used, err)
			}
			b.Post("/logout", nil)
		}
		logIn(t, b, reader, "/")
		for i, a := range []*content.Article{s[0], s[1], s[2]} {
			resp := b.Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			wantNotice(t, resp, []string{"2", "1", "0"}[i])
		}
		assertGated(t, b.Get("/article/"+s[3].Slug), s[3], 2)
	})
}

// A reader back with the cookie carrying their first story opens every
// story at once: the first story counts once, and with it exactly the
// free limit is granted.
func TestCarriedFirstStoryHoldsUnderConcurrentRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		s := meteredStories(t, site, 6)
		b := site.NewBrowser()
		assertFull(t, b.Get("/article/"+s[0].Slug), s[0])
		var wg sync.WaitGroup
		var granted atomic.Int64
		for _, a := range s[1:] {
			wg.Go(func() {
				resp := b.Get("/article/" + a.Slug)
				if resp.Status == http.StatusOK && !strings.Contains(resp.Body, `id="paywall"`) {
					granted.Add(1)
				}
			})
		}
		wg.Wait()
		if granted.Load() != 2 {
			t.Errorf("%d more stories granted at once, want exactly 2 besides the first", granted.Load())
		}
		assertFull(t, b.Get("/article/"+s[0].Slug), s[0])
		if used, err := site.App.Store.MeterUsed(context.Background(), readerKey(t, b), thisMonth(site)); err != nil || used != 3 {
			t.Errorf("meter: %d used, %v; want 3", used, err)
		}
	})
}

package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/access"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/meter"
)

func meterRows(t *testing.T, site *apptest.Site) int64 {
	t.Helper()
	reads, counts, err := site.App.Store.MeterRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return reads + counts
}

func thisMonth(site *apptest.Site) string {
	return meter.Month(site.Clock.Now(), site.App.Settings.Get().Location)
}

// An X-Reader-Id is only good as the server signed it: one naming another
// reader's id, unsigned, re-signed or with its carried story swapped, is
// refused, and never reads that reader's meter.
func TestAPIForgedReaderIDIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		metered, _ := stories(t, site)
		victim := &appDevice{}
		_, _, _ = victim.get(t, b, metered[0].Slug)
		carried := victim.id
		for _, a := range metered[1:3] {
			victim.get(t, b, a.Slug)
		}
		id, _, _ := strings.Cut(victim.id, ".")
		_, sig, _ := strings.Cut(strings.TrimPrefix(victim.id, id), ".")
		page := site.NewBrowser()
		page.Get("/article/" + metered[0].Slug)
		forgeries := map[string]string{
			"the bare id":                     id,
			"the id with a made-up signature": id + ".AAAAAAAAAAAAAAAAAAAAAAAA",
			"the site's reader cookie":        page.Cookie("bs_reader"),
		}
		if cparts := strings.Split(carried, "."); len(cparts) == 4 && sig != "" {
			forgeries["the id with the carried token's signature"] = id + "." + cparts[3]
			forgeries["another story carried"] = strings.Join([]string{cparts[0], cparts[1], strconv.FormatInt(metered[5].ID, 10), cparts[3]}, ".")
		} else {
			t.Errorf("ids handed out: %q, then %q; want a signed one carrying the first story, then a signed one", carried, victim.id)
		}
		for name, forged := range forgeries {
			resp, out := call(t, b, "GET", "/api/v1/articles/"+metered[3].Slug, nil, reader(forged))
			wantError(t, resp, out, http.StatusBadRequest)
			if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "X-Reader-Id") {
				t.Errorf("%s: message %q does not name the header", name, msg)
			}
			assertNoGatedText(t, resp.Body, metered[3], 0)
		}
		// The victim's meter is as they left it: full, and theirs alone.
		_, out, _ := victim.get(t, b, metered[3].Slug)
		if out.Access.Granted || out.Access.Reason != "meter_exhausted" {
			t.Errorf("the victim's fourth story: %+v, want meter_exhausted", out.Access)
		}
		if used, err := site.App.Store.MeterUsed(context.Background(), "a:app-"+id, thisMonth(site)); err != nil || used != 3 {
			t.Errorf("the victim's meter: %d, %v; want 3", used, err)
		}
	})
}

// A HEAD of an API story says whether it exists and what a GET answers in,
// and counts nothing.
func TestAPIHeadOfAStoryCountsNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		metered, _ := stories(t, site)
		if len(metered) < 13 {
			t.Fatalf("demo has %d metered stories", len(metered))
		}
		app := &appDevice{}
		heads := func() {
			t.Helper()
			for _, a := range metered[3:13] {
				resp := b.Do(http.MethodHead, "/api/v1/articles/"+a.Slug, nil, app.header())
				if resp.Status != http.StatusOK || resp.Body != "" || resp.Header.Get("Content-Type") != "application/json" ||
					resp.Header.Get("Cache-Control") != "private, no-store" || resp.Header.Get("X-Reader-Id") != "" {
					t.Fatalf("HEAD %s: status %d, headers %v, body %d bytes", a.Slug, resp.Status, resp.Header, len(resp.Body))
				}
			}
		}
		heads()
		for i, a := range metered[:3] {
			_, out, article := app.get(t, b, a.Slug)
			assertGranted(t, a, out, article, "metered")
			if out.Access.Remaining != 2-i {
				t.Errorf("story %d after HEADs: remaining %d, want %d", i+1, out.Access.Remaining, 2-i)
			}
			heads()
		}
		id, _, _ := strings.Cut(app.id, ".")
		if used, err := site.App.Store.MeterUsed(context.Background(), "a:app-"+id, thisMonth(site)); err != nil || used != 3 {
			t.Errorf("meter after three stories and forty HEADs: %d, %v; want 3", used, err)
		}
		if resp := b.Do(http.MethodHead, "/api/v1/articles/no-such-story", nil, nil); resp.Status != http.StatusNotFound || resp.Body != "" {
			t.Errorf("HEAD of a missing story: status %d, %d bytes", resp.Status, len(resp.Body))
		}
	})
}

// Apps that never send the X-Reader-Id back write nothing to the meter.
func TestAPIReadersWithoutAnIDWriteNoMeterRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		metered, _ := stories(t, site)
		rows := meterRows(t, site)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				b := site.NewBrowser()
				for i := range 50 {
					a := metered[(w+i)%len(metered)]
					resp := b.Do("GET", "/api/v1/articles/"+a.Slug, nil, nil)
					if resp.Status != http.StatusOK || !strings.Contains(resp.Body, `"granted":true`) {
						t.Errorf("%s without an id: status %d: %.200s", a.Slug, resp.Status, resp.Body)
					}
				}
			})
		}
		wg.Wait()
		if got := meterRows(t, site) - rows; got != 0 {
			t.Errorf("200 requests without an id wrote %d meter rows, want none", got)
		}
	})
}

// An app that read its first story anonymously signs in: the story counts
// on the account, once, however often it signs in with that id.
func TestAPISignInCountsTheCarriedStoryOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		metered, _ := stories(t, site)
		app := &appDevice{}
		app.get(t, b, metered[0].Slug)
		registered := demoAccount(t, "registered")
		acct, err := site.App.Store.AccountByEmail(context.Background(), registered.Email)
		if err != nil {
			t.Fatal(err)
		}
		var token string
		for range 2 {
			resp, out := call(t, b, "POST", "/api/v1/sessions", map[string]string{"email": registered.Email, "password": registered.Password}, app.header())
			if resp.Status != http.StatusCreated {
				t.Fatalf("sign in: status %d: %s", resp.Status, resp.Body)
			}
			token, _ = out["token"].(string)
			ids, err := site.App.Store.MeterReads(context.Background(), access.AccountMeterKey(acct.ID), thisMonth(site))
			if err != nil || len(ids) != 1 || ids[0] != metered[0].ID {
				t.Fatalf("account's meter after sign-in: %v, %v; want the story read before, %d", ids, err, metered[0].ID)
			}
		}
		for i, a := range metered[:3] {
			_, out, _ := getArticle(t, b, a.Slug, bearer(token))
			if !out.Access.Granted || out.Access.Remaining != []int{2, 1, 0}[i] {
				t.Errorf("story %d signed in: %+v", i+1, out.Access)
			}
		}
		if _, out, _ := getArticle(t, b, metered[3].Slug, bearer(token)); out.Access.Granted {
			t.Errorf("a fourth story signed in: %+v, want refused", out.Access)
		}
	})
}

package web_test

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
)

// stories returns the demo's published free (metered) and premium stories.
func stories(t testing.TB, site *apptest.Site) (free, premium []*content.Article) {
	t.Helper()
	all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "", nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Premium() {
			premium = append(premium, a)
		} else {
			free = append(free, a)
		}
	}
	if len(free) < 5 || len(premium) < 1 {
		t.Fatalf("demo has %d free and %d premium stories", len(free), len(premium))
	}
	return free, premium
}

// assertGated checks a response for a story the reader may not read: the
// lead is there, and no later paragraph appears anywhere in the bytes
// (body, JSON-LD, Open Graph).
func assertGated(t *testing.T, resp apptest.Response, a *content.Article, lead int) {
	t.Helper()
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d", resp.Status)
	}
	ps := a.Paragraphs()
	for i, p := range ps {
		present := contains(resp.Body, p)
		if i < lead && !present {
			t.Errorf("lead paragraph %d missing", i)
		}
		if i >= lead && present {
			t.Errorf("gated paragraph %d of %s leaked", i, a.Slug)
		}
		if i >= lead && contains(resp.Body, firstWords(p, 8)) {
			t.Errorf("the start of gated paragraph %d of %s leaked", i, a.Slug)
		}
	}
	if !strings.Contains(resp.Body, `id="paywall"`) {
		t.Error("no paywall on a gated story")
	}
}

// contains looks for text in a page both as it is and as HTML escapes it.
func contains(body, text string) bool {
	return strings.Contains(body, text) || strings.Contains(body, template.HTMLEscapeString(text))
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}

func assertFull(t *testing.T, resp apptest.Response, a *content.Article) {
	t.Helper()
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d", resp.Status)
	}
	if strings.Contains(resp.Body, `id="paywall"`) {
		t.Errorf("%s: paywall shown to a reader who may read it", a.Slug)
	}
	last := a.Paragraphs()[len(a.Paragraphs())-1]
	if !contains(resp.Body, firstWords(last, 6)) {
		t.Errorf("%s: last paragraph missing from a granted story", a.Slug)
	}
}

func TestMeteredReading(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		b := site.NewBrowser()

		// The premium story first: a lead and a prompt, and the meter untouched.
		resp := b.Get("/article/" + premium[0].Slug)
		assertGated(t, resp, premium[0], 2)
		if !strings.Contains(resp.Body, "premium story") {
			t.Error("premium story should say it is for subscribers")
		}

		for i, want := range []string{"2 of 3", "1 of 3", "0 of 3"} {
			resp := b.Get("/article/" + free[i].Slug)
			assertFull(t, resp, free[i])
			if !strings.Contains(resp.Body, "You have "+want+" free stories left this month.") {
				t.Errorf("story %d: meter notice should say %q", i+1, want)
			}
		}
		resp = b.Get("/article/" + free[3].Slug)
		assertGated(t, resp, free[3], 2)
		for _, copy := range []string{
			"You’ve reached your limit of 3 free articles this month.",
			"Subscribe now for unlimited access.",
			"Already subscribed? <a href=\"/login?next=/article/" + free[3].Slug + "\"",
			"Subscribe to read the full story →",
		} {
			if !strings.Contains(resp.Body, copy) {
				t.Errorf("paywall lacks %q", copy)
			}
		}
		// Re-reading a story counted this month is free.
		assertFull(t, b.Get("/article/"+free[0].Slug), free[0])

		// A different device is a different reader.
		assertFull(t, site.NewBrowser().Get("/article/"+free[3].Slug), free[3])
	})
}

func TestMeterMonthIsThePublicationsCalendarMonth(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		ist, _ := time.LoadLocation("Asia/Kolkata")
		site.Clock.Set(time.Date(2026, 11, 30, 23, 59, 0, 0, ist))
		b := site.NewBrowser()
		for _, a := range free[:3] {
			assertFull(t, b.Get("/article/"+a.Slug), a)
		}
		assertGated(t, b.Get("/article/"+free[3].Slug), free[3], 2)
		// 00:01 IST on 1 December: 18:31 UTC on 30 November, a new month.
		site.Clock.Set(time.Date(2026, 12, 1, 0, 1, 0, 0, ist))
		resp := b.Get("/article/" + free[3].Slug)
		assertFull(t, resp, free[3])
		if !strings.Contains(resp.Body, "You have 2 of 3 free stories left this month.") {
			t.Error("the new month should start a new count")
		}
	})
}

func TestMeterHoldsUnderConcurrentRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		b := site.NewBrowser()
		b.Get("/") // get a reader cookie
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := 0
		for _, a := range free {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := b.Get("/article/" + a.Slug)
				if resp.Status == http.StatusOK && !strings.Contains(resp.Body, `id="paywall"`) {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if granted != 3 {
			t.Fatalf("%d different stories were granted at once, want exactly 3 (the free limit)", granted)
		}
	})
}

func TestTamperedReaderCookieIsANewReader(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		b := site.NewBrowser()
		for _, a := range free[:3] {
			b.Get("/article/" + a.Slug)
		}
		id, _, _ := strings.Cut(b.Cookie("bs_reader"), ".")
		for _, forged := range []string{id + ".forged", "garbage", "", id} {
			b.SetCookie("bs_reader", forged)
			resp := b.Get("/article/" + free[3].Slug)
			if resp.Status != http.StatusOK {
				t.Fatalf("cookie %q: status %d", forged, resp.Status)
			}
			assertFull(t, resp, free[3])
			if b.Cookie("bs_reader") == forged {
				t.Errorf("cookie %q was not replaced", forged)
			}
		}
	})
}

func TestSubscriberReadsEverythingWithoutAds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		ctx := context.Background()
		acct, err := site.App.Store.AccountByEmail(ctx, demo.Accounts[1].Email)
		if err != nil {
			t.Fatal(err)
		}
		token, err := site.App.Accounts.StartSession(ctx, acct.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		b.SetCookie("bs_session", token)
		for _, a := range append(append([]*content.Article{}, premium...), free...) {
			resp := b.Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			if strings.Contains(resp.Body, "ad-slot") || strings.Contains(resp.Body, "free stories left") {
				t.Fatalf("%s: a subscriber sees ads or the meter", a.Slug)
			}
		}
		if home := b.Get("/"); strings.Contains(home.Body, "ad-slot") {
			t.Error("the front page shows a subscriber an ad slot")
		}
		if home := site.NewBrowser().Get("/"); !strings.Contains(home.Body, "ad-slot") {
			t.Error("the front page shows an anonymous reader no ad slot")
		}
	})
}

func TestWireStoryCarriesTheDisclaimer(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		for _, a := range free {
			if a.WireSource == "" {
				continue
			}
			resp := site.NewBrowser().Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			if !strings.Contains(resp.Body, "Disclaimer: No The Broadsheet Daily journalist was involved in creation of this content") {
				t.Error("wire story lacks the disclaimer")
			}
			return
		}
		t.Fatal("the demo has no wire story")
	})
}

func TestPagesAndErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		b := site.NewBrowser()
		cases := []struct {
			path    string
			status  int
			want    string
			notWant string
		}{
			{"/", 200, "Editors’ picks", ""},
			{"/", 200, free[0].Headline, ""},
			{"/section/" + free[0].SectionSlug, 200, free[0].SectionName, ""},
			{"/section/no-such-section", 404, "does not exist", ""},
			{"/article/no-such-story", 404, "does not exist", ""},
			{"/nowhere", 404, "does not exist", ""},
			{"/static/style.css", 200, "--accent", ""},
		}
		for _, c := range cases {
			resp := b.Get(c.path)
			if resp.Status != c.status || !strings.Contains(resp.Body, c.want) {
				t.Errorf("GET %s: status %d, want %d containing %q", c.path, resp.Status, c.status, c.want)
			}
		}
		resp := b.Get("/article/" + free[0].Slug)
		// The paywalled-content markup names the element holding the story.
		for _, want := range []string{`property="og:title"`, `"@type":"NewsArticle"`, `"isAccessibleForFree":false`,
			`"cssSelector":".story-body"`, `<div class="story-body">`} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("article page lacks %s", want)
			}
		}
	})
}

// An edited story is served as edited once the periodic work has run: the
// rendered copy kept in memory is dropped when the story is saved anew.
func TestEditedStoryIsServedAfterRefresh(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		a := free[0]
		b := site.NewBrowser()
		if body := b.Get("/article/" + a.Slug).Body; !strings.Contains(body, template.HTMLEscapeString(a.Headline)) {
			t.Fatal("story page lacks its headline")
		}
		edited := *a
		edited.Headline = "Corrected: " + a.Headline
		if err := site.App.Store.UpdateArticle(context.Background(), &edited, site.Clock.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		site.RunJobs()
		body := b.Get("/article/" + a.Slug).Body
		if !strings.Contains(body, template.HTMLEscapeString(edited.Headline)) {
			t.Error("the edit is not served after the periodic refresh")
		}
		// A second refresh with nothing new keeps the story rendered.
		site.RunJobs()
		if body := b.Get("/article/" + a.Slug).Body; !strings.Contains(body, template.HTMLEscapeString(edited.Headline)) {
			t.Error("the edited story was lost")
		}
	})
}

// Staff (admins) read every story in full, premium ones included, without
// using a meter, so they can check what subscribers get; a registered
// reader without a subscription still meets the paywall.
func TestStaffReadEveryStoryInFull(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		assertFull(t, admin.Get("/article/"+premium[0].Slug), premium[0])
		for _, a := range free[:5] {
			resp := admin.Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			if strings.Contains(resp.Body, `id="meter-notice"`) {
				t.Errorf("%s: staff shown the meter notice", a.Slug)
			}
		}
		reader := site.NewBrowser()
		logIn(t, reader, demoAccount(t, "registered"), "/")
		assertGated(t, reader.Get("/article/"+premium[0].Slug), premium[0], 2)
	})
}

package web_test

import (
	"context"
	"html/template"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
	"broadsheet/internal/settings"
)

// stories returns the demo's published free (metered) and premium stories.
func stories(t testing.TB, site *apptest.Site) (free, premium []*content.Article) {
	t.Helper()
	all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "", nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		switch {
		case a.Vertical:
			// Gated by a benefit of their own (vertical_test.go).
		case a.Premium():
			premium = append(premium, a)
		default:
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

// meterCopy is paywall and meter copy as an admin may write it, every
// variable used, so that a page shows what the meter says of the reader.
var meterCopy = map[string]string{
	settings.KeyMeterNotice:    "Meter: {{remaining}} left of {{free_limit}}, {{used}} used.",
	settings.KeyPaywallHeading: "Meter spent: {{used}} of {{free_limit}} read.",
	settings.KeyPaywallBody:    "Come back next month for {{free_limit}} more.",
	settings.KeyPaywallCTA:     "Subscribe ({{remaining}} left)",
}

func setCopy(t *testing.T, site *apptest.Site, copy map[string]string) {
	t.Helper()
	if err := site.App.Settings.Update(context.Background(), copy); err != nil {
		t.Fatal(err)
	}
}

func TestMeteredReading(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		setCopy(t, site, meterCopy)
		b := site.NewBrowser()

		// The premium story first: a lead and a prompt to subscribe that is
		// not the meter's, and the meter untouched.
		resp := b.Get("/article/" + premium[0].Slug)
		assertGated(t, resp, premium[0], 2)
		if strings.Contains(resp.Body, "Meter spent") || strings.Contains(resp.Body, "Meter:") {
			t.Error("a premium story speaks of the meter, which it does not use")
		}
		if !strings.Contains(resp.Body, `href="/subscribe?next=/article/`+premium[0].Slug+`" id="paywall-subscribe">Subscribe (3 left)<`) {
			t.Error("a premium story's paywall does not lead to the plans and back to the story, in the copy for no story read")
		}

		for i, want := range []string{"2 left of 3, 1 used", "1 left of 3, 2 used", "0 left of 3, 3 used"} {
			resp := b.Get("/article/" + free[i].Slug)
			assertFull(t, resp, free[i])
			if !strings.Contains(resp.Body, "Meter: "+want+".") {
				t.Errorf("story %d: meter notice should say %q", i+1, want)
			}
		}
		resp = b.Get("/article/" + free[3].Slug)
		assertGated(t, resp, free[3], 2)
		for _, copy := range []string{
			"Meter spent: 3 of 3 read.",
			"Come back next month for 3 more.",
			"Subscribe (0 left)",
			// Signing in brings the reader back to the story.
			`href="/login?next=/article/` + free[3].Slug + `"`,
		} {
			if !strings.Contains(resp.Body, copy) {
				t.Errorf("paywall lacks %q", copy)
			}
		}
		if strings.Contains(resp.Body, "Meter: ") {
			t.Error("the paywall comes with a meter notice")
		}
		// The premium story's button, seen before any story was read, now
		// says what the meter says.
		if body := b.Get("/article/" + premium[0].Slug).Body; !strings.Contains(body, ">Subscribe (0 left)<") {
			t.Error("the premium story's paywall button keeps the copy of an earlier count")
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
		setCopy(t, site, meterCopy)
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
		if !strings.Contains(resp.Body, "Meter: 2 left of 3, 1 used.") {
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
		token, err := site.App.Accounts.StartSession(ctx, acct, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		b.SetCookie("bs_session", token)
		for _, a := range append(append([]*content.Article{}, premium...), free...) {
			resp := b.Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			if strings.Contains(resp.Body, "ad-slot") || strings.Contains(resp.Body, `id="meter-notice"`) {
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

// A wire story carries the disclaimer as the admin wrote it, naming the
// publication; a story of the publication's own does not.
func TestWireStoryCarriesTheDisclaimer(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		setCopy(t, site, map[string]string{
			settings.KeyPublication:    "The Test Gazette",
			settings.KeyWireDisclaimer: "From the wires, not by {{publication}} staff.",
		})
		const disclaimer = "From the wires, not by The Test Gazette staff."
		var wire, own bool
		for _, a := range free {
			resp := site.NewBrowser().Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			carries := strings.Contains(resp.Body, disclaimer)
			switch {
			case a.WireSource != "":
				wire = true
				if !carries {
					t.Errorf("wire story %s lacks the disclaimer", a.Slug)
				}
			case a.WireSource == "":
				own = true
				if carries {
					t.Errorf("%s, not a wire story, carries the disclaimer", a.Slug)
				}
			}
			if wire && own {
				return
			}
		}
		t.Fatalf("the demo has no wire story (%v) or none of its own (%v)", wire, own)
	})
}

func TestPagesAndErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		picks, err := site.App.Store.EditorsPicks(context.Background(), site.Clock.Now(), 5)
		if err != nil || len(picks) == 0 {
			t.Fatalf("editors' picks: %d, %v; the demo should have some", len(picks), err)
		}
		var elsewhere *content.Article // a story of another section
		for _, a := range free {
			if a.SectionSlug != free[0].SectionSlug {
				elsewhere = a
				break
			}
		}
		if elsewhere == nil {
			t.Fatal("the demo's stories are all in one section")
		}
		style, err := os.ReadFile("static/style.css")
		if err != nil {
			t.Fatal(err)
		}
		publication := site.App.Settings.Get().Publication
		deep := free[0].Paragraphs()[len(free[0].Paragraphs())-1] // never on a list of stories
		b := site.NewBrowser()
		cases := []struct {
			path    string
			status  int
			want    string
			notWant string // "": nothing to check
		}{
			{"/", 200, picks[0].Headline, deep},
			{"/", 200, picks[len(picks)-1].Headline, `id="paywall"`},
			{"/", 200, free[0].Headline, ""},
			{"/section/" + free[0].SectionSlug, 200, free[0].Headline, elsewhere.Headline},
			// Errors are the site's own pages, and show no story.
			{"/section/no-such-section", 404, publication, free[0].Headline},
			{"/article/no-such-story", 404, publication, `class="story-body"`},
			{"/nowhere", 404, publication, free[0].Headline},
			{"/static/style.css", 200, string(style), publication},
		}
		for _, c := range cases {
			resp := b.Get(c.path)
			if resp.Status != c.status || !contains(resp.Body, c.want) {
				t.Errorf("GET %s: status %d, want %d containing %q", c.path, resp.Status, c.status, c.want)
			}
			if c.notWant != "" && contains(resp.Body, c.notWant) {
				t.Errorf("GET %s: contains %q", c.path, c.notWant)
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
		if err := site.App.Store.SaveStory(context.Background(), &edited, 0, nil, site.Clock.Now().Add(time.Second)); err != nil {
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

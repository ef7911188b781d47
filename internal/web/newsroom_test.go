package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// storyFields is a complete story form as an editor fills it in, with
// fields replaced or added by kv (name, value, name, value...).
func storyFields(kv ...string) url.Values {
	f := url.Values{
		"headline":   {"Monsoon lifts kharif sowing to a record"},
		"standfirst": {"Farmers planted more rice and pulses than in any year before."},
		"body": {"Sowing of kharif crops reached a record this week.\n\n" +
			"## Why it matters\n\nRural demand follows the harvest.\n\n" +
			"- Rice up 4 per cent\n- Pulses up 7 per cent\n\n" +
			"> A good monsoon is the best stimulus.\n\nThe ministry will publish final figures in January."},
		"section": {"economy"},
		"authors": {"Asha Rao, Vikram Das"},
		"access":  {"metered"},
		"status":  {"published"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// newStory saves a story through the console and returns its id.
func newStory(t *testing.T, editor *apptest.Browser, form url.Values) int64 {
	t.Helper()
	resp := editor.Post("/admin/articles", form)
	u, err := url.Parse(resp.URL)
	if err != nil {
		t.Fatal(err)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(u.Path, "/admin/articles/"), 10, 64)
	if resp.Status != http.StatusOK || err != nil {
		t.Fatalf("save story: status %d at %s\n%s", resp.Status, resp.URL, resp.Body)
	}
	if !strings.Contains(resp.Body, "Story saved.") {
		t.Errorf("no notice that the story was saved")
	}
	return id
}

func storyByID(t *testing.T, site *apptest.Site, id int64) *content.Article {
	t.Helper()
	a, err := site.App.Store.StoryByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func signedIn(t *testing.T, site *apptest.Site, role string) *apptest.Browser {
	t.Helper()
	b := site.NewBrowser()
	logIn(t, b, demoAccount(t, role), "/")
	return b
}

func TestNewsroomIsForStaff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		before, err := site.App.Store.CountArticles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages := []string{"/admin/articles", "/admin/articles/new", "/admin/articles/1", "/admin/articles/1/preview"}
		for _, path := range pages {
			resp := coNoRedirect(t, site, http.MethodGet, path)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous GET %s: status %d to %q, want 303 to sign in", path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		reader := signedIn(t, site, "registered reader")
		for _, path := range pages {
			if resp := reader.Get(path); resp.Status != http.StatusForbidden {
				t.Errorf("reader GET %s: status %d, want 403", path, resp.Status)
			}
		}
		for _, path := range []string{"/admin/articles", "/admin/articles/1", "/admin/articles/preview", "/admin/articles/1/restore"} {
			if resp := reader.Post(path, storyFields("restore", "1", "revision", "1")); resp.Status != http.StatusForbidden {
				t.Errorf("reader POST %s: status %d, want 403", path, resp.Status)
			}
		}
		if after, _ := site.App.Store.CountArticles(ctx); after != before {
			t.Errorf("a reader's posts changed the number of stories from %d to %d", before, after)
		}
		if strings.Contains(reader.Get("/").Body, `href="/admin/articles"`) {
			t.Error("a reader's pages link to the newsroom")
		}
		editor := signedIn(t, site, "editor")
		resp := editor.Get("/admin/articles")
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, `id="stories"`) {
			t.Fatalf("editor GET /admin/articles: status %d", resp.Status)
		}
		if !strings.Contains(editor.Get("/").Body, `href="/admin/articles"`) {
			t.Error("an editor's masthead does not link to the newsroom")
		}
		if resp := editor.Get("/admin"); resp.Status != http.StatusForbidden {
			t.Errorf("editor GET /admin (settings): status %d, want 403", resp.Status)
		}
	})
}

// An editor schedules a premium story: nobody finds it until its time;
// then readers get what their access allows; a new slug redirects the old
// address; unpublished, it is gone from every output.
func TestEditorSchedulesPublishesRenamesAndUnpublishes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		// The clock reads 10:00 IST; the story is due at 12:00 IST.
		id := newStory(t, editor, storyFields("access", "premium", "status", "scheduled", "publish_at", "2026-11-15T12:00"))
		a := storyByID(t, site, id)
		if a.State(site.Clock.Now()) != "scheduled" || !a.PublishedAt.Equal(time.Date(2026, 11, 15, 6, 30, 0, 0, time.UTC)) {
			t.Fatalf("saved as %s at %v, want scheduled at 06:30 UTC", a.State(site.Clock.Now()), a.PublishedAt)
		}
		if a.Slug != "monsoon-lifts-kharif-sowing-to-a-record" || a.Author != "Asha Rao, Vikram Das" {
			t.Errorf("slug %q, authors %q", a.Slug, a.Author)
		}
		assertNowhere(t, site, a)
		preview := editor.Get("/admin/articles/" + strconv.FormatInt(id, 10) + "/preview")
		if preview.Status != http.StatusOK || !strings.Contains(preview.Body, "The ministry will publish final figures") {
			t.Errorf("staff preview of a scheduled story: status %d, or the story is missing", preview.Status)
		}

		site.Clock.Advance(2*time.Hour + time.Minute)
		site.RunJobs()
		anon := site.NewBrowser().Get("/article/" + a.Slug)
		if anon.Status != http.StatusOK || !strings.Contains(anon.Body, "Sowing of kharif crops") || !strings.Contains(anon.Body, `id="paywall"`) {
			t.Fatalf("anonymous reader after the story's time: status %d, lead or paywall missing", anon.Status)
		}
		if strings.Contains(anon.Body, "The ministry will publish final figures") || strings.Contains(anon.Body, "best stimulus") {
			t.Error("an anonymous reader received the premium story's withheld text")
		}
		if home := site.NewBrowser().Get("/"); !strings.Contains(home.Body, a.Headline) {
			t.Error("the home page does not list the story once its time came")
		}
		sub := signedIn(t, site, "subscriber").Get("/article/" + a.Slug)
		if !strings.Contains(sub.Body, "The ministry will publish final figures") || strings.Contains(sub.Body, `id="paywall"`) {
			t.Error("a subscriber does not read the premium story in full")
		}

		form := storyFields("access", "premium", "status", "published", "slug", "record-kharif-sowing",
			"revision", strconv.Itoa(storyByID(t, site, id).Revision))
		if resp := editor.Post("/admin/articles/"+strconv.FormatInt(id, 10), form); resp.Status != http.StatusOK {
			t.Fatalf("rename: status %d", resp.Status)
		}
		site.RunJobs()
		moved := coNoRedirect(t, site, http.MethodGet, "/article/"+a.Slug)
		if moved.StatusCode != http.StatusMovedPermanently || moved.Header.Get("Location") != "/article/record-kharif-sowing" {
			t.Errorf("old address: status %d to %q, want 301 to the new one", moved.StatusCode, moved.Header.Get("Location"))
		}
		if got := storyByID(t, site, id); !got.PublishedAt.Equal(a.PublishedAt) {
			t.Errorf("editing a published story moved its date from %v to %v", a.PublishedAt, got.PublishedAt)
		}

		form = storyFields("access", "premium", "status", "unpublished", "slug", "record-kharif-sowing",
			"revision", strconv.Itoa(storyByID(t, site, id).Revision))
		if resp := editor.Post("/admin/articles/"+strconv.FormatInt(id, 10), form); resp.Status != http.StatusOK {
			t.Fatalf("unpublish: status %d", resp.Status)
		}
		site.RunJobs()
		assertNowhere(t, site, storyByID(t, site, id))
		if resp := coNoRedirect(t, site, http.MethodGet, "/article/"+a.Slug); resp.StatusCode != http.StatusNotFound {
			t.Errorf("old address of an unpublished story: status %d, want 404", resp.StatusCode)
		}
	})
}

// assertNowhere checks that no reader's output carries story a.
func assertNowhere(t *testing.T, site *apptest.Site, a *content.Article) {
	t.Helper()
	b := site.NewBrowser()
	for _, path := range []string{"/article/" + a.Slug, "/api/v1/articles/" + a.Slug} {
		if resp := b.Get(path); resp.Status != http.StatusNotFound {
			t.Errorf("%s story: GET %s status %d, want 404", a.Status, path, resp.Status)
		}
	}
	for _, path := range []string{"/", "/section/" + a.SectionSlug, "/api/v1/articles", "/api/v1/articles?section=" + a.SectionSlug} {
		if resp := b.Get(path); strings.Contains(resp.Body, a.Headline) || strings.Contains(resp.Body, a.Slug) {
			t.Errorf("%s story listed on %s", a.Status, path)
		}
	}
	subscriber := signedIn(t, site, "subscriber")
	if resp := subscriber.Get("/article/" + a.Slug); resp.Status != http.StatusNotFound {
		t.Errorf("%s story: a subscriber got status %d, want 404", a.Status, resp.Status)
	}
}

func TestDraftIsSeenByStaffOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		id := newStory(t, editor, storyFields("status", "draft"))
		a := storyByID(t, site, id)
		if a.Status != content.StatusDraft {
			t.Fatalf("saved as %q", a.Status)
		}
		site.RunJobs()
		assertNowhere(t, site, a)
		if resp := editor.Get("/article/" + a.Slug); resp.Status != http.StatusNotFound {
			t.Errorf("a draft's public address answers %d even for staff, want 404 (staff use the preview link)", resp.Status)
		}
		list := editor.Get("/admin/articles?state=draft")
		if !strings.Contains(list.Body, a.Headline) {
			t.Error("the console's draft list lacks the draft")
		}
		if other := editor.Get("/admin/articles?state=published&q=kharif"); strings.Contains(other.Body, a.Headline) {
			t.Error("the published list shows a draft")
		}
		if !strings.Contains(editor.Get("/admin/articles?q=KHARIF").Body, a.Headline) {
			t.Error("searching headlines is not case-insensitive")
		}
	})
}

// Two editors save the same revision at once: one is saved, the other is
// told and keeps their text; nothing is silently overwritten.
func TestConcurrentSavesOfOneStory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		first := signedIn(t, site, "editor")
		second := signedIn(t, site, "admin")
		id := newStory(t, first, storyFields("status", "draft"))
		path := "/admin/articles/" + strconv.FormatInt(id, 10)
		for round := 0; round < 5; round++ {
			opened := storyByID(t, site, id).Revision
			var wg sync.WaitGroup
			results := make([]apptest.Response, 2)
			start := make(chan struct{})
			for i, b := range []*apptest.Browser{first, second} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = b.Post(path, storyFields("status", "draft", "revision", strconv.Itoa(opened),
						"headline", "Headline by editor "+strconv.Itoa(i)+" in round "+strconv.Itoa(round)))
				}()
			}
			close(start)
			wg.Wait()
			var saved, refused int
			for i, r := range results {
				switch r.Status {
				case http.StatusOK:
					saved++
				case http.StatusConflict:
					refused++
					if !strings.Contains(r.Body, "Headline by editor "+strconv.Itoa(i)) {
						t.Errorf("round %d: the refused editor's text is not kept in the form", round)
					}
				default:
					t.Fatalf("round %d: status %d", round, r.Status)
				}
			}
			if saved != 1 || refused != 1 {
				t.Fatalf("round %d: %d saved and %d refused, want one each", round, saved, refused)
			}
			if got := storyByID(t, site, id).Revision; got != opened+1 {
				t.Fatalf("round %d: revision %d after one save over %d", round, got, opened)
			}
		}
	})
}

func TestStoryFormRefusesBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		taken := newStory(t, editor, storyFields("slug", "taken-address"))
		before, _ := site.App.Store.CountArticles(ctx)
		cases := []struct {
			name, field string
			form        url.Values
		}{
			{"no headline", "headline", storyFields("headline", "  ")},
			{"long headline", "headline", storyFields("headline", strings.Repeat("x", 201))},
			{"unknown section", "section", storyFields("section", "sport")},
			{"unknown access", "access", storyFields("access", "vip")},
			{"unknown state", "status", storyFields("status", "live")},
			{"bad time", "publish_at", storyFields("publish_at", "tomorrow")},
			{"scheduled in the past", "publish_at", storyFields("status", "scheduled", "publish_at", "2026-11-15T09:00")},
			{"taken slug", "slug", storyFields("slug", "taken-address")},
			{"slug of nothing", "slug", storyFields("slug", "!!!")},
		}
		for _, c := range cases {
			resp := editor.Post("/admin/articles", c.form)
			if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `data-field="`+c.field+`"`) {
				t.Errorf("%s: status %d, or no reason given for %s", c.name, resp.Status, c.field)
			}
			if !strings.Contains(resp.Body, "Farmers planted more rice") {
				t.Errorf("%s: the editor's text is not kept in the form", c.name)
			}
		}
		if after, _ := site.App.Store.CountArticles(ctx); after != before {
			t.Errorf("refused forms saved %d stories", after-before)
		}
		// A stale or made-up revision is refused too.
		path := "/admin/articles/" + strconv.FormatInt(taken, 10)
		if resp := editor.Post(path, storyFields("revision", "99")); resp.Status != http.StatusConflict {
			t.Errorf("save over revision 99: status %d, want 409", resp.Status)
		}
		if resp := editor.Get("/admin/articles/999999"); resp.Status != http.StatusNotFound {
			t.Errorf("unknown story: status %d, want 404", resp.Status)
		}
	})
}

// Hostile markup in a story's body never reaches a page: not the public
// page, not the preview, not the API.
func TestStoryBodyIsSanitized(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		body := "Opening paragraph.\n\n<script>alert('x')</script>\n\n" +
			`<img src="https://img.example/a.png" onerror="alert('x')">` + "\n\n" +
			"[click](javascript:alert('x'))\n\n" + `<svg onload="alert('x')"></svg>` + "\n\n" +
			`<iframe src="https://evil.example/"></iframe>` + "\n\n" + `<form action="https://evil.example/"><input name="p"></form>` + "\n\n" +
			`<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>` + "\n\nClosing paragraph."
		id := newStory(t, editor, storyFields("access", "free", "body", body))
		a := storyByID(t, site, id)
		site.RunJobs()
		outputs := map[string]string{
			"page":    site.NewBrowser().Get("/article/" + a.Slug).Body,
			"preview": editor.Get("/admin/articles/" + strconv.FormatInt(id, 10) + "/preview").Body,
			"api":     site.NewBrowser().Get("/api/v1/articles/" + a.Slug).Body,
		}
		for name, out := range outputs {
			if !strings.Contains(out, "Closing paragraph.") {
				t.Errorf("%s: the story is missing", name)
			}
			for _, bad := range []string{"<script>", "alert(", "onerror", "javascript:", "<svg", "<iframe", "evil.example", "data:text"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s carries %q", name, bad)
				}
			}
		}
	})
}

// The paywall's lead is the first blocks of the rendered body, whatever
// kind: a heading and a list count as one block each.
func TestLeadIsFirstBlocks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		id := newStory(t, editor, storyFields("access", "premium", "body",
			"## Kharif at a glance\n\n- Rice\n- Pulses\n\nThird block.\n\nFourth block.\n\nFifth block.\n\nSixth block."))
		a := storyByID(t, site, id)
		site.RunJobs()
		page := site.NewBrowser().Get("/article/" + a.Slug).Body
		// The default lead is two blocks.
		if !strings.Contains(page, "Kharif at a glance</h2>") || !strings.Contains(page, "<li>Pulses</li>") {
			t.Error("the lead lacks the heading and the list")
		}
		if strings.Contains(page, "Third block.") {
			t.Error("the lead carries a third block")
		}
		api := site.NewBrowser().Get("/api/v1/articles/" + a.Slug).Body
		if !strings.Contains(api, `"Rice Pulses"`) || strings.Contains(api, "Third block.") {
			t.Errorf("API lead is not the first two blocks: %s", api)
		}
	})
}

func TestRestoreAnEarlierRevision(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		id := newStory(t, editor, storyFields("headline", "First headline"))
		path := "/admin/articles/" + strconv.FormatInt(id, 10)
		editor.Post(path, storyFields("headline", "Second headline", "revision", "1"))
		if got := storyByID(t, site, id); got.Headline != "Second headline" || got.Revision != 2 {
			t.Fatalf("after the edit: %q revision %d", got.Headline, got.Revision)
		}
		page := editor.Get(path)
		if !strings.Contains(page.Body, `data-revision="1"`) || !strings.Contains(page.Body, demoAccount(t, "editor").Email) ||
			!strings.Contains(page.Body, "headline") {
			t.Error("the history does not list the revisions, who saved them and what changed")
		}
		if resp := editor.Post(path+"/restore", url.Values{"restore": {"1"}, "revision": {"1"}}); resp.Status != http.StatusConflict {
			t.Errorf("restore over a stale revision: status %d, want 409", resp.Status)
		}
		resp := editor.Post(path+"/restore", url.Values{"restore": {"1"}, "revision": {"2"}})
		if resp.Status != http.StatusOK {
			t.Fatalf("restore: status %d", resp.Status)
		}
		if got := storyByID(t, site, id); got.Headline != "First headline" || got.Revision != 3 {
			t.Errorf("after restoring revision 1: %q revision %d, want the first headline as revision 3", got.Headline, got.Revision)
		}
	})
}

// The preview shows the unsaved form as a subscriber and as a reader at
// the paywall, and saves nothing.
func TestPreviewSavesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		before, _ := site.App.Store.CountArticles(ctx)
		resp := editor.Post("/admin/articles/preview", storyFields("access", "metered"))
		if resp.Status != http.StatusOK {
			t.Fatalf("preview: status %d", resp.Status)
		}
		sub, metered, ok := strings.Cut(resp.Body, `id="preview-metered"`)
		if !ok || !strings.Contains(sub, "The ministry will publish final figures") {
			t.Fatal("the subscriber's preview lacks the whole story")
		}
		if strings.Contains(metered, "The ministry will publish final figures") || !strings.Contains(metered, `id="paywall"`) {
			t.Error("the metered reader's preview is not cut at the paywall")
		}
		if after, _ := site.App.Store.CountArticles(ctx); after != before {
			t.Error("the preview saved a story")
		}
	})
}

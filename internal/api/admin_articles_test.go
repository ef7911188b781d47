package api_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
)

const adminArticles = "/api/v1/admin/articles"

// staff signs in the demo account whose role starts with who.
func signedInAs(t *testing.T, b *apptest.Browser, who string) http.Header {
	t.Helper()
	a := demoAccount(t, who)
	return bearer(signIn(t, b, a.Email, a.Password))
}

func countStories(t *testing.T, site *apptest.Site) int {
	t.Helper()
	n, err := site.App.Store.CountArticles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// newStory is a story a POST may create, filed in the demo's first
// section.
func newStory(t *testing.T, site *apptest.Site) map[string]any {
	t.Helper()
	secs, err := site.App.Store.Sections(context.Background())
	if err != nil || len(secs) == 0 {
		t.Fatalf("sections: %v %v", secs, err)
	}
	return map[string]any{
		"headline":      "Monsoon session of Parliament opens",
		"standfirst":    "Eleven bills are listed for the first week.",
		"body_markdown": "The session opened on Monday.\n\nIt runs **four weeks**.",
		"section":       secs[0].Slug,
		"authors":       []string{"Asha Rao", "Vikram Sen"},
		"tags":          []string{"parliament"},
		"access":        "free",
		"status":        "draft",
	}
}

// create POSTs a story and returns it, failing unless it was created.
func create(t *testing.T, b *apptest.Browser, auth http.Header, story map[string]any) (apptest.Response, map[string]any) {
	t.Helper()
	resp, out := call(t, b, "POST", adminArticles, story, auth.Clone())
	if resp.Status != http.StatusCreated {
		t.Fatalf("POST: status %d: %s", resp.Status, resp.Body)
	}
	return resp, out["article"].(map[string]any)
}

func storyPath(article map[string]any) string {
	return adminArticles + "/" + strconv.Itoa(int(article["id"].(float64)))
}

func withIfMatch(auth http.Header, tag string) http.Header {
	h := auth.Clone()
	h.Set("If-Match", tag)
	return h
}

// public reports whether readers find the story: in the public list, and
// by its slug.
func public(t *testing.T, b *apptest.Browser, slug string) (listed bool, status int) {
	t.Helper()
	_, list := call(t, b, "GET", "/api/v1/articles?limit=100", nil, nil)
	resp, _ := call(t, b, "GET", "/api/v1/articles/"+slug, nil, nil)
	return slices.Contains(slugsOf(list), slug), resp.Status
}

// A story created as a draft stays out of readers' sight until a PATCH
// publishes it; a PATCH over a revision since replaced saves nothing.
func TestAdminArticlesDraftPublishAndIfMatch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		auth := signedInAs(t, b, "editor")
		story := newStory(t, site)
		resp, a := create(t, b, auth, story)
		path := storyPath(a)
		if resp.Header.Get("Location") != path || resp.Header.Get("ETag") != `"r1"` {
			t.Errorf("Location %q, ETag %q; want %q, \"r1\"", resp.Header.Get("Location"), resp.Header.Get("ETag"), path)
		}
		slug := a["slug"].(string)
		want := map[string]any{
			"slug": "monsoon-session-of-parliament-opens", "url": site.URL + "/article/" + slug, "status": "draft",
			"headline": story["headline"], "standfirst": story["standfirst"], "body_markdown": story["body_markdown"],
			"section": story["section"], "access": "free", "editors_pick": false, "revision": 1.0,
		}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("%s = %#v, want %#v", k, a[k], v)
			}
		}
		if authors, _ := a["authors"].([]any); len(authors) != 2 || authors[0] != "Asha Rao" || authors[1] != "Vikram Sen" {
			t.Errorf("authors %#v", a["authors"])
		}
		if listed, status := public(t, b, slug); listed || status != http.StatusNotFound {
			t.Fatalf("a draft: listed %v, GET status %d; want unlisted, 404", listed, status)
		}

		resp, out := call(t, b, "GET", path, nil, auth.Clone())
		if resp.Status != http.StatusOK || resp.Header.Get("ETag") != `"r1"` || out["article"].(map[string]any)["slug"] != slug {
			t.Fatalf("GET: status %d, ETag %q: %s", resp.Status, resp.Header.Get("ETag"), resp.Body)
		}

		// Only the status is sent: every other field is kept, and the
		// story is published now, not when its draft was begun.
		site.Clock.Advance(30 * time.Minute)
		resp, out = call(t, b, "PATCH", path, map[string]any{"status": "published"}, withIfMatch(auth, `"r1"`))
		if resp.Status != http.StatusOK || resp.Header.Get("ETag") != `"r2"` {
			t.Fatalf("publish: status %d, ETag %q: %s", resp.Status, resp.Header.Get("ETag"), resp.Body)
		}
		pub := out["article"].(map[string]any)
		if pub["status"] != "published" || pub["headline"] != story["headline"] || pub["body_markdown"] != story["body_markdown"] ||
			pub["access"] != "free" || len(pub["authors"].([]any)) != 2 {
			t.Errorf("published story %v", pub)
		}
		if at, _ := time.Parse(time.RFC3339, pub["publish_at"].(string)); !at.Equal(site.Clock.Now().Truncate(time.Second)) {
			t.Errorf("publish_at %v, want now (%v)", pub["publish_at"], site.Clock.Now())
		}
		if listed, status := public(t, b, slug); !listed || status != http.StatusOK {
			t.Fatalf("published: listed %v, GET status %d", listed, status)
		}

		// A PATCH naming revision 1, since replaced, changes nothing.
		resp, out = call(t, b, "PATCH", path, map[string]any{"headline": "Overwritten"}, withIfMatch(auth, `"r1"`))
		wantError(t, resp, out, http.StatusPreconditionFailed)
		_, out = call(t, b, "GET", path, nil, auth.Clone())
		if got := out["article"].(map[string]any); got["headline"] != story["headline"] || got["revision"] != 2.0 {
			t.Errorf("after a stale PATCH: headline %v, revision %v", got["headline"], got["revision"])
		}
		revs, err := site.App.Store.StoryRevisions(context.Background(), int64(a["id"].(float64)))
		if err != nil || len(revs) != 2 {
			t.Errorf("revisions after a stale PATCH: %d, %v; want 2", len(revs), err)
		}
		// A malformed If-Match is refused; a weak one never matches.
		resp, out = call(t, b, "PATCH", path, map[string]any{"headline": "Overwritten"}, withIfMatch(auth, "r2"))
		wantError(t, resp, out, http.StatusBadRequest)
		resp, out = call(t, b, "PATCH", path, map[string]any{"headline": "Overwritten"}, withIfMatch(auth, `W/"r2"`))
		wantError(t, resp, out, http.StatusPreconditionFailed)

		// A new slug redirects the old one.
		resp, out = call(t, b, "PATCH", path, map[string]any{"slug": "parliament-opens"}, withIfMatch(auth, `"r2"`))
		if resp.Status != http.StatusOK || out["article"].(map[string]any)["slug"] != "parliament-opens" {
			t.Fatalf("new slug: status %d: %s", resp.Status, resp.Body)
		}
		site.RunJobs() // the story caches drop the story under its old slug
		if resp, _ := call(t, b, "GET", "/api/v1/articles/"+slug, nil, nil); resp.URL != "/api/v1/articles/parliament-opens" {
			t.Errorf("the old slug leads to %s", resp.URL)
		}

		// Status draft takes it down again; without If-Match the PATCH
		// saves over the revision it read.
		resp, out = call(t, b, "PATCH", path, map[string]any{"status": "draft"}, auth.Clone())
		if resp.Status != http.StatusOK || out["article"].(map[string]any)["status"] != "draft" {
			t.Fatalf("unpublish: status %d: %s", resp.Status, resp.Body)
		}
		site.RunJobs() // the story caches drop the story
		if listed, status := public(t, b, "parliament-opens"); listed || status != http.StatusNotFound {
			t.Errorf("taken down: listed %v, GET status %d", listed, status)
		}
	})
}

// Of two PATCHes sent at once over the same revision, exactly one is
// saved; the other is told so (412).
func TestAdminArticlesConcurrentPatches(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		auth := signedInAs(t, b, "editor")
		_, a := create(t, b, auth, newStory(t, site))
		path := storyPath(a)
		const rounds = 4
		for round := 1; round <= rounds; round++ {
			tag := `"r` + strconv.Itoa(round) + `"`
			statuses := make(chan int, 2)
			for i := range 2 {
				go func() {
					body := `{"headline": "Round ` + strconv.Itoa(round) + ` by ` + strconv.Itoa(i) + `"}`
					req, err := http.NewRequest("PATCH", site.URL+path, strings.NewReader(body))
					if err != nil {
						statuses <- 0
						return
					}
					req.Header = withIfMatch(auth, tag)
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						statuses <- 0
						return
					}
					resp.Body.Close()
					statuses <- resp.StatusCode
				}()
			}
			got := []int{<-statuses, <-statuses}
			slices.Sort(got)
			if got[0] != http.StatusOK || got[1] != http.StatusPreconditionFailed {
				t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, got)
			}
		}
		_, out := call(t, b, "GET", path, nil, auth.Clone())
		if rev := out["article"].(map[string]any)["revision"]; rev != float64(rounds+1) {
			t.Errorf("revision %v after %d rounds, want %d", rev, rounds, rounds+1)
		}
	})
}

// Only staff reach the newsroom's endpoints: without a token 401, with a
// reader's 403, and nothing is created or changed.
func TestAdminArticlesNeedStaff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		editor := signedInAs(t, b, "editor")
		_, a := create(t, b, editor, newStory(t, site))
		path := storyPath(a)
		before := countStories(t, site)
		for _, c := range []struct {
			who  string
			auth http.Header
			want int
		}{
			{"nobody", http.Header{}, http.StatusUnauthorized},
			{"a bad token", bearer("not-a-token"), http.StatusUnauthorized},
			{"a reader", signedInAs(t, b, "registered reader"), http.StatusForbidden},
			{"a subscriber", signedInAs(t, b, "subscriber"), http.StatusForbidden},
		} {
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{"GET", adminArticles, nil},
				{"GET", path, nil},
				{"POST", adminArticles, newStory(t, site)},
				{"PATCH", path, map[string]any{"headline": "Taken over"}},
			} {
				resp, out := call(t, b, r.method, r.path, r.body, c.auth.Clone())
				if resp.Status != c.want {
					t.Errorf("%s: %s %s: status %d, want %d", c.who, r.method, r.path, resp.Status, c.want)
					continue
				}
				wantError(t, resp, out, c.want)
			}
		}
		if after := countStories(t, site); after != before {
			t.Errorf("%d stories, %d before", after, before)
		}
		_, out := call(t, b, "GET", path, nil, editor.Clone())
		if got := out["article"].(map[string]any); got["headline"] != a["headline"] || got["revision"] != 1.0 {
			t.Errorf("story changed: %v", got)
		}
		// Admins are staff too.
		admin := signedInAs(t, b, "admin")
		if resp, _ := call(t, b, "GET", adminArticles, nil, admin); resp.Status != http.StatusOK {
			t.Errorf("admin list: status %d", resp.Status)
		}
	})
}

// A story the newsroom would refuse is answered 422 naming the field, a
// body that is not a story 400, an oversize one 413; nothing is saved.
func TestAdminArticlesRefuseBadStories(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		auth := signedInAs(t, b, "editor")
		_, taken := stories(t, site)
		_, existing := create(t, b, auth, newStory(t, site))
		path := storyPath(existing)
		with := func(k string, v any) map[string]any {
			s := newStory(t, site)
			if v == nil {
				delete(s, k)
			} else {
				s[k] = v
			}
			return s
		}
		before := countStories(t, site)
		for _, c := range []struct {
			name  string
			body  any
			field string
		}{
			{"no headline", with("headline", nil), "headline"},
			{"blank headline", with("headline", "   "), "headline"},
			{"unknown section", with("section", "astrology"), "section"},
			{"bad access", with("access", "members"), "access"},
			{"bad publish_at", with("publish_at", "tomorrow at nine"), "publish_at"},
			{"local publish_at", with("publish_at", "2026-12-05T09:30"), "publish_at"},
			{"taken slug", with("slug", taken[0].Slug), "slug"},
			{"bad status", with("status", "live"), "status"},
			{"scheduled in the past", with("status", "scheduled"), "publish_at"},
			{"tags not strings", with("tags", []any{1, 2}), "tags"},
			{"tags not a list", with("tags", "politics"), "tags"},
			{"headline not a string", with("headline", 42), "headline"},
			{"a name with a comma", with("authors", []string{"Rao, Asha"}), "authors"},
			{"a tag with a comma", with("tags", []string{"Rain, floods"}), "tags"},
			{"a tag without a letter", with("tags", []string{"!!!"}), "tags"},
			{"a name without a letter", with("authors", []string{"—"}), "authors"},
			{"body too long", with("body_markdown", strings.Repeat("a", 200_001)), "body_markdown"},
		} {
			for _, method := range []string{"POST", "PATCH"} {
				target := adminArticles
				if method == "PATCH" {
					if c.name == "no headline" {
						continue // a PATCH without a headline keeps the story's
					}
					target = path
				}
				resp, out := call(t, b, method, target, c.body, auth.Clone())
				wantError(t, resp, out, http.StatusUnprocessableEntity)
				fields, _ := out["error"].(map[string]any)["fields"].([]any)
				var names []string
				for _, f := range fields {
					names = append(names, f.(map[string]any)["field"].(string))
					if reason, _ := f.(map[string]any)["reason"].(string); reason == "" {
						t.Errorf("%s: %s: a field without a reason: %s", c.name, method, resp.Body)
					}
				}
				if !slices.Contains(names, c.field) {
					t.Errorf("%s: %s: fields %v, want %s", c.name, method, names, c.field)
				}
			}
		}
		for _, c := range []struct {
			name, body string
			want       int
		}{
			{"malformed JSON", `{"headline": "Half`, http.StatusBadRequest},
			{"not an object", `["headline"]`, http.StatusBadRequest},
			{"two objects", `{"headline": "One"} {"headline": "Two"}`, http.StatusBadRequest},
			{"unknown field", `{"headline": "Spelt wrong", "sectoin": "markets"}`, http.StatusBadRequest},
			{"oversize", `{"headline": "Big", "body_markdown": "` + strings.Repeat("a", 1<<20) + `"}`, http.StatusRequestEntityTooLarge},
		} {
			for _, method := range []string{"POST", "PATCH"} {
				target := adminArticles
				if method == "PATCH" {
					target = path
				}
				resp, out := call(t, b, method, target, c.body, auth.Clone())
				if resp.Status != c.want {
					t.Errorf("%s: %s: status %d, want %d: %.200s", c.name, method, resp.Status, c.want, resp.Body)
					continue
				}
				wantError(t, resp, out, c.want)
			}
		}
		if after := countStories(t, site); after != before {
			t.Errorf("%d stories, %d before", after, before)
		}
		_, out := call(t, b, "GET", path, nil, auth.Clone())
		if rev := out["article"].(map[string]any)["revision"]; rev != 1.0 {
			t.Errorf("the story was saved by a refused PATCH: revision %v", rev)
		}

		// A long story is taken, though larger than a form may be.
		long := newStory(t, site)
		long["body_markdown"] = strings.Repeat("A paragraph of the long read.\n\n", 5000)
		if resp, _ := call(t, b, "POST", adminArticles, long, auth.Clone()); resp.Status != http.StatusCreated {
			t.Errorf("a 150 KB story: status %d", resp.Status)
		}
	})
}

// A story published at a time to come is scheduled: readers find it once
// that time has passed.
func TestAdminArticlesScheduled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		auth := signedInAs(t, b, "editor")
		story := newStory(t, site)
		at := site.Clock.Now().Add(2 * time.Hour).Truncate(time.Second)
		story["status"], story["publish_at"] = "published", at.Format(time.RFC3339)
		_, a := create(t, b, auth, story)
		if a["status"] != "scheduled" || a["publish_at"] != at.UTC().Format(time.RFC3339) {
			t.Fatalf("status %v, publish_at %v; want scheduled at %v", a["status"], a["publish_at"], at.UTC())
		}
		slug := a["slug"].(string)
		site.Clock.Advance(time.Hour)
		site.RunJobs()
		if listed, status := public(t, b, slug); listed || status != http.StatusNotFound {
			t.Fatalf("before its time: listed %v, GET status %d", listed, status)
		}
		// Editing a scheduled story keeps its time.
		resp, out := call(t, b, "PATCH", storyPath(a), map[string]any{"standfirst": "Now with a new standfirst."}, withIfMatch(auth, `"r1"`))
		if got, _ := out["article"].(map[string]any); resp.Status != http.StatusOK || got["status"] != "scheduled" || got["publish_at"] != a["publish_at"] {
			t.Fatalf("edit: status %d: %s", resp.Status, resp.Body)
		}
		site.Clock.Advance(time.Hour + time.Minute)
		site.RunJobs()
		if listed, status := public(t, b, slug); !listed || status != http.StatusOK {
			t.Errorf("after its time: listed %v, GET status %d", listed, status)
		}
		_, out = call(t, b, "GET", storyPath(a), nil, auth.Clone())
		if got := out["article"].(map[string]any)["status"]; got != "published" {
			t.Errorf("status %v after its time, want published", got)
		}
	})
}

// The newsroom's list pages by an opaque cursor, newest first, and narrows
// by status and words in the headline.
func TestAdminArticlesList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		auth := signedInAs(t, b, "admin")
		_, a := create(t, b, auth, newStory(t, site))

		_, page1 := call(t, b, "GET", adminArticles+"?limit=3", nil, auth.Clone())
		cursor, _ := page1["next_cursor"].(string)
		_, page2 := call(t, b, "GET", adminArticles+"?limit=3&cursor="+cursor, nil, auth.Clone())
		var ids []float64
		for _, page := range []map[string]any{page1, page2} {
			for _, item := range page["articles"].([]any) {
				m := item.(map[string]any)
				if _, ok := m["body_markdown"]; ok {
					t.Errorf("a list item carries the body")
				}
				ids = append(ids, m["id"].(float64))
			}
		}
		if len(ids) != 6 || cursor == "" || ids[0] != a["id"] {
			t.Fatalf("two pages of 3: ids %v, cursor %q; want 6 from %v", ids, cursor, a["id"])
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] >= ids[i-1] {
				t.Errorf("ids %v are not newest first", ids)
			}
		}

		_, drafts := call(t, b, "GET", adminArticles+"?status=draft&q=Monsoon+SESSION", nil, auth.Clone())
		if list := drafts["articles"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != a["id"] {
			t.Errorf("drafts about the monsoon session: %v", list)
		}
		_, published := call(t, b, "GET", adminArticles+"?status=published&q=monsoon+session", nil, auth.Clone())
		if list := published["articles"].([]any); len(list) != 0 {
			t.Errorf("published stories about the monsoon session: %v", list)
		}
		for _, q := range []string{"status=live", "cursor=nope", "limit=0", "limit=101"} {
			resp, out := call(t, b, "GET", adminArticles+"?"+q, nil, auth.Clone())
			wantError(t, resp, out, http.StatusBadRequest)
		}
		for _, p := range []string{adminArticles + "/999999", adminArticles + "/abc"} {
			resp, out := call(t, b, "GET", p, nil, auth.Clone())
			wantError(t, resp, out, http.StatusNotFound)
		}
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/store/storetest"
)

// versionedFeed serves an Atom feed of one item whose text a test sets.
type versionedFeed struct {
	*httptest.Server
	mu    sync.Mutex
	title string
	body  string
}

func newVersionedFeed(t *testing.T, title, body string) *versionedFeed {
	f := &versionedFeed{title: title, body: body}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Pacific Newswire</title><id>urn:pnw</id>`+
			`<updated>2026-11-15T00:00:00Z</updated><entry><id>urn:pnw:1</id><title>%s</title><content type="html">%s</content></entry></feed>`,
			f.title, strings.ReplaceAll(f.body, "<", "&lt;"))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *versionedFeed) set(title, body string) {
	f.mu.Lock()
	f.title, f.body = title, body
	f.mu.Unlock()
}

// An editor who changed a wire story sees in the console that the wire
// has a newer version, and takes it with the list's button: it is saved
// as the editor's edit, the list no longer shows it. The button's form is
// refused from another site, to a reader, and over a revision no longer
// the latest, each changing nothing; taken twice, it says there is
// nothing left to take.
func TestEditorTakesANewerWireVersionFromTheConsole(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, _ := wireSite(t, engine)
			ctx := context.Background()
			agency := newVersionedFeed(t, "Crude slips", "<p>Brent fell 1%.</p>")
			editor := signedIn(t, site, "editor")
			if resp := editor.Post("/admin/feeds", url.Values{"url": {agency.URL}, "section": {"markets"}}); resp.Status != http.StatusOK {
				t.Fatalf("add the feed: %d", resp.Status)
			}
			site.RunJobs()
			feeds, _ := site.App.Wire.Feeds(ctx)
			story := func() *content.Article {
				t.Helper()
				all, err := site.App.Store.ListStories(ctx, content.StoryFilter{Limit: 200, Now: site.Clock.Now()})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range all {
					if a.WireSource == "Pacific Newswire" {
						full, err := site.App.Store.StoryByID(ctx, a.ID)
						if err != nil {
							t.Fatal(err)
						}
						return full
					}
				}
				t.Fatal("no wire story")
				return nil
			}
			a := story()
			d := newsroom.Draft{Headline: a.Headline, Body: "Brent fell 1% on Sunday, our desk adds.", Section: a.SectionSlug,
				Authors: a.Author, Access: string(a.Access), Status: "published", PublishAt: a.PublishedAt.Format(time.RFC3339), Revision: a.Revision}
			if _, err := site.App.Wire.Newsroom.Save(ctx, 0, a.ID, d, time.UTC); err != nil {
				t.Fatal(err)
			}
			agency.set("Crude slips further", "<p>Brent fell 2%.</p>")
			if r, err := site.App.Wire.Poll(ctx, feeds[0].ID); err != nil || r.Counts.Kept != 1 {
				t.Fatalf("poll: %+v %v %v", r.Counts, r.Err, err)
			}
			list := editor.Get("/admin/feeds").Body
			action := "/admin/feeds/newer/" + strconv.FormatInt(a.ID, 10)
			if !strings.Contains(list, `action="`+action+`"`) || !strings.Contains(list, `name="revision" value="2"`) ||
				!strings.Contains(list, "Take the newer version") {
				t.Fatalf("the console offers no newer version: %s", storyMain(t, list))
			}

			unchanged := func(when string) {
				t.Helper()
				if now := story(); now.Revision != 2 || !strings.Contains(now.Body, "our desk adds") {
					t.Errorf("%s changed the story: revision %d, %q", when, now.Revision, now.Body)
				}
			}
			form := url.Values{"revision": {"2"}}
			cross := editor.Do(http.MethodPost, action, strings.NewReader(form.Encode()), http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
			if cross.Status != http.StatusForbidden {
				t.Errorf("a cross-site form: %d", cross.Status)
			}
			unchanged("a cross-site form")
			if resp := signedIn(t, site, "registered").Post(action, form); resp.Status != http.StatusForbidden {
				t.Errorf("a reader's form: %d", resp.Status)
			}
			unchanged("a reader's form")
			if resp := editor.Post(action, url.Values{"revision": {"1"}}); resp.Status != http.StatusConflict ||
				!strings.Contains(resp.Body, "saved since the list was shown") {
				t.Errorf("over an old revision: %d", resp.Status)
			}
			unchanged("a stale form")
			for _, bad := range []url.Values{{"revision": {"x"}}, {}} {
				if resp := editor.Post(action, bad); resp.Status != http.StatusBadRequest {
					t.Errorf("revision %q: %d", bad.Get("revision"), resp.Status)
				}
			}
			if resp := editor.Post("/admin/feeds/newer/999999", form); resp.Status != http.StatusConflict && resp.Status != http.StatusNotFound {
				t.Errorf("another story: %d", resp.Status)
			}

			resp := editor.Post(action, form)
			if resp.Status != http.StatusOK || resp.URL != "/admin/articles/"+strconv.FormatInt(a.ID, 10) ||
				!strings.Contains(resp.Body, "The newer wire version is saved over the story") {
				t.Fatalf("take: %d at %s", resp.Status, resp.URL)
			}
			now := story()
			if now.Headline != "Crude slips further" || now.Revision != 3 || strings.Contains(now.Body, "our desk adds") {
				t.Errorf("taken: %q revision %d %q", now.Headline, now.Revision, now.Body)
			}
			revs, _ := site.App.Store.StoryRevisions(ctx, a.ID)
			if len(revs) != 3 || revs[0].By != demoAccount(t, "editor").Email {
				t.Errorf("the take is not the editor's revision: %+v", revs)
			}
			if list := editor.Get("/admin/feeds").Body; strings.Contains(list, action) {
				t.Error("the taken version is still offered")
			}
			if resp := editor.Post(action, url.Values{"revision": {"3"}}); resp.Status != http.StatusConflict ||
				!strings.Contains(resp.Body, "no newer version") {
				t.Errorf("taken twice: %d", resp.Status)
			}
		})
	}
}

package wire_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/wire"
)

// An agency's item is one story however many of the publication's feeds
// carry it: two feeds crediting the same agency (however its name is
// spaced or capitalised), polled at once on two instances, make one story
// of each item between them. Another agency's item with the same GUID is
// its own story.
func TestAnAgencysItemIsOneStoryWhicheverFeedCarriesIt(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			open := func() *store.Store { return openInstanceStore(t, url) }
			one := newWorld(t, open())
			two := newInstance(t, open(), one.feeds)
			var items []testItem
			for i := range 20 {
				items = append(items, testItem{GUID: fmt.Sprintf("urn:pnw:%d", i), Title: fmt.Sprintf("Pacific brief %d", i),
					Body: fmt.Sprintf("<p>Brief number %d.</p>", i)})
			}
			body := atomFeed(items...)
			const polls = 4
			// Every poll waits for the others to ask before it is
			// answered, so their writes overlap.
			var arrived sync.WaitGroup
			arrived.Add(polls)
			for _, path := range []string{"/national", "/business"} {
				one.feeds.handle(path, func(w http.ResponseWriter, r *http.Request) {
					arrived.Done()
					arrived.Wait()
					w.Header().Set("Content-Type", "application/atom+xml")
					w.Write([]byte(body))
				})
			}
			national := one.addFeed("/national", wire.FeedInput{Source: "Pacific Newswire"})
			business := one.addFeed("/business", wire.FeedInput{Source: "  pacific   NEWSWIRE "})
			results := make(chan wire.Result, polls)
			var done sync.WaitGroup
			for i := range polls {
				w, f := []*world{one, two}[i%2], []*wire.Feed{national, business}[(i/2)%2]
				done.Go(func() {
					r, err := w.svc.Poll(context.Background(), f.ID)
					if err != nil {
						t.Errorf("poll: %v", err)
					}
					results <- r
				})
			}
			done.Wait()
			close(results)
			created := 0
			for r := range results {
				if r.Err != nil || r.Counts.Refused != 0 || r.Counts.Updated != 0 {
					t.Errorf("a poll: %+v %v", r.Counts, r.Err)
				}
				created += r.Counts.New
			}
			stories, err := one.st.ListStories(context.Background(), content.StoryFilter{Limit: 1000, Now: start})
			if err != nil {
				t.Fatal(err)
			}
			if created != len(items) || len(stories) != len(items) {
				t.Errorf("the polls of two feeds created %d stories between them, %d stored; want %d", created, len(stories), len(items))
			}
			for _, a := range stories {
				if a.Revision != 1 {
					t.Errorf("%s was written %d times", a.Slug, a.Revision)
				}
			}

			// Polled again, each feed finds every item taken.
			one.feeds.serve("/national", "application/atom+xml", body)
			one.feeds.serve("/business", "application/atom+xml", body)
			for _, f := range []*wire.Feed{national, business} {
				if r := one.poll(f); r.Counts.New != 0 || r.Counts.Unchanged != len(items) {
					t.Errorf("%s again: %+v %v", f.URL, r.Counts, r.Err)
				}
			}

			// A version of an item on the feed that did not bring it first
			// is not written (else two feeds' versions would alternate);
			// on the feed that did, it is.
			var owner *wire.Feed
			for _, f := range []*wire.Feed{national, business} {
				if st, err := one.st.WireItem(context.Background(), f.ID, "pacific newswire", "urn:pnw:0"); err == nil && st.FeedID == f.ID {
					owner = f
				}
			}
			other := map[*wire.Feed]*wire.Feed{national: business, business: national}[owner]
			changed := append([]testItem{{GUID: "urn:pnw:0", Title: "Pacific brief 0, revised", Body: "<p>Revised.</p>"}}, items[1:]...)
			for _, f := range []*wire.Feed{other, owner} {
				one.feeds.serve(strings.TrimPrefix(f.URL, one.feeds.URL), "application/atom+xml", atomFeed(changed...))
				r := one.poll(f)
				if want := map[bool]int{true: 1, false: 0}[f == owner]; r.Counts.Updated != want {
					t.Errorf("%s (first: %v) with a revised item: %+v", f.URL, f == owner, r.Counts)
				}
			}

			// Another agency's items are its own, whatever their GUIDs.
			one.feeds.serve("/other", "application/atom+xml", atomFeed(testItem{GUID: "urn:pnw:0", Title: "Deccan brief",
				Body: "<p>Another agency's.</p>"}))
			deccan := one.addFeed("/other", wire.FeedInput{Source: "Deccan Agency Wire"})
			if r := one.poll(deccan); r.Counts.New != 1 {
				t.Errorf("another agency's item: %+v %v", r.Counts, r.Err)
			}
		})
	}
}

// The database, not only the poll's reading first, keeps an agency's
// item to one row: a second row with its agency and GUID, from another
// feed, is refused as taken, and writes no story.
func TestTheDatabaseKeepsAnAgencysItemOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		a := w.addFeed("/a", wire.FeedInput{})
		b := w.addFeed("/b", wire.FeedInput{})
		story := func(slug string) *content.Article {
			d := newsroom.Draft{Headline: "Item " + slug, Body: "Text.", Section: "markets", Status: "published", Slug: slug}
			art, err := w.news.Preview(ctx, 0, d, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			return art
		}
		first := &wire.StoredItem{FeedID: a.ID, GUID: "urn:x", SourceKey: "pacific newswire", Hash: "h1"}
		if err := st.CreateWireStory(ctx, first, story("first"), []string{"wire", "created"}, start); err != nil {
			t.Fatal(err)
		}
		second := &wire.StoredItem{FeedID: b.ID, GUID: "urn:x", SourceKey: "pacific newswire", Hash: "h1"}
		if err := st.CreateWireStory(ctx, second, story("second"), []string{"wire", "created"}, start); !errors.Is(err, wire.ErrIngested) {
			t.Errorf("the same agency's item from another feed: %v, want ErrIngested", err)
		}
		if _, err := st.ArticleBySlug(ctx, "second", start.Add(time.Hour)); !errors.Is(err, dberr.ErrNotFound) {
			t.Errorf("the refused item's story was written: %v", err)
		}
		got, err := st.WireItem(ctx, b.ID, "pacific newswire", "urn:x")
		if err != nil || got.ID != first.ID || got.FeedID != a.ID {
			t.Errorf("feed b's look-up of the item: %+v %v", got, err)
		}
	})
}

// A newer version kept back from a story an editor changed may be taken
// by an editor: it is saved through the newsroom as the editor's edit
// (a revision of theirs, over the revision they saw), is no longer
// listed, and the story follows the wire again from then. A stale page's
// request, or a story with nothing kept back, changes nothing.
func TestEditorTakesTheNewerVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(testItem{"urn:a", "Crude slips", "<p>Brent fell 1%.</p>", at(0)},
			testItem{"urn:b", "Gold steady", "<p>Gold was flat.</p>", at(0)}))
		f := w.addFeed("/atom", wire.FeedInput{})
		if r := w.poll(f); r.Counts.New != 2 {
			t.Fatalf("first poll: %+v %v", r.Counts, r.Err)
		}
		crude := w.story("Crude slips")
		d := draftOf(crude)
		d.Body = "Brent fell 1% on Sunday, our desk adds."
		if _, err := w.news.Save(ctx, 0, crude.ID, d, time.UTC); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(10 * time.Minute)
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(testItem{"urn:a", "Crude slips further", "<p>Brent fell 2%.</p>", at(10)},
			testItem{"urn:b", "Gold steady", "<p>Gold was flat.</p>", at(0)}))
		if r := w.poll(f); r.Counts.Kept != 1 {
			t.Fatalf("second poll: %+v %v", r.Counts, r.Err)
		}
		newer, err := w.svc.NewerVersions(ctx)
		if err != nil || len(newer) != 1 || newer[0].Revision != 2 {
			t.Fatalf("newer versions: %+v %v", newer, err)
		}

		gold := w.story("Gold steady")
		if _, err := w.svc.TakeNewerVersion(ctx, 0, gold.ID, gold.Revision); !errors.Is(err, wire.ErrNoNewer) {
			t.Errorf("a story with nothing kept back: %v", err)
		}
		if _, err := w.svc.TakeNewerVersion(ctx, 0, crude.ID, 1); !errors.Is(err, dberr.ErrStale) {
			t.Errorf("over a revision no longer the latest: %v", err)
		}
		if a := w.story("Crude slips"); a.Revision != 2 || !strings.Contains(a.Body, "our desk adds") {
			t.Errorf("a refused take changed the story: revision %d, %q", a.Revision, a.Body)
		}

		taken, err := w.svc.TakeNewerVersion(ctx, 0, crude.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if taken.Headline != "Crude slips further" || taken.Revision != 3 || !strings.Contains(storyHTML(taken), "Brent fell 2%") ||
			strings.Contains(taken.Body, "our desk adds") || taken.WireSource != "Test Agency" {
			t.Errorf("taken: %q revision %d source %q body %s", taken.Headline, taken.Revision, taken.WireSource, storyHTML(taken))
		}
		revs, err := st.StoryRevisions(ctx, crude.ID)
		if err != nil || len(revs) != 3 || strings.Contains(strings.Join(revs[0].Changed, ","), "wire") ||
			!strings.Contains(strings.Join(revs[0].Changed, ","), "body") {
			t.Errorf("the take is not an edit's revision: %+v %v", revs, err)
		}
		if left, _ := w.svc.NewerVersions(ctx); len(left) != 0 {
			t.Errorf("still listed: %+v", left)
		}
		if _, err := w.svc.TakeNewerVersion(ctx, 0, crude.ID, 3); !errors.Is(err, wire.ErrNoNewer) {
			t.Errorf("taken twice: %v", err)
		}

		// The story follows the wire again: its next version is written.
		w.clock.Advance(10 * time.Minute)
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(testItem{"urn:a", "Crude slips for a third day", "<p>Brent fell 3%.</p>", at(20)}))
		if r := w.poll(f); r.Counts.Updated != 1 || r.Counts.Kept != 0 {
			t.Errorf("third poll: %+v %v", r.Counts, r.Err)
		}
		if a := w.story("Crude slips for a third day"); a.Revision != 4 {
			t.Errorf("the next version: revision %d", a.Revision)
		}
	})
}

package wire_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/wire"
)

// testItem is one item of a feed a test writes.
type testItem struct {
	GUID, Title, Body string
	Updated           time.Time // zero: none
}

// atomFeed writes an Atom feed of items, as an agency whose items carry
// their updated time would.
func atomFeed(items ...testItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Test Agency</title><id>urn:test</id><updated>2026-11-15T00:00:00Z</updated>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<entry><id>%s</id><title>%s</title>`, html.EscapeString(it.GUID), html.EscapeString(it.Title))
		if !it.Updated.IsZero() {
			fmt.Fprintf(&b, `<updated>%s</updated>`, it.Updated.Format(time.RFC3339))
		}
		fmt.Fprintf(&b, `<content type="html">%s</content></entry>`, html.EscapeString(it.Body))
	}
	b.WriteString(`</feed>`)
	return b.String()
}

// draftOf is a saved story as an editor's form holds it, for an edit.
func draftOf(a *content.Article) newsroom.Draft {
	return newsroom.Draft{Headline: a.Headline, Standfirst: a.Summary, Body: a.Body, Section: a.SectionSlug, Authors: a.Author,
		Access: string(a.Access), Status: a.State(start), PublishAt: a.PublishedAt.Format(time.RFC3339), Revision: a.Revision}
}

func (w *world) story(headline string) *content.Article {
	w.t.Helper()
	for _, a := range w.stories() {
		if a.Headline == headline {
			a, err := w.st.StoryByID(context.Background(), a.ID)
			if err != nil {
				w.t.Fatal(err)
			}
			return a
		}
	}
	w.t.Fatalf("no story %q", headline)
	return nil
}

// A later version of an item updates its story, keeping what an editor
// set (its state); a story whose text an editor changed keeps the
// editor's version, and the console is told the wire has a newer one; a
// version older than the story's does not overwrite it.
func TestNewerVersionsUpdateStoriesEditorsDidNotChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
		v1 := []testItem{
			{"urn:a", "Rates held", "<p>The committee held rates.</p>", at(0)},
			{"urn:b", "Crude slips", "<p>Brent fell 1%.</p>", at(0)},
			{"urn:c", "Gold steady", "<p>Gold was flat.</p>", at(0)},
		}
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(v1...))
		f := w.addFeed("/atom", wire.FeedInput{Hold: true})
		if r := w.poll(f); r.Counts.New != 3 {
			t.Fatalf("first poll: %+v %v", r.Counts, r.Err)
		}
		// An editor publishes "Rates held" as it came (its state alone
		// changes), and rewrites "Crude slips".
		rates := w.story("Rates held")
		d := draftOf(rates)
		d.Status = "published"
		if _, err := w.news.Save(ctx, 0, rates.ID, d, time.UTC); err != nil {
			t.Fatal(err)
		}
		crude := w.story("Crude slips")
		d = draftOf(crude)
		d.Body = "Brent fell 1% on Sunday, our desk adds."
		if _, err := w.news.Save(ctx, 0, crude.ID, d, time.UTC); err != nil {
			t.Fatal(err)
		}

		w.clock.Advance(10 * time.Minute)
		v2 := []testItem{
			{"urn:a", "Rates held for a tenth time", "<p>The committee held rates, five votes to one.</p>", at(10)},
			{"urn:b", "Crude slips further", "<p>Brent fell 2%.</p>", at(10)},
			v1[2],
		}
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(v2...))
		r := w.poll(f)
		if r.Err != nil || r.Counts.Updated != 1 || r.Counts.Kept != 1 || r.Counts.Unchanged != 1 || r.Counts.New != 0 {
			t.Fatalf("second poll: %+v %v", r.Counts, r.Err)
		}
		updated := w.story("Rates held for a tenth time")
		if updated.ID != rates.ID || updated.Status != content.StatusPublished || !strings.Contains(storyHTML(updated), "five votes to one") ||
			updated.Revision != 3 {
			t.Errorf("the published story, updated: id %d, status %s, revision %d, body %s", updated.ID, updated.Status,
				updated.Revision, storyHTML(updated))
		}
		edited := w.story("Crude slips")
		if !strings.Contains(edited.Body, "our desk adds") || edited.Revision != 2 {
			t.Errorf("the editor's story was overwritten: revision %d, body %q", edited.Revision, edited.Body)
		}
		newer, err := w.svc.NewerVersions(ctx)
		if err != nil || len(newer) != 1 || newer[0].ArticleID != crude.ID || newer[0].Headline != "Crude slips" {
			t.Fatalf("newer versions: %+v %v", newer, err)
		}

		// Polled again (in full), the kept version is kept, and noted
		// once.
		w.clock.Advance(10 * time.Minute)
		if r := w.poll(f); !r.NotModified {
			t.Errorf("the server's ETag was not sent back: %+v", r)
		}
		w.feeds.wrap("/atom", withoutETag)
		if r := w.poll(f); r.Counts.Kept != 1 || r.Counts.Unchanged != 2 {
			t.Errorf("third poll: %+v", r.Counts)
		}
		if again, _ := w.svc.NewerVersions(ctx); len(again) != 1 || !again[0].Since.Equal(newer[0].Since) {
			t.Errorf("newer versions after another poll: %+v", again)
		}

		// A mirror lagging behind serves the first version again: the
		// story keeps the newer one.
		w.feeds.serve("/atom", "application/atom+xml", atomFeed(v1...))
		if r := w.poll(f); r.Counts.Updated != 0 {
			t.Errorf("an older version was written: %+v", r.Counts)
		}
		if a := w.story("Rates held for a tenth time"); a.Revision != 3 {
			t.Errorf("an older version changed the story: revision %d", a.Revision)
		}
		revs, _ := st.StoryRevisions(ctx, rates.ID)
		if len(revs) != 3 || !strings.Contains(strings.Join(revs[0].Changed, ","), "wire") {
			t.Errorf("revisions: %+v", revs)
		}
	})
}

// Polls of one feed at once, two per instance on two instances sharing
// the database, publish each item once: one story per item, written
// once.
func TestConcurrentPollsPublishEachItemOnce(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			open := func() *store.Store { return openInstanceStore(t, url) }
			one := newWorld(t, open())
			two := newInstance(t, open(), one.feeds)
			var items []testItem
			for i := range 30 {
				items = append(items, testItem{GUID: fmt.Sprintf("urn:item:%d", i), Title: fmt.Sprintf("Market brief %d", i%7),
					Body: fmt.Sprintf("<p>Brief number %d.</p>", i)})
			}
			body := atomFeed(items...)
			const polls = 4
			// Every poll waits for the others to ask before it is
			// answered, so their writes overlap.
			var arrived sync.WaitGroup
			arrived.Add(polls)
			one.feeds.handle("/atom", func(w http.ResponseWriter, r *http.Request) {
				arrived.Done()
				arrived.Wait()
				w.Header().Set("Content-Type", "application/atom+xml")
				w.Write([]byte(body))
			})
			f := one.addFeed("/atom", wire.FeedInput{})
			results := make(chan wire.Result, polls)
			var done sync.WaitGroup
			for i := range polls {
				w := []*world{one, two}[i%2]
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
				if r.Err != nil || r.Counts.Refused != 0 {
					t.Errorf("a poll: %+v %v", r.Counts, r.Err)
				}
				created += r.Counts.New
			}
			if created != len(items) {
				t.Errorf("the polls created %d stories between them, want %d", created, len(items))
			}
			stories, err := one.st.ListStories(context.Background(), content.StoryFilter{Limit: 1000, Now: start})
			if err != nil {
				t.Fatal(err)
			}
			bodies := map[string]int{}
			for _, a := range stories {
				bodies[a.Body]++
				if a.Revision != 1 {
					t.Errorf("%s was written %d times", a.Slug, a.Revision)
				}
			}
			if len(stories) != len(items) || len(bodies) != len(items) {
				t.Errorf("%d stories of %d distinct bodies, want %d of each", len(stories), len(bodies), len(items))
			}
		})
	}
}

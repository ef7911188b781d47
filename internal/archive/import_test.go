package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/archive"
	"broadsheet/internal/content"
	"broadsheet/internal/markup"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// line makes one line of an import file from a map, so that a test says
// only the fields it cares about.
func line(t *testing.T, fields map[string]any) string {
	t.Helper()
	rec := map[string]any{
		"headline": "A headline", "standfirst": "What it is about.", "body": "First paragraph.\n\nSecond paragraph.",
		"published_at": "1998-03-12T09:30:00Z", "section": "News", "authors": []string{"Asha Rao"},
		"tags": []string{"Budget"}, "access": "metered",
	}
	for k, v := range fields {
		if v == nil {
			delete(rec, k)
		} else {
			rec[k] = v
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type result struct {
	p   archive.Progress
	bad []archive.BadLine
	err error
}

func run(t *testing.T, s *store.Store, file, hash string) result {
	t.Helper()
	var r result
	im := &archive.Importer{Store: s, Markup: markup.New(), Now: func() time.Time { return now }, Batch: 2,
		OnBad: func(b archive.BadLine) { r.bad = append(r.bad, b) }}
	r.p, r.err = im.Run(context.Background(), strings.NewReader(file), hash)
	return r
}

func count(t *testing.T, s *store.Store, f content.StoryFilter) []*content.Article {
	t.Helper()
	f.Limit = 1000
	list, err := s.ListStories(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A good file: each story is stored as the newsroom saves one, its
// section, authors and tags created, its body rendered, and readers find
// it under its slug; a running server learns of each through the change
// log, one change per story.
func TestImportGoodFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		before, err := s.LastChange(ctx)
		if err != nil {
			t.Fatal(err)
		}
		file := strings.Join([]string{
			line(t, map[string]any{"id": "old-1", "headline": "Budget day in 1998", "slug": "budget-day",
				"url": "https://old.example.com/1998/03/12/budget.html"}),
			line(t, map[string]any{"id": 2, "headline": "Floods in the city", "format": "html", "section": "City Desk",
				"body": "<p>Water <b>rose</b>.</p><p>Then it fell.</p>", "authors": "Meera Iyer, Asha Rao", "access": "premium"}),
			line(t, map[string]any{"id": "hi-3", "headline": "दिल्ली में बारिश", "body": "आज दिल्ली में बारिश हुई।",
				"authors": []string{"अमित शर्मा"}, "tags": []string{"मौसम"}, "access": "free"}),
		}, "\n") + "\n"
		r := run(t, s, file, "hash-good")
		if r.err != nil || len(r.bad) != 0 || r.p.Created != 3 || r.p.Bad != 0 {
			t.Fatalf("import: %+v, bad %v, err %v", r.p, r.bad, r.err)
		}
		a, err := s.ArticleBySlug(ctx, "budget-day", now)
		if err != nil {
			t.Fatal(err)
		}
		if a.Headline != "Budget day in 1998" || a.SectionSlug != "news" || a.Author != "Asha Rao" || a.Access != content.Metered ||
			a.Format != content.Markdown || len(a.Rendered) != 2 || a.Rendered[1].HTML != "<p>Second paragraph.</p>" ||
			!a.PublishedAt.Equal(time.Date(1998, 3, 12, 9, 30, 0, 0, time.UTC)) || a.Revision != 1 {
			t.Fatalf("stored story: %+v", a)
		}
		if len(a.Tags) != 1 || a.Tags[0].Name != "Budget" || len(a.Authors) != 1 {
			t.Fatalf("links: authors %+v, tags %+v", a.Authors, a.Tags)
		}
		if revs, err := s.StoryRevisions(ctx, a.ID); err != nil || len(revs) != 1 {
			t.Fatalf("revisions %+v, %v", revs, err)
		}
		floods, err := s.ArticleBySlug(ctx, "floods-in-the-city", now)
		if err != nil {
			t.Fatal(err)
		}
		if floods.SectionName != "City Desk" || floods.Author != "Meera Iyer, Asha Rao" || floods.Access != content.Premium ||
			len(floods.Rendered) != 2 || floods.Rendered[0].HTML != "<p>Water <b>rose</b>.</p>" {
			t.Fatalf("HTML story: %+v", floods)
		}
		hindi := count(t, s, content.StoryFilter{Section: "news", Query: "बारिश"})
		if len(hindi) != 1 || hindi[0].Author != "अमित शर्मा" {
			t.Fatalf("Hindi story by its headline: %+v", hindi)
		}
		slug, err := s.ImportedPathSlug(ctx, "/1998/03/12/budget.html", now)
		if err != nil || slug != "budget-day" {
			t.Fatalf("old address: %q, %v", slug, err)
		}
		changes, err := s.ChangesAfter(ctx, before, 100)
		if err != nil {
			t.Fatal(err)
		}
		saved := 0
		for _, c := range changes {
			if c.Kind == content.Saved {
				saved++
			}
		}
		if saved != 3 {
			t.Fatalf("%d saved changes, want one per story: %+v", saved, changes)
		}
	})
}

// Bad lines are reported by number with the reason; the good lines
// around them are imported.
func TestImportMixedFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		lines := []string{
			line(t, map[string]any{"id": "ok-1", "headline": "First good story"}),
			`{"id": "broken", "headline": `,
			line(t, map[string]any{"id": nil}),
			line(t, map[string]any{"id": "no-headline", "headline": "  "}),
			line(t, map[string]any{"id": "bad-date", "published_at": "12/03/1998"}),
			line(t, map[string]any{"id": "bad-access", "access": "gold"}),
			"",
			line(t, map[string]any{"id": "ok-2", "headline": "Second good story"}),
			line(t, map[string]any{"id": "bad-format", "format": "rtf"}),
			line(t, map[string]any{"id": "no-date", "published_at": nil}),
			line(t, map[string]any{"id": "ok-3", "headline": "Third good story"}),
		}
		r := run(t, s, strings.Join(lines, "\n"), "hash-mixed")
		if r.err != nil {
			t.Fatal(r.err)
		}
		want := map[int64]string{2: "bad JSON", 3: "missing id", 4: "missing headline", 5: "bad date", 6: "unknown access",
			9: "unknown format", 10: "missing published_at"}
		if len(r.bad) != len(want) || r.p.Bad != len(want) {
			t.Fatalf("bad lines %v (%d), want %d", r.bad, r.p.Bad, len(want))
		}
		for _, b := range r.bad {
			if !strings.Contains(b.Reason, want[b.Line]) {
				t.Errorf("line %d: reason %q, want %q", b.Line, b.Reason, want[b.Line])
			}
		}
		if r.p.Created != 3 || r.p.Line != int64(len(lines)) {
			t.Fatalf("progress %+v", r.p)
		}
		if got := count(t, s, content.StoryFilter{}); len(got) != 3 {
			t.Fatalf("%d stories stored, want the 3 good ones", len(got))
		}
		// A file of bad lines alone imports nothing, and says so.
		r = run(t, s, "not json\n{}\n", "hash-bad")
		if r.err != nil || r.p.Bad != 2 || r.p.Created != 0 || r.bad[1].Reason != "missing id" {
			t.Fatalf("bad file: %+v %v %v", r.p, r.bad, r.err)
		}
	})
}

// Importing a story again updates it: a new revision, the new headline,
// no second copy, the slug kept.
func TestImportAgainUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first := line(t, map[string]any{"id": 77, "headline": "Old headline", "url": "/old/77"}) + "\n"
		if r := run(t, s, first, "h1"); r.err != nil || r.p.Created != 1 {
			t.Fatalf("%+v %v", r.p, r.err)
		}
		second := line(t, map[string]any{"id": "77", "headline": "New headline", "tags": []string{"Budget", "Tax"}}) + "\n" +
			line(t, map[string]any{"id": "77", "headline": "Newest headline", "tags": []string{"Tax"}}) + "\n"
		r := run(t, s, second, "h2")
		if r.err != nil || r.p.Updated != 2 || r.p.Created != 0 {
			t.Fatalf("re-import: %+v %v", r.p, r.err)
		}
		list := count(t, s, content.StoryFilter{})
		if len(list) != 1 {
			t.Fatalf("%d stories, want 1", len(list))
		}
		a, err := s.ArticleBySlug(ctx, "old-headline", now)
		if err != nil {
			t.Fatal(err)
		}
		if a.Headline != "Newest headline" || a.Revision != 3 || len(a.Tags) != 1 || a.Tags[0].Name != "Tax" {
			t.Fatalf("updated story: %+v tags %+v", a, a.Tags)
		}
		if slug, err := s.ImportedPathSlug(ctx, "/old/77", now); err != nil || slug != "old-headline" {
			t.Fatalf("old address after re-import: %q %v", slug, err)
		}
		// The same headline under another id is another story, under
		// another slug.
		other := line(t, map[string]any{"id": "78", "headline": "Old headline"}) + "\n"
		if r := run(t, s, other, "h3"); r.err != nil || r.p.Created != 1 {
			t.Fatalf("%+v %v", r.p, r.err)
		}
		if _, err := s.ArticleBySlug(ctx, "old-headline-78", now); err != nil {
			t.Fatalf("a taken slug gets the id: %v", err)
		}
	})
}

// A body's HTML goes through the newsroom's sanitizer: no script, event
// handler or javascript: link is stored, in the story or its revision.
func TestImportSanitizesHTML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		body := `<p onclick="steal()">Kept <a href="javascript:alert(1)">text</a>.</p><script>alert("x")</script>` +
			`<iframe src="https://evil.example"></iframe><p>More<script>document.cookie</script></p>`
		file := line(t, map[string]any{"id": "x1", "format": "html", "body": body, "headline": "Sanitized"}) + "\n" +
			line(t, map[string]any{"id": "x2", "body": "Markdown with <script>alert(2)</script> inside.\n\n<img src=x onerror=alert(3)>",
				"headline": "Sanitized too"}) + "\n"
		if r := run(t, s, file, "hx"); r.err != nil || r.p.Created != 2 {
			t.Fatalf("%+v %v %v", r.p, r.bad, r.err)
		}
		bad := []string{"<script", "alert", "onclick", "onerror", "javascript:", "<iframe"}
		for _, slug := range []string{"sanitized", "sanitized-too"} {
			a, err := s.ArticleBySlug(ctx, slug, now)
			if err != nil {
				t.Fatal(err)
			}
			// What readers get is the rendered blocks; an HTML body is
			// stored sanitized as well (a Markdown body is the source, as
			// an editor's is).
			stored := ""
			for _, b := range a.Rendered {
				stored += b.HTML + b.Text
			}
			if slug == "sanitized" {
				stored += a.Body
			}
			for _, w := range bad {
				if strings.Contains(stored, w) {
					t.Errorf("%s: %q stored: %q", slug, w, stored)
				}
			}
		}
		a, _ := s.ArticleBySlug(ctx, "sanitized", now)
		if strings.Contains(a.Body, "<script") {
			t.Fatalf("an HTML body is stored sanitized: %q", a.Body)
		}
		if !strings.Contains(a.Body, "Kept") || !strings.Contains(a.Body, "More") {
			t.Fatalf("the text is kept: %q", a.Body)
		}
	})
}

// A file imported in part (a kill after some batches committed) is
// resumed after its last committed line: nothing is written twice.
func TestImportResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var lines []string
		for i := range 9 {
			lines = append(lines, line(t, map[string]any{"id": i, "headline": fmt.Sprintf("Story %d", i)}))
		}
		lines[4] = "oops"
		file := strings.Join(lines, "\n") + "\n"
		// What a run killed after its second batch left: lines 1-4 in.
		w, err := s.NewArchiveImport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var first []*store.ImportStory
		for _, l := range lines[:4] {
			st, err := archive.Parse([]byte(l), markup.New())
			if err != nil {
				t.Fatal(err)
			}
			ready, err := store.PrepareImport(st)
			if err != nil {
				t.Fatal(err)
			}
			first = append(first, ready)
		}
		if _, err := w.Write(ctx, "resume", 4, 0, first, now); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r := run(t, s, file, "resume")
		if r.err != nil || r.p.Skipped != 4 || r.p.Created != 4 || r.p.Updated != 0 || r.p.Bad != 1 || r.bad[0].Line != 5 {
			t.Fatalf("resumed: %+v %v %v", r.p, r.bad, r.err)
		}
		if line, bad, err := s.ImportProgress(ctx, "resume"); err != nil || line != 9 || bad != 1 {
			t.Fatalf("progress %d %d %v", line, bad, err)
		}
		// Run again: everything is done.
		r = run(t, s, file, "resume")
		if r.err != nil || r.p.Created+r.p.Updated != 0 || r.p.Skipped != 9 || r.p.Bad != 1 {
			t.Fatalf("done file: %+v %v", r.p, r.err)
		}
		if got := count(t, s, content.StoryFilter{}); len(got) != 8 {
			t.Fatalf("%d stories, want 8", len(got))
		}
	})
}

// gen-archive's output imports cleanly: every story, Hindi ones among
// them, sections and authors made, and the same seed makes the same file.
func TestGeneratedArchiveImports(t *testing.T) {
	var a, b bytes.Buffer
	opts := archive.GenOptions{Stories: 400, Since: 1997, Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Seed: 7}
	if err := archive.Generate(&a, opts); err != nil {
		t.Fatal(err)
	}
	if err := archive.Generate(&b, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed made two archives")
	}
	if n := bytes.Count(a.Bytes(), []byte("\n")); n != 400 {
		t.Fatalf("%d lines", n)
	}
	if avg := a.Len() / 400; avg < 1500 || avg > 6000 {
		t.Fatalf("%d bytes a story on average, want about 3 KB", avg)
	}
	if !strings.Contains(a.String(), "सरकार") || !strings.Contains(a.String(), `"published_at":"1997-`) {
		t.Fatal("want Hindi stories and stories from the first year")
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := run(t, s, a.String(), "gen")
		if r.err != nil || r.p.Bad != 0 || r.p.Created != 400 {
			t.Fatalf("%+v %v %v", r.p, r.bad, r.err)
		}
		secs, err := s.Sections(context.Background())
		if err != nil || len(secs) < 8 {
			t.Fatalf("sections %+v %v", secs, err)
		}
	})
}

// Stories of one batch with one headline, and one old address named
// twice, each get their own slug; the address goes to the last.
func TestImportSameHeadlineInABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var file string
		for _, id := range []string{"a", "b", "c"} {
			file += line(t, map[string]any{"id": id, "headline": "Letters to the editor", "url": "/letters.html"}) + "\n"
		}
		im := &archive.Importer{Store: s, Markup: markup.New(), Now: func() time.Time { return now }, Batch: 10}
		p, err := im.Run(ctx, strings.NewReader(file), "same")
		if err != nil || p.Created != 3 {
			t.Fatalf("%+v %v", p, err)
		}
		for _, slug := range []string{"letters-to-the-editor", "letters-to-the-editor-b", "letters-to-the-editor-c"} {
			if _, err := s.ArticleBySlug(ctx, slug, now); err != nil {
				t.Errorf("%s: %v", slug, err)
			}
		}
		if slug, err := s.ImportedPathSlug(ctx, "/letters.html", now); err != nil || slug != "letters-to-the-editor-c" {
			t.Fatalf("old address: %q %v", slug, err)
		}
	})
}

// One batch in which stories share a headline and one story comes twice:
// the new stories are written in two rounds, each with slugs tried again,
// and every one is found by search, with its revisions and its changes.
func TestImportBatchRetriesAndRounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		file := line(t, map[string]any{"id": "a", "headline": "Same", "body": "Walrus first."}) + "\n" +
			line(t, map[string]any{"id": "b", "headline": "Same", "body": "Walrus second."}) + "\n" +
			line(t, map[string]any{"id": "a", "headline": "Same again", "body": "Walrus changed."}) + "\n" +
			line(t, map[string]any{"id": "c", "headline": "Same", "body": "Walrus third."}) + "\n"
		since, err := s.LastChange(ctx)
		if err != nil {
			t.Fatal(err)
		}
		im := &archive.Importer{Store: s, Markup: markup.New(), Now: func() time.Time { return now }, Batch: 10}
		p, err := im.Run(ctx, strings.NewReader(file), "rounds")
		if err != nil || p.Created != 3 || p.Updated != 1 {
			t.Fatalf("%+v %v", p, err)
		}
		want := map[string]string{"same": "Walrus changed.", "same-b": "Walrus second.", "same-c": "Walrus third."}
		for slug, body := range want {
			a, err := s.ArticleBySlug(ctx, slug, now)
			if err != nil {
				t.Fatalf("%s: %v", slug, err)
			}
			if a.Body != body {
				t.Errorf("%s: body %q, want %q", slug, a.Body, body)
			}
			revs, err := s.StoryRevisions(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n := 1 + boolInt(slug == "same"); len(revs) != n {
				t.Errorf("%s: %d revisions, want %d", slug, len(revs), n)
			}
			first, err := s.StoryAtRevision(ctx, a.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if wantFirst := map[string]string{"same": "Walrus first."}[slug]; wantFirst != "" && first.Body != wantFirst {
				t.Errorf("%s: first revision's body %q, want %q", slug, first.Body, wantFirst)
			}
		}
		q, err := content.ParseQuery("walrus")
		if err != nil {
			t.Fatal(err)
		}
		found, err := s.SearchArticles(ctx, content.SearchParams{Query: q, Sort: content.ByDate, Limit: 10, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 3 {
			t.Fatalf("search finds %d stories, want 3", len(found))
		}
		changes, err := s.ChangesAfter(ctx, since, 100)
		if err != nil {
			t.Fatal(err)
		}
		saved := 0
		for _, c := range changes {
			if c.Kind == content.Saved {
				saved++
			}
		}
		if saved != 4 {
			t.Fatalf("%d saved changes, want 4 (three new stories, one updated): %+v", saved, changes)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

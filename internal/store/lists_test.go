package store_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A page of a section's, an author's or a tag's stories, first or deep in
// the past, of lists long enough that a planner would not rather sort
// them whole, is read from an index that starts with the list's id and is
// bounded by the cursor's time, in the index's order: no sort of the
// list's stories, no scan of the table. Were an author's page to join
// the stories first, or the section's scan to be bounded by now instead
// of the cursor, a page in 1998 would read every story since.
func TestListPagesReadTheirIndexFromTheCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fillListArchive(t, s, 8000, listArchive{sections: 8, authors: 8, tags: 8})
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		// Halfway back: five hundred stories of each list lie on either
		// side, too many to sort for a page.
		deep := &content.Cursor{PublishedAt: time.Date(2011, 12, 1, 0, 0, 0, 0, time.UTC), ID: math.MaxInt64}
		for _, l := range []struct {
			name, index, column string
			kind                store.ListKind
			// alsoOnPostgres is another index PostgreSQL may read the list
			// in, by its statistics, where the list is a large part of all
			// stories: as quick there.
			alsoOnPostgres string
		}{
			{"section", "articles_section", "section_id", store.SectionList, "articles_status_published"},
			{"author", "article_authors_page", "author_id", store.AuthorList, ""},
			{"tag", "article_tags_page", "tag_id", store.TagList, ""},
		} {
			for _, after := range []*content.Cursor{nil, deep} {
				plan, err := s.ExplainList(ctx, l.kind, now, 2, after, content.PageSize+1)
				if err != nil {
					t.Fatalf("%s: %v", l.name, err)
				}
				at := now
				if after != nil {
					at = after.PublishedAt
				}
				ok := listPlanReadsIndex(plan, s.SingleWriter(), l.index, l.column, at)
				if !ok && !s.SingleWriter() && l.alsoOnPostgres != "" {
					ok = listPlanReadsIndex(plan, false, l.alsoOnPostgres, l.column, at)
				}
				if !ok {
					t.Errorf("%s page after %v: want a range of %s bounded by the cursor, in its order; plan:\n%s", l.name, after, l.index, plan)
				}
			}
		}
	})
}

// listPlanReadsIndex reports whether plan reads a range of index bounded
// by the time at (on SQLite, and on PostgreSQL for the list's own index,
// after the list's id), in the index's order, with neither a sort nor a
// scan of a table.
func listPlanReadsIndex(plan string, sqlite bool, index, column string, at time.Time) bool {
	if sqlite {
		return strings.Contains(plan, "INDEX "+index+" ("+column+"=? AND published_at<?)") &&
			!strings.Contains(plan, "TEMP B-TREE")
	}
	if strings.Contains(plan, "Sort Key") || strings.Contains(plan, "Seq Scan") {
		return false
	}
	lines := strings.Split(plan, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.Contains(lines[i], " using "+index+" on ") &&
			strings.Contains(lines[i+1], "Index Cond:") &&
			strings.Contains(lines[i+1], "published_at <= '"+at.UTC().Format("2006-01-02 15:04:05")+"+00'") {
			return true
		}
	}
	return false
}

// A story's author and tag links carry its time, whichever writer moves
// it: the pages list it where its time now puts it, and a cursor past it
// does not list it again.
func TestListLinksFollowTheirStorysTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		secID, err := s.CreateSection(ctx, content.Section{Slug: "desk", Name: "Desk"})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2001, 3, 4, 5, 0, 0, 0, time.UTC)
		now := t0.Add(24 * time.Hour)
		story := func(slug string, at time.Time) *content.Article {
			a := &content.Article{Slug: slug, Headline: slug, Body: "Text.", SectionID: secID, Author: "Asha Rao",
				Tags: []content.Tag{{Name: "Monsoon"}}, Access: content.Free, Status: content.StatusPublished,
				PublishedAt: at, UpdatedAt: at}
			if _, err := s.CreateArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		older, newer := story("older", t0), story("newer", t0.Add(time.Hour))
		author, tag := older.Authors[0].ID, older.Tags[0].ID
		slugs := func(list []*content.Article, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range list {
				out = append(out, a.Slug)
			}
			return out
		}
		check := func(when string, want ...string) {
			t.Helper()
			if got := slugs(s.AuthorArticles(ctx, now, author, nil, 10)); !slices.Equal(got, want) {
				t.Errorf("%s: author's page %v, want %v", when, got, want)
			}
			if got := slugs(s.TagArticles(ctx, now, tag, nil, 10)); !slices.Equal(got, want) {
				t.Errorf("%s: tag's page %v, want %v", when, got, want)
			}
			if got := slugs(s.SectionArticles(ctx, now, secID, nil, 10)); !slices.Equal(got, want) {
				t.Errorf("%s: section's page %v, want %v", when, got, want)
			}
		}
		check("as saved", "newer", "older")

		// Moved by a statement that knows nothing of the links.
		moved := t0.Add(2 * time.Hour)
		if err := s.Exec(ctx, `UPDATE articles SET published_at = $1 WHERE id = $2`, moved, older.ID); err != nil {
			t.Fatal(err)
		}
		check("moved later", "older", "newer")
		past := &content.Cursor{PublishedAt: moved, ID: older.ID}
		if got := slugs(s.AuthorArticles(ctx, now, author, past, 10)); !slices.Equal(got, []string{"newer"}) {
			t.Errorf("author's page after the moved story: %v, want [newer]", got)
		}

		// Moved past now: on no page until its time comes.
		if err := s.Exec(ctx, `UPDATE articles SET published_at = $1 WHERE id = $2`, now.Add(time.Hour), newer.ID); err != nil {
			t.Fatal(err)
		}
		check("one scheduled", "older")
	})
}

// Migration 0031 gives the links of stories stored before it their
// stories' times: the author's and the tag's pages list those stories in
// order, newest first, a page at a time.
func TestLinksCarryTheirStorysTimeAfterMigration0031(t *testing.T) {
	t0 := time.Date(1998, 5, 6, 7, 0, 0, 0, time.UTC)
	eachMigratedFrom(t, 28, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, q := range []string{
			`INSERT INTO sections (id, slug, name, position) VALUES (1, 'desk', 'Desk', 1)`,
			`INSERT INTO authors (id, slug, name, name_key) VALUES (1, 'asha-rao', 'Asha Rao', 'asha rao')`,
			`INSERT INTO tags (id, slug, name) VALUES (1, 'monsoon', 'Monsoon')`,
		} {
			if err := old.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for i, slug := range []string{"first", "second", "third"} {
			at := t0.Add(time.Duration(i) * time.Hour)
			if err := old.Exec(ctx, `INSERT INTO articles (id, slug, headline, summary, body, section_id, status, published_at, updated_at)
				VALUES ($1, $2, $2, '', 'Text.', 1, 'published', $3, $3)`, i+1, slug, at); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO article_authors (article_id, author_id, position) VALUES ($1, 1, 0)`,
				`INSERT INTO article_tags (article_id, tag_id, position) VALUES ($1, 1, 0)`,
			} {
				if err := old.Exec(ctx, q, i+1); err != nil {
					t.Fatal(err)
				}
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		now := t0.Add(24 * time.Hour)
		for name, list := range map[string]func(context.Context, time.Time, int64, *content.Cursor, int) ([]*content.Article, error){
			"author": s.AuthorArticles, "tag": s.TagArticles,
		} {
			var got []string
			var after *content.Cursor
			for {
				page, err := list(ctx, now, 1, after, 2)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range page {
					got = append(got, a.Slug)
				}
				if len(page) < 2 {
					break
				}
				last := page[len(page)-1]
				after = &content.Cursor{PublishedAt: last.PublishedAt, ID: last.ID}
			}
			if want := []string{"third", "second", "first"}; !slices.Equal(got, want) {
				t.Errorf("%s's pages after 0031: %v, want %v", name, got, want)
			}
		}
	})
}

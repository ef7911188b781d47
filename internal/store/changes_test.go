package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func changeKinds(cs []content.Change) []string {
	var out []string
	for _, c := range cs {
		s := string(c.Kind) + " " + c.Slug
		if c.OldSlug != "" {
			s += " from " + c.OldSlug
		}
		out = append(out, s)
	}
	return out
}

// Every change to a story is in the change log, in order, with what a
// cache needs to drop its copies; a refused change leaves no entry.
func TestChangesRecordEveryContentChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 2) // a section and two stories
		start, err := s.LastChange(ctx)
		if err != nil || start != 3 {
			t.Fatalf("after seeding: last change %d, %v; want 3", start, err)
		}
		now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		a, err := s.ArticleBySlug(ctx, "story-aa", now)
		if err != nil {
			t.Fatal(err)
		}
		step := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		a.Headline = "Edited"
		step("edit", s.SaveStory(ctx, a, 0, nil, now))
		a.Slug = "story-renamed"
		step("rename", s.SaveStory(ctx, a, 0, nil, now))
		a.PublishedAt = now.Add(time.Hour)
		step("unpublish", s.SaveStory(ctx, a, 0, nil, now))

		// Refused: another story's slug, no slug, a story that is not there.
		taken := *a
		taken.Slug = "story-ba"
		if err := s.SaveStory(ctx, &taken, 0, nil, now); !errors.Is(err, store.ErrConflict) {
			t.Errorf("rename to a taken slug: %v, want ErrConflict", err)
		}
		blank := *a
		blank.Slug = ""
		if err := s.SaveStory(ctx, &blank, 0, nil, now); err == nil {
			t.Error("saved a story without a slug")
		}
		if err := s.DeleteArticle(ctx, 999_999, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete a missing story: %v, want ErrNotFound", err)
		}
		step("delete", s.DeleteArticle(ctx, ids[1], now))

		got, err := s.ChangesAfter(ctx, start, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"saved story-aa", "slug_changed story-renamed from story-aa", "unpublished story-renamed", "deleted story-ba"}
		if g := changeKinds(got); len(g) != len(want) {
			t.Fatalf("changes %q, want %q", g, want)
		} else {
			for i := range want {
				if g[i] != want[i] {
					t.Errorf("change %d: %q, want %q", i, g[i], want[i])
				}
			}
		}
		for i, c := range got {
			if i > 0 && c.Seq <= got[i-1].Seq {
				t.Errorf("change %d numbered %d after %d", i, c.Seq, got[i-1].Seq)
			}
			if c.ArticleID == 0 || c.SectionID == 0 || !c.ChangedAt.Equal(now) {
				t.Errorf("change %d lacks its story, section or time: %+v", i, c)
			}
		}
		if _, err := s.ArticleBySlug(ctx, "story-ba", now.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted story still there: %v", err)
		}
		last, _ := s.LastChange(ctx)
		at, err := s.ChangesAt(ctx, []int64{last, start + 1, 999_999})
		if err != nil || len(at) != 2 || at[0].Seq != start+1 || at[1].Seq != last {
			t.Errorf("ChangesAt: %+v, %v; want changes %d and %d", at, err, start+1, last)
		}
	})
}

// A bulk import is passed on in pages of the follower's limit, once: the
// next refresh has nothing to pass on.
func TestChangeFollowerReadsBulkImportOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 1)
		follow, err := content.NewFollower(ctx, s, 500, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		imported := make([]*content.Article, 10_000)
		for i := range imported {
			imported[i] = &content.Article{Slug: "imported-" + strconv.Itoa(i), Headline: "Imported", Body: "One.",
				SectionID: 1, Access: content.Metered, PublishedAt: now, UpdatedAt: now}
		}
		if err := s.ImportArticles(ctx, imported); err != nil {
			t.Fatal(err)
		}
		if imported[0].ID == 0 || imported[0].ID == ids[0] {
			t.Fatalf("import set no id: %d", imported[0].ID)
		}
		var seen, pages int
		next := 0
		if err := follow.Next(ctx, func(page []content.Change) {
			pages++
			if len(page) > 500 {
				t.Errorf("a page of %d changes, over the limit of 500", len(page))
			}
			for _, c := range page {
				if want := "imported-" + strconv.Itoa(next); c.Slug != want || c.Kind != content.Saved {
					t.Fatalf("change %d: %s %s, want saved %s", seen, c.Kind, c.Slug, want)
				}
				next++
				seen++
			}
		}); err != nil {
			t.Fatal(err)
		}
		if seen != 10_000 || pages < 20 {
			t.Errorf("passed on %d changes in %d pages, want 10000 in at least 20", seen, pages)
		}
		if err := follow.Next(ctx, func(page []content.Change) {
			t.Errorf("passed on %d changes again", len(page))
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// On PostgreSQL a change can commit after one numbered above it: the
// follower that has passed the later one still passes on the earlier one
// when it commits, and only once.
func TestChangeFollowerSeesChangesCommittedOutOfOrder(t *testing.T) {
	url := storetest.URL(t, "postgres")
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := seedArticles(t, s, 2)
	other, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	follow, err := content.NewFollower(ctx, s, 100, time.Now)
	if err != nil {
		t.Fatal(err)
	}

	// Another instance's save takes its number and has yet to commit.
	slow, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	var slowSeq int64
	if err := slow.QueryRowContext(ctx, `INSERT INTO content_changes (kind, article_id, section_id, slug, changed_at)
		VALUES ('saved', $1, 1, 'story-aa', now()) RETURNING seq`, ids[0]).Scan(&slowSeq); err != nil {
		t.Fatal(err)
	}
	// A save numbered after it commits first.
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	b, err := s.ArticleBySlug(ctx, "story-ba", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStory(ctx, b, 0, nil, now); err != nil {
		t.Fatal(err)
	}
	collect := func() []int64 {
		t.Helper()
		var seqs []int64
		if err := follow.Next(ctx, func(page []content.Change) {
			for _, c := range page {
				seqs = append(seqs, c.Seq)
			}
		}); err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	if got := collect(); len(got) != 1 || got[0] != slowSeq+1 {
		t.Fatalf("first refresh passed on %v, want only %d", got, slowSeq+1)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := collect(); len(got) != 1 || got[0] != slowSeq {
		t.Errorf("after the late commit: passed on %v, want %d", got, slowSeq)
	}
	if got := collect(); len(got) != 0 {
		t.Errorf("then: passed on %v again", got)
	}
	if follow.Holes() != 0 {
		t.Errorf("still waiting for %d numbers", follow.Holes())
	}
}

// Pruning the change log deletes the old changes only, and a number once
// given out is never given again, so a follower's place stays valid.
func TestChangesPruneKeepsNumbering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedArticles(t, s, 5) // saved 2026-11-01
		last, _ := s.LastChange(ctx)
		pruned, err := s.Prune(ctx, store.PruneBefore{Changes: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}, 2)
		if n := pruned["content_changes"]; err != nil || n < 5 {
			t.Fatalf("pruned %d, %v; want at least the 5 stories' changes", pruned["content_changes"], err)
		}
		left, err := s.ChangesAfter(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range left { // the section's change is stamped with the wall clock
			if c.Kind != content.SectionSaved {
				t.Errorf("an old change was kept: %+v", c)
			}
		}
		a, err := s.ArticleBySlug(ctx, "story-aa", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveStory(ctx, a, 0, nil, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ChangesAfter(ctx, last, 10); len(got) != 1 || got[0].Seq != last+1 {
			t.Errorf("after pruning, the next change: %+v, want number %d", got, last+1)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/store"
)

// Items ingested before migration 0038 are keyed by their story's agency:
// a later feed of that agency finds them. Of two rows an agency's item
// already had (two feeds that each made a story of it), the first keeps
// the key, and the second stays known by its own feed, so the migration
// runs on such a database and neither feed makes a third story.
func TestWireItemsAreKeyedByAgencyAfterMigration0038(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	eachMigratedFrom(t, 37, func(t *testing.T, ctx context.Context, old *store.Store) {
		if err := old.Exec(ctx, `INSERT INTO sections (id, slug, name, position) VALUES (1, 'desk', 'Desk', 1)`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO wire_feeds (id, url, section_id, every_seconds, created_at, next_poll_at) VALUES (1, 'https://a.example/1', 1, 300, $1, $1)`,
			`INSERT INTO wire_feeds (id, url, section_id, every_seconds, created_at, next_poll_at) VALUES (2, 'https://a.example/2', 1, 300, $1, $1)`,
		} {
			if err := old.Exec(ctx, q, t0); err != nil {
				t.Fatal(err)
			}
		}
		for i, source := range []string{"Pacific Newswire", "PACIFIC NEWSWIRE", "Deccan Wire"} {
			if err := old.Exec(ctx, `INSERT INTO articles (id, slug, headline, summary, body, section_id, status, published_at, updated_at, wire_source)
				VALUES ($1, $2, $2, '', 'Text.', 1, 'published', $3, $3, $4)`, i+1, []string{"a", "b", "c"}[i], t0, source); err != nil {
				t.Fatal(err)
			}
		}
		for _, row := range [][]any{{1, 1, "urn:x", 1}, {2, 2, "urn:x", 2}, {3, 1, "urn:y", 3}} {
			if err := old.Exec(ctx, `INSERT INTO wire_items (id, feed_id, guid, article_id, hash, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'h', $5, $5)`, append(row, t0)...); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		for _, c := range []struct {
			feed      int64
			key, guid string
			want      int64
		}{
			{3, "pacific newswire", "urn:x", 1}, // a new feed of the agency finds the first
			{2, "pacific newswire", "urn:x", 2}, // a feed finds its own first
			{3, "deccan wire", "urn:y", 3},
		} {
			it, err := s.WireItem(ctx, c.feed, c.key, c.guid)
			if err != nil || it.ID != c.want {
				t.Errorf("feed %d, %q %s: %+v %v, want item %d", c.feed, c.key, c.guid, it, err, c.want)
			}
		}
		if key, err := s.QueryString(ctx, `SELECT source_key FROM wire_items WHERE id = 2`); err != nil || key != "" {
			t.Errorf("the second row of an item is keyed %q (%v)", key, err)
		}
	})
}

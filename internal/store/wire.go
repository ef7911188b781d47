package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/wire"
)

// Wire feeds and their items (see the wire package). An item's row and
// its story are written in one transaction, the row first: its unique
// (feed_id, guid) makes a second poll of the same item, here or on
// another instance, wait for the first and then find the item taken.

const feedColumns = `f.id, f.url, f.section_id, s.slug, s.name, f.access_level, f.hold, f.every_seconds, f.source,
	f.disclaimer, f.created_at, f.round, f.next_poll_at, f.etag, f.last_modified, f.polled_at, f.ok_at, f.failures,
	f.last_error, f.last_new, f.last_updated, f.last_unchanged, f.last_refused, f.refused`

const feedFrom = ` FROM wire_feeds f JOIN sections s ON s.id = f.section_id `

func scanFeed(row interface{ Scan(...any) error }) (*wire.Feed, error) {
	var f wire.Feed
	var access, refused string
	var every int64
	var polled, ok sql.NullTime
	if err := row.Scan(&f.ID, &f.URL, &f.SectionID, &f.SectionSlug, &f.SectionName, &access, &f.Hold, &every, &f.Source,
		&f.Disclaimer, &f.CreatedAt, &f.Round, &f.NextPollAt, &f.ETag, &f.LastModified, &polled, &ok, &f.Failures,
		&f.LastError, &f.Last.New, &f.Last.Updated, &f.Last.Unchanged, &f.Last.Refused, &refused); err != nil {
		return nil, mapErr(err)
	}
	f.Access, f.Every = content.Access(access), time.Duration(every)*time.Second
	f.CreatedAt, f.NextPollAt = f.CreatedAt.UTC(), f.NextPollAt.UTC()
	f.PolledAt, f.OKAt = nullTime(polled), nullTime(ok)
	if err := json.Unmarshal([]byte(refused), &f.Refused); err != nil {
		return nil, err
	}
	return &f, nil
}

func scanFeeds(rows *sql.Rows, err error) ([]*wire.Feed, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*wire.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// AddFeed stores a new feed and returns its id. A feed deleted before
// at the same address is brought back with these settings, and what it
// ingested then: its items are not ingested again. An address a feed in
// use has is refused with ErrConflict.
func (s *Store) AddFeed(ctx context.Context, f *wire.Feed) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO wire_feeds (url, section_id, access_level, hold, every_seconds, source,
		disclaimer, created_at, next_poll_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (url) DO UPDATE SET section_id = excluded.section_id, access_level = excluded.access_level,
			hold = excluded.hold, every_seconds = excluded.every_seconds, source = excluded.source,
			disclaimer = excluded.disclaimer, next_poll_at = excluded.next_poll_at, round = wire_feeds.round + 1,
			failures = 0, last_error = '', deleted_at = NULL
		WHERE wire_feeds.deleted_at IS NOT NULL RETURNING id`,
		f.URL, f.SectionID, string(f.Access), f.Hold, int64(f.Every/time.Second), f.Source, f.Disclaimer,
		f.CreatedAt.UTC(), f.NextPollAt.UTC()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrConflict
	}
	return id, mapErr(err)
}

// UpdateFeed saves a feed's settings and when it is next polled. A new
// address is a new feed to its server: what the old one's server said
// (its ETag and date) is dropped.
func (s *Store) UpdateFeed(ctx context.Context, f *wire.Feed) error {
	return s.changeOne(ctx, `UPDATE wire_feeds SET section_id = $2, access_level = $3, hold = $4, every_seconds = $5,
		source = $6, disclaimer = $7,
		etag = CASE WHEN url = $8 THEN etag ELSE '' END, last_modified = CASE WHEN url = $8 THEN last_modified ELSE '' END,
		url = $8, next_poll_at = $9, round = round + 1 WHERE id = $1 AND deleted_at IS NULL`,
		f.ID, f.SectionID, string(f.Access), f.Hold, int64(f.Every/time.Second), f.Source, f.Disclaimer, f.URL, f.NextPollAt.UTC())
}

// DeleteFeed stops polling a feed from at: it is kept, deleted, with
// the record of its items (see AddFeed); their stories stay.
func (s *Store) DeleteFeed(ctx context.Context, id int64, at time.Time) error {
	return s.changeOne(ctx, `UPDATE wire_feeds SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL`, id, at.UTC())
}

// PollFeedAt makes a feed due at at.
func (s *Store) PollFeedAt(ctx context.Context, id int64, at time.Time) error {
	return s.changeOne(ctx, `UPDATE wire_feeds SET next_poll_at = $2, round = round + 1
		WHERE id = $1 AND deleted_at IS NULL`, id, at.UTC())
}

// changeOne runs a statement that changes the one row it names, or
// returns ErrNotFound.
func (s *Store) changeOne(ctx context.Context, q string, args ...any) error {
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, ErrNotFound)
	}
	return nil
}

// Feeds lists the feeds in use, the newest first.
func (s *Store) Feeds(ctx context.Context) ([]*wire.Feed, error) {
	return scanFeeds(s.r.QueryContext(ctx, `SELECT `+feedColumns+feedFrom+`WHERE f.deleted_at IS NULL ORDER BY f.id DESC`))
}

// FeedByID returns a feed in use, or ErrNotFound.
func (s *Store) FeedByID(ctx context.Context, id int64) (*wire.Feed, error) {
	return scanFeed(s.r.QueryRowContext(ctx, `SELECT `+feedColumns+feedFrom+`WHERE f.id = $1 AND f.deleted_at IS NULL`, id))
}

// DueFeeds lists up to limit feeds due for a poll at now, the longest
// due first.
func (s *Store) DueFeeds(ctx context.Context, now time.Time, limit int) ([]*wire.Feed, error) {
	return scanFeeds(s.r.QueryContext(ctx, `SELECT `+feedColumns+feedFrom+`WHERE f.next_poll_at <= $1
		AND f.deleted_at IS NULL ORDER BY f.next_poll_at, f.id LIMIT $2`, now.UTC(), limit))
}

// RecordPoll records how a poll of feed id went.
func (s *Store) RecordPoll(ctx context.Context, id int64, r wire.PollRecord) error {
	if !r.OK {
		return s.changeOne(ctx, `UPDATE wire_feeds SET polled_at = $2, next_poll_at = $3, round = round + 1, failures = failures + 1,
			last_error = $4 WHERE id = $1`, id, r.At.UTC(), r.NextPollAt.UTC(), r.Error)
	}
	if r.NotModified {
		return s.changeOne(ctx, `UPDATE wire_feeds SET polled_at = $2, ok_at = $2, next_poll_at = $3, round = round + 1,
			failures = 0, last_error = '', etag = $4, last_modified = $5 WHERE id = $1`,
			id, r.At.UTC(), r.NextPollAt.UTC(), r.ETag, r.LastModified)
	}
	refused, err := json.Marshal(nonNil(r.Refused))
	if err != nil {
		return err
	}
	return s.changeOne(ctx, `UPDATE wire_feeds SET polled_at = $2, ok_at = $2, next_poll_at = $3, round = round + 1,
		failures = 0, last_error = '', etag = $4, last_modified = $5, last_new = $6, last_updated = $7, last_unchanged = $8,
		last_refused = $9, refused = $10 WHERE id = $1`,
		id, r.At.UTC(), r.NextPollAt.UTC(), r.ETag, r.LastModified, r.Counts.New, r.Counts.Updated, r.Counts.Unchanged,
		r.Counts.Refused, string(refused))
}

func nonNil(r []wire.Refusal) []wire.Refusal {
	if r == nil {
		return []wire.Refusal{}
	}
	return r
}

// WireItem returns what was ingested of item guid of a feed, or else of
// the item guid of another feed crediting the same agency (sourceKey), or
// ErrNotFound.
func (s *Store) WireItem(ctx context.Context, feedID int64, sourceKey, guid string) (*wire.StoredItem, error) {
	return scanWireItem(s.r.QueryRowContext(ctx, `SELECT `+wireItemColumns+` FROM wire_items
		WHERE guid = $3 AND (feed_id = $1 OR (source_key = $2 AND source_key <> ''))
		ORDER BY CASE WHEN feed_id = $1 THEN 0 ELSE 1 END, id LIMIT 1`, feedID, sourceKey, guid))
}

// WireItemOfStory returns the item story articleID was made of, or
// ErrNotFound.
func (s *Store) WireItemOfStory(ctx context.Context, articleID int64) (*wire.StoredItem, error) {
	return scanWireItem(s.r.QueryRowContext(ctx, `SELECT `+wireItemColumns+` FROM wire_items
		WHERE article_id = $1 ORDER BY id LIMIT 1`, articleID))
}

const wireItemColumns = `id, feed_id, guid, source_key, article_id, hash, item_updated, wire_revision, newer_hash, newer_item`

func scanWireItem(row *sql.Row) (*wire.StoredItem, error) {
	var it wire.StoredItem
	var article sql.NullInt64
	var updated sql.NullTime
	if err := row.Scan(&it.ID, &it.FeedID, &it.GUID, &it.SourceKey, &article, &it.Hash, &updated, &it.WireRevision,
		&it.NewerHash, &it.NewerItem); err != nil {
		return nil, mapErr(err)
	}
	it.ArticleID, it.Updated = article.Int64, nullTime(updated)
	return &it, nil
}

// CreateWireStory stores item it and story a, new, in one transaction,
// with the story's first revision (changed names its fields) and its
// entry in the content change log. An item another poll stored first is
// wire.ErrIngested, and nothing is written; a slug another story has is
// ErrConflict. A write that fails leaves a as it was given.
func (s *Store) CreateWireStory(ctx context.Context, it *wire.StoredItem, a *content.Article, changed []string, at time.Time) error {
	if a.ID != 0 {
		return errors.New("a wire story to create has an id")
	}
	undo := undoOnRollback(a)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The row first: a second poll of the item waits here on
		// PostgreSQL until the first commits, and then adds nothing.
		var id int64
		// Either key taken, by this feed or by another of the agency's,
		// is the item taken.
		err := tx.QueryRowContext(ctx, `INSERT INTO wire_items (feed_id, guid, source_key, hash, item_updated, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id`,
			it.FeedID, it.GUID, it.SourceKey, it.Hash, utcOrNil(it.Updated), at.UTC()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return wire.ErrIngested
		}
		if err != nil {
			return mapErr(err)
		}
		if err := s.saveStory(ctx, tx, a, 0, changed, at); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE wire_items SET article_id = $2, wire_revision = $3 WHERE id = $1`,
			id, a.ID, a.Revision)
		it.ID = id
		return err
	})
	if err != nil {
		undo()
		return err
	}
	it.ArticleID, it.WireRevision = a.ID, a.Revision
	return nil
}

// UpdateWireStory writes a newer version of item it over its story a, in
// one transaction: the story only if a.Revision is still its latest
// (else dberr.ErrStale, and nothing changes), then the item, now at the
// hash given and the revision written, its newer version forgotten.
func (s *Store) UpdateWireStory(ctx context.Context, it *wire.StoredItem, a *content.Article, changed []string, at time.Time) error {
	undo := undoOnRollback(a)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.saveStory(ctx, tx, a, 0, changed, at); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE wire_items SET hash = $2, item_updated = $3, wire_revision = $4,
			newer_hash = '', newer_item = '', newer_at = NULL, updated_at = $5 WHERE id = $1`,
			it.ID, it.Hash, utcOrNil(it.Updated), a.Revision, at.UTC())
		return mapErr(err)
	})
	if err != nil {
		undo()
		return err
	}
	it.WireRevision = a.Revision
	return nil
}

func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// textFields are the fields of a story the wire writes: a revision by an
// editor that changed one of them makes the story the editor's.
var textFields = []string{"headline", "standfirst", "body", "authors"}

// EditedSince reports whether a revision of story articleID after
// revision changed its text other than by the wire (whose revisions name
// "wire" among their changes): an editor's edit, or a restore.
func (s *Store) EditedSince(ctx context.Context, articleID int64, revision int) (bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT changed FROM article_revisions WHERE article_id = $1 AND revision > $2`,
		articleID, revision)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	edited := false
	for rows.Next() {
		var changed string
		if err := rows.Scan(&changed); err != nil {
			return false, err
		}
		fields := strings.Split(changed, ",")
		if containsAny(fields, "wire") {
			continue
		}
		if containsAny(fields, textFields...) {
			edited = true
		}
	}
	return edited, rows.Err()
}

func containsAny(list []string, want ...string) bool {
	for _, v := range list {
		for _, w := range want {
			if v == w {
				return true
			}
		}
	}
	return false
}

// NoteNewerVersion records that the wire has a version hash of item id
// (version, as JSON) that its story, an editor's since, does not have;
// since when stays the first such version's time.
func (s *Store) NoteNewerVersion(ctx context.Context, id int64, hash, version string, at time.Time) error {
	return s.changeOne(ctx, `UPDATE wire_items SET newer_hash = $2, newer_item = $3, newer_at = COALESCE(newer_at, $4),
		updated_at = $4 WHERE id = $1`, id, hash, version, at.UTC())
}

// TookNewerVersion records that the story's revision took item id's newer
// version hash: the item is at that version, written by that revision,
// and has no newer one. An item whose newer version is no longer hash (a
// poll kept back a later one meanwhile) is dberr.ErrStale, unchanged.
func (s *Store) TookNewerVersion(ctx context.Context, id int64, hash string, updated *time.Time, revision int, at time.Time) error {
	err := s.changeOne(ctx, `UPDATE wire_items SET hash = newer_hash, item_updated = $3, wire_revision = $4,
		newer_hash = '', newer_item = '', newer_at = NULL, updated_at = $5 WHERE id = $1 AND newer_hash = $2`,
		id, hash, utcOrNil(updated), revision, at.UTC())
	if errors.Is(err, ErrNotFound) {
		return dberr.ErrStale
	}
	return err
}

// NewerVersions lists up to limit stories whose item has a newer version
// kept back, the longest kept first.
func (s *Store) NewerVersions(ctx context.Context, limit int) ([]wire.Newer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT i.article_id, a.headline, a.revision, i.feed_id, f.url, i.newer_at
		FROM wire_items i JOIN articles a ON a.id = i.article_id JOIN wire_feeds f ON f.id = i.feed_id
		WHERE i.newer_at IS NOT NULL AND f.deleted_at IS NULL ORDER BY i.newer_at, i.id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.Newer
	for rows.Next() {
		var n wire.Newer
		if err := rows.Scan(&n.ArticleID, &n.Headline, &n.Revision, &n.FeedID, &n.FeedURL, &n.Since); err != nil {
			return nil, err
		}
		n.Since = n.Since.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

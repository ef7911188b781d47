package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/content"
)

// The archive: published stories counted by period, and one day's stories
// in publication order. Periods are given as instants (the publication's
// midnights, worked out by the caller), so both engines compare times
// alone and the partial index of published times answers.

// FirstPublished returns when the earliest story out by now was
// published; ok is false when none is.
func (s *Store) FirstPublished(ctx context.Context, now time.Time) (first time.Time, ok bool, err error) {
	err = s.readRow(ctx, `SELECT a.published_at FROM articles a WHERE `+sqlVisible+`$1 ORDER BY a.published_at LIMIT 1`, now.UTC()).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return first.UTC(), true, nil
}

// NextPublished returns when the next story published but not yet out
// comes out; ok is false when none is scheduled.
func (s *Store) NextPublished(ctx context.Context, now time.Time) (next time.Time, ok bool, err error) {
	err = s.readRow(ctx, `SELECT a.published_at FROM articles a WHERE a.status = 'published' AND a.published_at > $1 ORDER BY a.published_at LIMIT 1`, now.UTC()).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return next.UTC(), true, nil
}

// CountPublished counts the stories out by now published in each period
// [bounds[i], bounds[i+1]): len(bounds)-1 counts, in one statement.
func (s *Store) CountPublished(ctx context.Context, now time.Time, bounds []time.Time) ([]int, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	q, args := countPublishedQuery(now, bounds)
	rows, err := s.readRows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]int, len(bounds)-1)
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, rows.Err()
}

// PublishedBetween lists the stories out by now published in [from, to),
// oldest first, after the cursor when one is given, without their bodies.
func (s *Store) PublishedBetween(ctx context.Context, now, from, to time.Time, after *content.Cursor, limit int) ([]*content.Article, error) {
	cond, args := publishedWithin(0, now, from, to)
	q := `SELECT ` + listColumns + articleFrom + `WHERE ` + cond
	args = append(args, limit)
	if after != nil {
		q += ` AND (a.published_at > $4 OR (a.published_at = $4 AND a.id > $5))`
		args = append(args, after.PublishedAt.UTC(), after.ID)
	}
	q += ` ORDER BY a.published_at, a.id LIMIT $3`
	return scanListed(s.readRows(ctx, q, args...))
}

// countPublishedQuery is CountPublished's statement: a count of a range
// of the published times' index for each period.
func countPublishedQuery(now time.Time, bounds []time.Time) (string, []any) {
	var q strings.Builder
	var args []any
	for i := 0; i+1 < len(bounds); i++ {
		if i > 0 {
			q.WriteString(" UNION ALL ")
		}
		cond, more := publishedWithin(len(args), now, bounds[i], bounds[i+1])
		q.WriteString(`SELECT ` + strconv.Itoa(i) + `, COUNT(*) FROM articles a WHERE ` + cond)
		args = append(args, more...)
	}
	return q.String(), args
}

// publishedWithin is the condition, with its arguments numbered after n
// others, that a story is out by now and was published in [from, to).
// Each range has one upper bound, to or now, whichever is earlier:
// given both, SQLite may bound its index scan by the later one.
func publishedWithin(n int, now, from, to time.Time) (string, []any) {
	lo, hi := "$"+strconv.Itoa(n+1), "$"+strconv.Itoa(n+2)
	if to.After(now) {
		return `a.status = 'published' AND a.published_at >= ` + lo + ` AND a.published_at <= ` + hi, []any{from.UTC(), now.UTC()}
	}
	return `a.status = 'published' AND a.published_at >= ` + lo + ` AND a.published_at < ` + hi, []any{from.UTC(), to.UTC()}
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The meter keeps, per reader and calendar month, the set of stories counted
// (meter_reads) and its size (meter_counts). The count row is what makes a
// grant atomic: it is raised only while below the limit and while the story
// is not counted, in one statement, so concurrent requests for different
// stories, here or on another instance, can never over-grant.
//
// A claim locks the reader's count row before it touches the reader's
// reads, and a batch claims in (reader, month, story) order, so claims
// running at once on several instances of a shared PostgreSQL database
// take their locks in one order and cannot deadlock. MergeReads does the
// same.
const (
	// sqlClaimCount raises the month's count while it is below the limit
	// ($3) and the story ($4) is not counted yet. Otherwise it returns no
	// row, but it still locks the count row.
	sqlClaimCount = `INSERT INTO meter_counts (reader, month, n) VALUES ($1, $2, 1)
		ON CONFLICT (reader, month) DO UPDATE SET n = meter_counts.n + 1
		WHERE meter_counts.n < $3
			AND NOT EXISTS (SELECT 1 FROM meter_reads WHERE reader = $1 AND month = $2 AND article_id = $4)
		RETURNING n`
	sqlClaimRecord = `INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (reader, month, article_id) DO NOTHING`
	sqlClaimLower = `UPDATE meter_counts SET n = n - 1 WHERE reader = $1 AND month = $2 RETURNING n`
	// sqlMeterCheck is the month's count and whether the story is counted:
	// two lookups by primary key.
	sqlMeterCheck = `SELECT COALESCE((SELECT n FROM meter_counts WHERE reader = $1 AND month = $2), 0),
		EXISTS (SELECT 1 FROM meter_reads WHERE reader = $1 AND month = $2 AND article_id = $3)`
	sqlMonthCount = `SELECT n FROM meter_counts WHERE reader = $1 AND month = $2`
	// sqlMeterList is the month's count with each story counted, a row
	// each (one row with no story when none is); no row when nothing is
	// counted.
	sqlMeterList = `SELECT c.n, r.article_id FROM meter_counts c
		LEFT JOIN meter_reads r ON r.reader = c.reader AND r.month = c.month
		WHERE c.reader = $1 AND c.month = $2`
)

// ClaimReads counts the stories ids against the reader's month, in order,
// each only if it is not counted yet and fewer than limit stories are,
// all in one transaction. counted[i] says whether the reader may read
// ids[i] (newly counted, or counted before); used is the month's count
// afterwards. A reader back with the first story their signed id carries
// claims it and the story they ask for together, the carried one first.
func (s *Store) ClaimReads(ctx context.Context, reader, month string, ids []int64, limit int, now time.Time) (counted []bool, used int, err error) {
	c := &claim{ctx: ctx, reader: reader, month: month, ids: ids, limit: limit, now: now,
		counted: make([]bool, len(ids)), done: make(chan struct{})}
	if err := s.claims.submit(c); err != nil {
		return nil, 0, err
	}
	return c.counted, c.used, nil
}

// MeterList reads, on the read pool, the reader's count this month and the
// stories counted, in one statement and so from one snapshot. It writes
// nothing, so a reader with no free story left is refused at the cost of a
// read, and the list it gives refuses their next stories for a moment
// without one (see access.RefusalFreshness).
func (s *Store) MeterList(ctx context.Context, reader, month string) (used int, ids []int64, err error) {
	rows, err := s.readRows(ctx, sqlMeterList, reader, month)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id sql.NullInt64
		if err := rows.Scan(&used, &id); err != nil {
			return 0, nil, err
		}
		if id.Valid {
			ids = append(ids, id.Int64)
		}
	}
	return used, ids, rows.Err()
}

// claimStories runs claim c inside tx.
func (s *Store) claimStories(ctx context.Context, tx *sql.Tx, c *claim) error {
	for i, id := range c.ids {
		var err error
		if c.counted[i], c.used, err = s.claimRead(ctx, tx, c.reader, c.month, id, c.limit, c.now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) claimRead(ctx context.Context, tx *sql.Tx, reader, month string, articleID int64, limit int, now time.Time) (bool, int, error) {
	// Raise the count first: on the common path (a story not yet counted,
	// the limit not reached) that and recording the read are the only two
	// statements, and the count row is locked before any read row.
	if limit > 0 {
		var used int
		err := s.txRow(ctx, tx, sqlClaimCount, reader, month, limit, articleID).Scan(&used)
		if err == nil {
			res, err := s.txExec(ctx, tx, sqlClaimRecord, reader, month, articleID, now.UTC())
			if err != nil {
				return false, 0, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return true, used, nil
			}
			// Counted after all: on PostgreSQL the raise may not have seen
			// a read committed while it waited for the count row's lock.
			// A free re-read; take back the raise, which only this
			// transaction has seen.
			err = s.txRow(ctx, tx, sqlClaimLower, reader, month).Scan(&used)
			return err == nil, used, err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, 0, err
		}
	}
	// The story is counted already, or the month's limit is reached (or
	// there is no meter: limit 0). With a limit the count row is locked
	// above, so no claim of this reader can commit in between.
	var used int
	var counted bool
	if err := s.txRow(ctx, tx, sqlMeterCheck, reader, month, articleID).Scan(&used, &counted); err != nil {
		return false, 0, err
	}
	return counted, used, nil
}

// MeterReads returns the stories counted against the reader's month, in no
// particular order.
func (s *Store) MeterReads(ctx context.Context, reader, month string) ([]int64, error) {
	return scanIDs(s.readRows(ctx, `SELECT article_id FROM meter_reads WHERE reader = $1 AND month = $2`, reader, month))
}

// MeterUsed returns how many stories the reader has used this month.
func (s *Store) MeterUsed(ctx context.Context, reader, month string) (int, error) {
	var n int
	err := s.readRow(ctx, sqlMonthCount, reader, month).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// MergeReads adds the stories counted for reader from in month to those of
// reader into (the union, not the sum), and returns into's new count. It
// runs when an anonymous reader signs in on a device. carried, when not 0,
// is a story read on the device and not written (the first read its signed
// id carries): it is counted on into as well, once, read at now.
func (s *Store) MergeReads(ctx context.Context, from, into, month string, carried int64, now time.Time) (int, error) {
	var used int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Lock (or create) the count row first, as a claim does, so
		// concurrent claims for the account wait for the merge and the two
		// take their locks in the same order. Only into's rows are locked:
		// from's reads are only read.
		if _, err := tx.ExecContext(ctx, `INSERT INTO meter_counts (reader, month, n) VALUES ($1, $2, 0)
			ON CONFLICT (reader, month) DO UPDATE SET n = meter_counts.n`, into, month); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meter_reads (reader, month, article_id, read_at)
			SELECT $1, month, article_id, read_at FROM meter_reads WHERE reader = $2 AND month = $3
			ON CONFLICT (reader, month, article_id) DO NOTHING`, into, from, month); err != nil {
			return err
		}
		if carried != 0 {
			if _, err := tx.ExecContext(ctx, sqlClaimRecord, into, month, carried, now.UTC()); err != nil {
				return err
			}
		}
		return s.txRow(ctx, tx, `UPDATE meter_counts
			SET n = (SELECT COUNT(*) FROM meter_reads WHERE reader = $1 AND month = $2)
			WHERE reader = $1 AND month = $2 RETURNING n`, into, month).Scan(&used)
	})
	return used, err
}

// MeterRows returns how many rows the meter's two tables hold, all months
// and readers together: what reading has written.
func (s *Store) MeterRows(ctx context.Context) (reads, counts int64, err error) {
	err = s.readRow(ctx, `SELECT (SELECT COUNT(*) FROM meter_reads), (SELECT COUNT(*) FROM meter_counts)`).Scan(&reads, &counts)
	return reads, counts, err
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
)

// The meter keeps, per reader and calendar month, the set of stories counted
// (meter_reads) and its size (meter_counts). The count row is what makes a
// grant atomic: it is raised only while below the limit, in one statement,
// so concurrent requests for different stories can never over-grant.
//
// A story once counted stays counted for the rest of its month: nothing
// here deletes a committed read, and a merge only adds. The access service
// keeps what the database confirmed in memory on that promise.

// The statements of a claim, prepared when the store opens (see
// prepareHot): they run on every first read of a story.
//
// A claim locks the reader's count row before it touches the reader's
// reads, and a batch claims in (reader, month, article) order, so claims
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
	sqlClaimCheck = `SELECT COALESCE((SELECT n FROM meter_counts WHERE reader = $1 AND month = $2), 0),
		EXISTS (SELECT 1 FROM meter_reads WHERE reader = $1 AND month = $2 AND article_id = $3)`
	sqlMonthCount = `SELECT n FROM meter_counts WHERE reader = $1 AND month = $2`
	// sqlRecount sets a month's count to its stories, as MergeReads does.
	sqlRecount = `UPDATE meter_counts
		SET n = (SELECT COUNT(*) FROM meter_reads WHERE reader = $1 AND month = $2)
		WHERE reader = $1 AND month = $2`
)

// MeterReads returns the stories counted against the reader's month, in no
// particular order. The meter's callers keep what it returns in memory:
// a story counted stays counted for the rest of the month.
func (s *Store) MeterReads(ctx context.Context, reader, month string) ([]int64, error) {
	rows, err := s.readRows(ctx, `SELECT article_id FROM meter_reads WHERE reader = $1 AND month = $2`, reader, month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
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

// ClaimRead counts articleID against the reader's month if it is not
// counted yet and fewer than limit stories are. It reports whether the
// reader may read the story (newly counted or already counted) and the
// month's count afterwards.
func (s *Store) ClaimRead(ctx context.Context, reader, month string, articleID int64, limit int, now time.Time) (granted bool, used int, err error) {
	c := &claim{ctx: ctx, reader: reader, month: month, articleID: articleID, limit: limit, now: now, done: make(chan struct{})}
	if err := s.claims.submit(c); err != nil {
		return false, 0, err
	}
	return c.granted, c.used, nil
}

// ClaimCarried counts carried, then articleID, against the reader's month
// as two ClaimRead calls would, in one transaction. It returns what
// ClaimRead would for articleID, and whether carried is counted. carried
// is the first story of a reader who arrived without an id: it was granted
// then and not written, and is counted when the reader comes back with the
// signed id that carries it.
func (s *Store) ClaimCarried(ctx context.Context, reader, month string, carried, articleID int64, limit int, now time.Time) (granted bool, used int, carriedCounted bool, err error) {
	c := &claim{ctx: ctx, reader: reader, month: month, articleID: articleID, carried: carried, limit: limit, now: now, done: make(chan struct{})}
	if err := s.claims.submit(c); err != nil {
		return false, 0, false, err
	}
	return c.granted, c.used, c.carriedCounted, nil
}

// claimCarried is ClaimCarried inside tx: both claims lock the same count
// row, so it adds no lock order to a batch's.
func (s *Store) claimCarried(ctx context.Context, tx *sql.Tx, c *claim) error {
	var err error
	if c.carriedCounted, _, err = s.claimRead(ctx, tx, c.reader, c.month, c.carried, c.limit, c.now); err != nil {
		return err
	}
	c.granted, c.used, err = s.claimRead(ctx, tx, c.reader, c.month, c.articleID, c.limit, c.now)
	return err
}

// RecordFirstRead counts articleID as the first story of a reader who has
// no meter yet: a reader id this server has just issued, so nothing can be
// counted against it and the story is granted with a count of 1. It skips
// claimRead's conditional raise and writes the read and a count of 1, in
// one statement per table for all first reads committed together. A
// reader that turns out to have a count row already keeps its count.
func (s *Store) RecordFirstRead(ctx context.Context, reader, month string, articleID int64, now time.Time) error {
	c := &claim{ctx: ctx, kind: claimFirst, reader: reader, month: month, articleID: articleID, now: now, done: make(chan struct{})}
	return s.claims.submit(c)
}

// RecordRead counts articleID against the reader's month without
// ClaimRead's conditional raise: the read is inserted and the count raised,
// in one statement per table for all the reads recorded in one commit. It
// is for a caller that has already decided the story is new to the reader
// and under the limit, and knows nothing else writes the reader's meter
// until this returns: the store's only writer (SingleWriter), holding the
// reader's other claims back. Once it returns nil the story is counted.
// A story that turns out to be counted already is not counted twice.
func (s *Store) RecordRead(ctx context.Context, reader, month string, articleID int64, now time.Time) error {
	c := &claim{ctx: ctx, kind: claimRecord, reader: reader, month: month, articleID: articleID, now: now, done: make(chan struct{})}
	return s.claims.submit(c)
}

// recordReads writes the reads of cs (RecordRead): first each month's
// count, raised by its number of new stories (the count rows are locked
// before the read rows, as a claim does), then the reads. One statement
// cannot raise the same count row twice on PostgreSQL, so the raises are
// summed per reader and month. If fewer reads were inserted than counted
// (a story counted already: merged in from a device, or a retry of a
// commit that succeeded after all), the months of cs are recounted from
// their stories, so the count never exceeds what is counted.
func (s *Store) recordReads(ctx context.Context, tx *sql.Tx, cs []*claim) error {
	if len(cs) == 0 {
		return nil
	}
	slices.SortFunc(cs, compareClaims)
	type raise struct {
		reader, month string
		n             int
	}
	raises := make([]raise, 0, len(cs))
	reads := 0
	for i, c := range cs {
		if i > 0 && compareClaims(cs[i-1], c) == 0 {
			continue // the same story twice: one read
		}
		reads++
		if last := len(raises) - 1; last >= 0 && raises[last].reader == c.reader && raises[last].month == c.month {
			raises[last].n++
			continue
		}
		raises = append(raises, raise{c.reader, c.month, 1})
	}
	// Rows past the raises are filler, raising nothing: the statement
	// skips rows of 0.
	rows := firstReadRows(len(raises))
	args := make([]any, 0, 4*firstReadRows(len(cs)))
	for i := range rows {
		if i < len(raises) {
			args = append(args, raises[i].reader, raises[i].month, raises[i].n)
		} else {
			args = append(args, "", "", 0)
		}
	}
	if _, err := s.txExec(ctx, tx, s.recordCountsSQL(rows), args...); err != nil {
		return err
	}
	// As for first reads, the filler repeats the last read, which ON
	// CONFLICT DO NOTHING skips.
	rows = firstReadRows(len(cs))
	args = args[:0]
	for i := range rows {
		c := cs[min(i, len(cs)-1)]
		args = append(args, c.reader, c.month, c.articleID, c.now.UTC())
	}
	res, err := s.txExec(ctx, tx, s.firstReadsSQL(rows), args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == int64(reads) {
		return nil
	}
	for _, r := range raises {
		if _, err := s.txExec(ctx, tx, sqlRecount, r.reader, r.month); err != nil {
			return err
		}
	}
	return nil
}

// recordFirstReads writes the first reads of cs: a count of 1 for each
// reader's month, then the reads, in the order of cs (the count rows are
// locked before the read rows, as a claim does). ON CONFLICT DO NOTHING
// keeps an existing count or read as it is: a reader that already has
// rows was not new after all, and its count must not be raised.
func (s *Store) recordFirstReads(ctx context.Context, tx *sql.Tx, cs []*claim) error {
	if len(cs) == 0 {
		return nil
	}
	// Fill the statement's rows by repeating the last first read: ON
	// CONFLICT DO NOTHING skips a row met twice in one statement.
	rows := firstReadRows(len(cs))
	row := func(i int) *claim { return cs[min(i, len(cs)-1)] }
	args := make([]any, 0, 4*rows)
	for i := range rows {
		c := row(i)
		args = append(args, c.reader, c.month)
	}
	if _, err := s.txExec(ctx, tx, s.firstCountsSQL(rows), args...); err != nil {
		return err
	}
	args = args[:0]
	for i := range rows {
		c := row(i)
		args = append(args, c.reader, c.month, c.articleID, c.now.UTC())
	}
	_, err := s.txExec(ctx, tx, s.firstReadsSQL(rows), args...)
	return err
}

// firstReadSizes are the numbers of rows of the first-read inserts,
// prepared when the store opens: parsing a long VALUES list for every
// batch cost a tenth of a first read on SQLite. A batch uses the smallest
// that holds its first reads, so at most a third of the rows are repeats.
var firstReadSizes = []int{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, maxBatch}

// firstReadRows is how many rows the insert of n first reads has.
func firstReadRows(n int) int {
	for _, size := range firstReadSizes {
		if size >= n {
			return size
		}
	}
	return n
}

// firstCountsSQL and firstReadsSQL are the inserts of n first reads, one
// statement per table. Four arguments a row keeps the largest batch far
// below either engine's limit (32,766 on SQLite, 65,535 on PostgreSQL).
func (s *Store) firstCountsSQL(n int) string {
	return s.valuesSQL(`INSERT INTO meter_counts (reader, month, n) VALUES `, n, 2, ", 1",
		` ON CONFLICT (reader, month) DO NOTHING`)
}

// recordCountsSQL raises the counts of n months, creating the rows of
// months with none. A row of (reader, month, raise) whose raise is 0 is
// skipped, so a statement of n rows serves fewer months. The WHERE also
// keeps SQLite from reading ON CONFLICT as a join constraint.
func (s *Store) recordCountsSQL(n int) string {
	// PostgreSQL types an argument in VALUES as text unless told.
	var b strings.Builder
	b.WriteString(`INSERT INTO meter_counts (reader, month, n)
		SELECT v.column1, v.column2, v.column3 FROM (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		s.dialect.writeArg(&b, 3*i+1)
		b.WriteString(", ")
		s.dialect.writeArg(&b, 3*i+2)
		b.WriteString(", CAST(")
		s.dialect.writeArg(&b, 3*i+3)
		b.WriteString(" AS INTEGER))")
	}
	b.WriteString(`) AS v WHERE v.column3 > 0
		ON CONFLICT (reader, month) DO UPDATE SET n = meter_counts.n + excluded.n`)
	return b.String()
}

func (s *Store) firstReadsSQL(n int) string {
	return s.valuesSQL(`INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES `, n, 4, "",
		` ON CONFLICT (reader, month, article_id) DO NOTHING`)
}

// valuesSQL writes head, then n rows of cols arguments each followed by
// extra, then tail: "($1, $2, 1), ($3, $4, 1)" on PostgreSQL.
func (s *Store) valuesSQL(head string, n, cols int, extra, tail string) string {
	var b strings.Builder
	b.Grow(len(head) + len(tail) + n*(cols*7+len(extra)+2))
	b.WriteString(head)
	arg := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			s.dialect.writeArg(&b, arg)
			arg++
		}
		b.WriteString(extra)
		b.WriteByte(')')
	}
	b.WriteString(tail)
	return b.String()
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
	if err := s.txRow(ctx, tx, sqlClaimCheck, reader, month, articleID).Scan(&used, &counted); err != nil {
		return false, 0, err
	}
	return counted, used, nil
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

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Pruning deletes what Broadsheet no longer needs: meter rows of past
// months, ended sessions, spent sign-in links and tokens, old sign-in
// failures, finished jobs and old outbox mail. It deletes in batches, each
// its own short statement, so that a large backlog never holds SQLite's
// write lock (or PostgreSQL's row locks) for long: a reader's first read
// waits for one batch, not for the whole backlog.

// PruneBefore says what is old enough to delete. A zero field keeps that
// kind of row for ever.
type PruneBefore struct {
	MeterMonth    string    // meter rows of months before this one, "YYYY-MM"
	EndedSessions time.Time // sessions ended before this
	Links         time.Time // sign-in links, account tokens, cancel links and newsletter sign-ups that expired before this, used or not
	Throttle      time.Time // sign-in throttle windows and token requests begun before this
	DoneJobs      time.Time // jobs done before this
	Outbox        time.Time // emails stored before this
	Changes       time.Time // content changes recorded before this
}

// Pruned counts the rows deleted, by table.
type Pruned map[string]int64

// Prune deletes, batch rows at a time, what before says is old enough.
// A table that fails does not stop the others. Accounts, payments,
// subscriptions and their terms are records and never pruned.
func (s *Store) Prune(ctx context.Context, before PruneBefore, batch int) (Pruned, error) {
	if batch < 1 {
		return nil, fmt.Errorf("prune batch %d: want at least 1", batch)
	}
	pruned := Pruned{}
	var errs []error
	if before.MeterMonth != "" {
		// The month column is 'YYYY-MM' text, which sorts as the months do.
		for _, t := range []struct {
			table string
			key   []string
		}{
			{"meter_counts", []string{"reader", "month"}},
			{"meter_reads", []string{"reader", "month", "article_id"}},
		} {
			n, err := s.pruneByKey(ctx, t.table, t.key, "month < $1", before.MeterMonth, batch)
			pruned[t.table] = n
			if err != nil {
				errs = append(errs, fmt.Errorf("prune %s: %w", t.table, err))
			}
		}
	}
	for _, t := range []struct {
		table, id, where string
		before           time.Time
	}{
		{"sessions", "id", "ended_at < $1", before.EndedSessions},
		{"login_links", "id", "expires_at < $1", before.Links},
		{"account_tokens", "id", "expires_at < $1", before.Links},
		{"renewal_cancel_tokens", "id", "expires_at < $1", before.Links},
		{"newsletter_signups", "id", "expires_at < $1", before.Links},
		{"login_throttle", "id", "window_start < $1", before.Throttle},
		{"account_token_requests", "id", "requested_at < $1", before.Throttle},
		{"jobs", "id", "done_at < $1", before.DoneJobs},
		{"outbox", "id", "created_at < $1", before.Outbox},
		// Changes are in time order: the oldest come first by sequence.
		{"content_changes", "seq", "changed_at < $1", before.Changes},
	} {
		if t.before.IsZero() || ctx.Err() != nil {
			continue
		}
		n, err := s.pruneByID(ctx, t.table, t.id, t.where, t.before.UTC(), batch)
		pruned[t.table] = n
		if err != nil {
			errs = append(errs, fmt.Errorf("prune %s: %w", t.table, err))
		}
	}
	return pruned, errors.Join(append(errs, ctx.Err())...)
}

// pruneByID deletes the rows of a table, named by its id column, that match
// where ($1 is arg), batch by batch, until a batch finds fewer than batch
// rows. Each table has an index on the time where compares (see
// 0008_prune_indexes), or keeps its rows in time order.
func (s *Store) pruneByID(ctx context.Context, table, id, where string, arg any, batch int) (int64, error) {
	// No ORDER BY: the batch is found through the index on the time.
	q := `DELETE FROM ` + table + ` WHERE ` + id + ` IN (SELECT ` + id + ` FROM ` + table + ` WHERE ` + where + ` LIMIT $2)`
	var total int64
	for {
		res, err := s.w.ExecContext(ctx, q, arg, batch)
		if err != nil {
			return total, mapErr(err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// pruneByKey deletes the rows of a table clustered on key that match where
// ($1 is arg). The meter's tables have no index on the month, and a batch
// that searched from the first reader would scan again every kept row
// before it; so each batch walks the key on from where the last one ended,
// finding its own end in the engine's ordering of the key.
func (s *Store) pruneByKey(ctx context.Context, table string, key []string, where string, arg any, batch int) (int64, error) {
	cols := strings.Join(key, ", ")
	var total int64
	var cursor []any // the last key deleted; nil before the first batch
	for {
		cond, args := where, []any{arg}
		if cursor != nil {
			cond += " AND " + keyCompare(cols, ">", len(key), 2)
			args = append(args, cursor...)
		}
		dest := keyDest(key)
		err := s.w.QueryRowContext(ctx, `SELECT `+cols+` FROM `+table+` WHERE `+cond+` ORDER BY `+cols+
			` LIMIT 1 OFFSET $`+strconv.Itoa(len(args)+1), append(args, batch-1)...).Scan(dest...)
		rest := errors.Is(err, sql.ErrNoRows) // fewer than batch rows are left
		if err != nil && !rest {
			return total, mapErr(err)
		}
		var end []any
		if !rest {
			end = keyValues(dest)
			cond += " AND " + keyCompare(cols, "<=", len(key), len(args)+1)
			args = append(args, end...)
		}
		res, err := s.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+cond, args...)
		if err != nil {
			return total, mapErr(err)
		}
		n, _ := res.RowsAffected()
		total += n
		if rest {
			return total, nil
		}
		cursor = end
	}
}

// keyCompare compares the key columns as a row with arguments $first...
func keyCompare(cols, op string, n, first int) string {
	var b strings.Builder
	b.WriteString("(" + cols + ") " + op + " (")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		writeNumberedArg(&b, first+i)
	}
	b.WriteString(")")
	return b.String()
}

// keyDest makes room to scan a meter key: article_id is a number, the
// rest text. Typed, so that the values bound back compare as the columns
// do (SQLite orders a blob after every text).
func keyDest(key []string) []any {
	dest := make([]any, len(key))
	for i, col := range key {
		if col == "article_id" {
			dest[i] = new(int64)
		} else {
			dest[i] = new(string)
		}
	}
	return dest
}

// keyValues is what keyDest scanned.
func keyValues(dest []any) []any {
	values := make([]any, len(dest))
	for i, d := range dest {
		switch v := d.(type) {
		case *int64:
			values[i] = *v
		case *string:
			values[i] = *v
		}
	}
	return values
}

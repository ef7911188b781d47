package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// claimBatcher commits concurrent meter claims together: one goroutine
// takes every claim waiting at that moment and runs them in a single
// transaction. Each request still waits for its own commit, so a granted
// read is durable before the story is sent, but a burst of first-time
// readers costs one commit instead of one each. A batch belongs to no
// request: it runs under its own context, and a reader whose row another
// transaction holds is claimed apart (see commit). This matters most on
// SQLite, whose single writer would otherwise commit every read in turn.
type claimBatcher struct {
	s     *Store
	queue chan *claim
	stop  chan struct{} // closed when the store closes
	// failed counts batches whose transaction failed as a whole, so that
	// their claims were retried one by one (on PostgreSQL, for instance,
	// when aborted to break a deadlock).
	failed atomic.Int64
}

type claim struct {
	ctx       context.Context
	kind      claimKind
	reader    string
	month     string
	articleID int64
	carried   int64 // a ClaimCarried: the story to count first
	limit     int
	now       time.Time
	granted   bool
	used      int
	// carriedCounted: a ClaimCarried's carried story is counted.
	carriedCounted bool
	err            error
	done           chan struct{}
}

// claimKind says how a claim is written.
type claimKind uint8

const (
	// claimLimited is a ClaimRead: counted only while under its limit.
	claimLimited claimKind = iota
	// claimFirst is a new reader's first read (RecordFirstRead): it is
	// written without a conditional raise and always granted, used 1.
	claimFirst
	// claimRecord is a RecordRead: the caller has decided the story is
	// new and under the limit; it is written without a conditional raise
	// and always granted.
	claimRecord
)

// maxBatch bounds one transaction, so a huge burst cannot hold the writer
// for long.
const maxBatch = 256

func newClaimBatcher(s *Store) *claimBatcher {
	b := &claimBatcher{s: s, queue: make(chan *claim, 4096), stop: make(chan struct{})}
	go b.loop()
	return b
}

func (b *claimBatcher) loop() {
	batch := make([]*claim, 0, maxBatch)
	for {
		select {
		case <-b.stop:
			return
		case first := <-b.queue:
			batch = append(batch[:0], first)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case c := <-b.queue:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		b.commit(batch)
	}
}

// submit queues a claim and waits for its commit. It returns when the
// claim's own context ends, without waiting for the batch: the claim may
// still be committed, as after a lost answer, and the batch goes on for
// the other claims. A recorded read (RecordRead) is the exception: it is
// written unconditionally, and its caller holds the reader's other claims
// back until it returns, so it returns only once its outcome is known (a
// batch skips a claim whose context ended before the batch began, and
// runs under claimTimeout). After the store closes it fails instead of
// waiting for ever.
func (b *claimBatcher) submit(c *claim) error {
	select {
	case b.queue <- c:
	case <-c.ctx.Done():
		return c.ctx.Err()
	case <-b.stop:
		return errStoreClosed
	}
	gone := c.ctx.Done()
	if c.kind == claimRecord {
		gone = nil
	}
	select {
	case <-c.done:
		return c.err
	case <-gone:
		return c.ctx.Err()
	case <-b.stop:
		return errStoreClosed
	}
}

var errStoreClosed = errors.New("store is closed")

// claimTimeout bounds a batch's transaction, and a claim run alone: a
// batch runs under a context of its own, not any one request's, so one
// reader going away cannot fail the claims of the others; a claim run
// alone runs under its request's context as well.
const claimTimeout = 5 * time.Second

// claimLockWait is how long a batch waits on PostgreSQL for a row lock
// that another transaction holds (another instance's claim or merge of
// the same reader) before it leaves that claim out: the claim is run
// alone, waiting for the lock up to claimTimeout, and the rest of the
// batch commits without it, so one contended reader does not hold up
// every other.
const claimLockWait = 100 * time.Millisecond

// commit runs the batch in one transaction, under its own context. A claim
// whose row lock is held elsewhere beyond claimLockWait is taken out of the
// batch and run alone, and the batch is run again without it. If the
// transaction fails otherwise, each claim is run alone, so one bad claim
// cannot fail others. Claims run alone do not hold up the next batch.
//
// The batch runs in (reader, month, article) order: each claim locks its
// reader's count row, so batches committing at once on instances sharing a
// PostgreSQL database lock rows in the same order and never wait on each
// other in a cycle. First reads go before the other claims, all in two
// statements: their readers are new, so no other transaction holds or
// waits for their rows, and writing them first adds no lock cycle.
// Recorded reads (RecordRead) follow, in two or three statements; only a
// store with no other writer records reads, so their rows are not
// contended either.
func (b *claimBatcher) commit(batch []*claim) {
	slices.SortFunc(batch, compareClaims)
	for {
		blocked, err := b.commitOnce(batch)
		if err == nil {
			for _, c := range batch {
				close(c.done)
			}
			return
		}
		if len(blocked) == 0 {
			b.failed.Add(1)
			for _, c := range batch {
				if c.err != nil {
					close(c.done)
				} else {
					go b.claimAlone(c)
				}
			}
			return
		}
		for _, c := range blocked {
			go b.claimAlone(c)
		}
		batch = slices.DeleteFunc(batch, func(c *claim) bool { return slices.Contains(blocked, c) })
	}
}

// commitOnce runs batch in one transaction. When a statement found its
// rows locked elsewhere for longer than claimLockWait, it returns the
// claims of that statement with the error.
func (b *claimBatcher) commitOnce(batch []*claim) (blocked []*claim, err error) {
	txCtx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	ctx := b.s.statementContext(txCtx)
	err = b.s.inTx(txCtx, func(tx *sql.Tx) error {
		if err := b.s.waitLocksBriefly(ctx, tx); err != nil {
			return err
		}
		var firsts, records, limited []*claim
		for _, c := range batch {
			switch {
			case c.ctx.Err() != nil:
				// The reader went away; whatever we decide, they will not
				// see the story, so do not count it.
				c.err = c.ctx.Err()
			case c.kind == claimFirst:
				firsts = append(firsts, c)
			case c.kind == claimRecord:
				records = append(records, c)
			default:
				limited = append(limited, c)
			}
		}
		step := func(cs []*claim, err error) error {
			if err != nil && isLockTimeout(err) {
				blocked = cs
			}
			return err
		}
		if err := step(firsts, b.s.recordFirstReads(ctx, tx, firsts)); err != nil {
			return err
		}
		for _, c := range firsts {
			c.granted, c.used = true, 1
		}
		if err := step(records, b.s.recordReads(ctx, tx, records)); err != nil {
			return err
		}
		for _, c := range records {
			c.granted = true
		}
		for _, c := range limited {
			if err := step([]*claim{c}, b.s.claimLimited(ctx, tx, c)); err != nil {
				return err
			}
		}
		return nil
	})
	return blocked, err
}

// claimAlone runs one claim in a transaction of its own, under the
// claim's context bounded by claimTimeout, and answers it.
func (b *claimBatcher) claimAlone(c *claim) {
	defer close(c.done)
	ctx, cancel := context.WithTimeout(c.ctx, claimTimeout)
	defer cancel()
	c.err = b.s.inTx(ctx, func(tx *sql.Tx) error {
		switch c.kind {
		case claimFirst:
			if err := b.s.recordFirstReads(ctx, tx, []*claim{c}); err != nil {
				return err
			}
			c.granted, c.used = true, 1
			return nil
		case claimRecord:
			if err := b.s.recordReads(ctx, tx, []*claim{c}); err != nil {
				return err
			}
			c.granted = true
			return nil
		}
		return b.s.claimLimited(ctx, tx, c)
	})
}

// claimLimited runs a ClaimRead or a ClaimCarried inside tx.
func (s *Store) claimLimited(ctx context.Context, tx *sql.Tx, c *claim) error {
	if c.carried != 0 {
		return s.claimCarried(ctx, tx, c)
	}
	var err error
	c.granted, c.used, err = s.claimRead(ctx, tx, c.reader, c.month, c.articleID, c.limit, c.now)
	return err
}

// statementContext is the context of a batch's statements in a
// transaction begun under ctx. SQLite's driver watches each statement's
// context with a goroutine and a progress handler of its own, work on
// every claim; there the statements run without ctx's deadline, which
// still ends the transaction (database/sql rolls it back once ctx is
// done), and a batch waits only to begin, for the file's write lock,
// under ctx.
func (s *Store) statementContext(ctx context.Context) context.Context {
	if s.dialect.name == sqlite.name {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// waitLocksBriefly makes tx, a batch's transaction, give up on a row lock
// held elsewhere after claimLockWait, on PostgreSQL. SQLite has one
// writer and no row locks.
func (s *Store) waitLocksBriefly(ctx context.Context, tx *sql.Tx) error {
	if s.dialect.name != postgres.name {
		return nil
	}
	_, err := tx.ExecContext(ctx, sqlBatchLockTimeout)
	return err
}

var sqlBatchLockTimeout = fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", claimLockWait.Milliseconds())

// isLockTimeout reports whether err is PostgreSQL giving up on a lock
// (lock_not_available), as a statement under lock_timeout does.
func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

// compareClaims orders claims by reader, month and story.
func compareClaims(x, y *claim) int {
	return cmp.Or(cmp.Compare(x.reader, y.reader), cmp.Compare(x.month, y.month), cmp.Compare(x.articleID, y.articleID))
}

func (b *claimBatcher) close() { close(b.stop) }

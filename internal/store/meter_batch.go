package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
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
	ctx     context.Context
	reader  string
	month   string
	ids     []int64 // the stories to count, in order
	limit   int
	now     time.Time
	counted []bool // counted[i]: ids[i] is counted
	used    int
	err     error
	done    chan struct{}
}

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
		// Let the requests that are ready to run reach their claims first:
		// on a busy server they join this batch instead of each waiting
		// for a commit of their own.
		runtime.Gosched()
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
// the other claims. After the store closes it fails instead of waiting for
// ever.
func (b *claimBatcher) submit(c *claim) error {
	select {
	case b.queue <- c:
	case <-c.ctx.Done():
		return c.ctx.Err()
	case <-b.stop:
		return errStoreClosed
	}
	select {
	case <-c.done:
		return c.err
	case <-c.ctx.Done():
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
// The batch runs in (reader, month, story) order: each claim locks its
// reader's count row, so batches committing at once on instances sharing a
// PostgreSQL database lock rows in the same order and never wait on each
// other in a cycle.
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
		if blocked == nil {
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
		go b.claimAlone(blocked)
		batch = slices.DeleteFunc(batch, func(c *claim) bool { return c == blocked })
	}
}

// commitOnce runs batch in one transaction. When a claim found its rows
// locked elsewhere for longer than claimLockWait, it returns that claim
// with the error.
func (b *claimBatcher) commitOnce(batch []*claim) (blocked *claim, err error) {
	txCtx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	ctx := b.s.statementContext(txCtx)
	err = b.s.inTx(txCtx, func(tx *sql.Tx) error {
		if err := b.s.waitLocksBriefly(ctx, tx); err != nil {
			return err
		}
		for _, c := range batch {
			if c.ctx.Err() != nil {
				// The reader went away; whatever we decide, they will not
				// see the story, so do not count it.
				c.err = c.ctx.Err()
				continue
			}
			if err := b.s.claimStories(ctx, tx, c); err != nil {
				if isLockTimeout(err) {
					blocked = c
				}
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
	c.err = b.s.inTx(ctx, func(tx *sql.Tx) error { return b.s.claimStories(ctx, tx, c) })
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

// compareClaims orders claims by reader, month and stories.
func compareClaims(x, y *claim) int {
	return cmp.Or(cmp.Compare(x.reader, y.reader), cmp.Compare(x.month, y.month), slices.Compare(x.ids, y.ids))
}

func (b *claimBatcher) close() { close(b.stop) }

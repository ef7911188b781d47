package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync/atomic"
	"time"
)

// claimBatcher commits concurrent meter claims together: one goroutine
// takes every claim waiting at that moment and runs them in a single
// transaction. Each request still waits for its own commit, so a granted
// read is durable before the story is sent, but a burst of first-time
// readers costs one commit instead of one each. This matters most on
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
	ctx context.Context
	// first marks a new reader's first read (RecordFirstRead): it is
	// written without a conditional raise and always granted, used 1.
	first     bool
	reader    string
	month     string
	articleID int64
	limit     int
	now       time.Time
	granted   bool
	used      int
	err       error
	done      chan struct{}
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

// submit queues a claim and waits for its commit. After the store closes
// it fails instead of waiting for ever.
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
	case <-b.stop:
		return errStoreClosed
	}
}

var errStoreClosed = errors.New("store is closed")

// commit runs the batch in one transaction. If the transaction fails as a
// whole, each claim is retried alone so one bad claim cannot fail others.
//
// The batch runs in (reader, month, article) order: each claim locks its
// reader's count row, so batches committing at once on instances sharing a
// PostgreSQL database lock rows in the same order and never wait on each
// other in a cycle. First reads go before the other claims, all in two
// statements: their readers are new, so no other transaction holds or
// waits for their rows, and writing them first adds no lock cycle.
func (b *claimBatcher) commit(batch []*claim) {
	slices.SortFunc(batch, func(x, y *claim) int {
		return cmp.Or(cmp.Compare(x.reader, y.reader), cmp.Compare(x.month, y.month), cmp.Compare(x.articleID, y.articleID))
	})
	err := b.s.inTx(context.Background(), func(tx *sql.Tx) error {
		var firsts []*claim
		for _, c := range batch {
			if c.ctx.Err() != nil {
				// The reader went away; whatever we decide, they will not
				// see the story, so do not count it.
				c.err = c.ctx.Err()
			} else if c.first {
				firsts = append(firsts, c)
			}
		}
		if err := b.s.recordFirstReads(context.Background(), tx, firsts); err != nil {
			return err
		}
		for _, c := range firsts {
			c.granted, c.used = true, 1
		}
		for _, c := range batch {
			if c.err != nil || c.first {
				continue
			}
			var err error
			if c.granted, c.used, err = b.s.claimRead(c.ctx, tx, c.reader, c.month, c.articleID, c.limit, c.now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.failed.Add(1)
	}
	for _, c := range batch {
		if err != nil && c.err == nil {
			c.err = b.s.inTx(c.ctx, func(tx *sql.Tx) error {
				return b.claimAlone(tx, c)
			})
		}
		close(c.done)
	}
}

// claimAlone runs one claim of a batch that failed as a whole.
func (b *claimBatcher) claimAlone(tx *sql.Tx, c *claim) error {
	if c.first {
		if err := b.s.recordFirstReads(c.ctx, tx, []*claim{c}); err != nil {
			return err
		}
		c.granted, c.used = true, 1
		return nil
	}
	var err error
	c.granted, c.used, err = b.s.claimRead(c.ctx, tx, c.reader, c.month, c.articleID, c.limit, c.now)
	return err
}

func (b *claimBatcher) close() { close(b.stop) }

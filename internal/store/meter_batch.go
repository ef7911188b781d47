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
// Recorded reads (RecordRead) follow, in two or three statements; only a
// store with no other writer records reads, so their rows are not
// contended either.
func (b *claimBatcher) commit(batch []*claim) {
	slices.SortFunc(batch, compareClaims)
	err := b.s.inTx(context.Background(), func(tx *sql.Tx) error {
		var firsts, records []*claim
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
			}
		}
		if err := b.s.recordFirstReads(context.Background(), tx, firsts); err != nil {
			return err
		}
		for _, c := range firsts {
			c.granted, c.used = true, 1
		}
		if err := b.s.recordReads(context.Background(), tx, records); err != nil {
			return err
		}
		for _, c := range records {
			c.granted = true
		}
		for _, c := range batch {
			if c.err != nil || c.kind != claimLimited {
				continue
			}
			if err := b.s.claimLimited(c.ctx, tx, c); err != nil {
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
	switch c.kind {
	case claimFirst:
		if err := b.s.recordFirstReads(c.ctx, tx, []*claim{c}); err != nil {
			return err
		}
		c.granted, c.used = true, 1
		return nil
	case claimRecord:
		if err := b.s.recordReads(c.ctx, tx, []*claim{c}); err != nil {
			return err
		}
		c.granted = true
		return nil
	}
	return b.s.claimLimited(c.ctx, tx, c)
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

// compareClaims orders claims by reader, month and story.
func compareClaims(x, y *claim) int {
	return cmp.Or(cmp.Compare(x.reader, y.reader), cmp.Compare(x.month, y.month), cmp.Compare(x.articleID, y.articleID))
}

func (b *claimBatcher) close() { close(b.stop) }

package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the checkpointer moves SQLite's write-ahead
// log into the database file: often enough that the log stays a few
// megabytes under a steady stream of meter writes.
const checkpointEvery = time.Second

// checkpointer copies the write-ahead log into the database file from its
// own connection. SQLite would otherwise do it inside whichever commit
// crosses the log's size threshold, fsync included: tens of milliseconds
// during which the single writer, and every reader's claim queued behind
// it, waits. A passive checkpoint runs beside the writer instead of in its
// way; closing the last connection still checkpoints the rest.
type checkpointer struct {
	stop chan struct{}
	done sync.WaitGroup
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{stop: make(chan struct{})}
	c.done.Go(func() {
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
					slog.Warn("sqlite checkpoint", "err", err)
				}
				cancel()
			}
		}
	})
	return c
}

// close stops the checkpointer and waits for a checkpoint under way.
func (c *checkpointer) close() {
	if c == nil {
		return
	}
	close(c.stop)
	c.done.Wait()
}

// importCheckpointer is an archive import's checkpointer: it copies the
// log into the database file after each batch commits, from its own
// connection, while the writer goes on with the next batch. SQLite writes
// the log from its start again only after a checkpoint that ended before
// the writer's batch began; one that ends during a batch, as these do,
// leaves the log to grow. So once the log is past limit frames, the
// writer waits for a checkpoint before its next batch: one batch's
// checkpoint in several is in its way, and the log stays about limit long.
type importCheckpointer struct {
	db     *sql.DB
	limit  int64
	mu     sync.Mutex   // held while checkpointing
	frames atomic.Int64 // the log's length, in frames, at the last checkpoint
	kick   chan struct{}
	stop   chan struct{}
	done   sync.WaitGroup
}

// importLogLimit is the log's length, in frames, past which an import
// waits for a checkpoint: 64 MB of 4 KB pages, as many as SQLite's
// checkpoints allowed the import before.
const importLogLimit = 16384

func startImportCheckpointer(db *sql.DB, limit int64) *importCheckpointer {
	c := &importCheckpointer{db: db, limit: limit, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.done.Go(func() {
		for {
			select {
			case <-c.stop:
				return
			case <-c.kick:
				c.checkpoint()
			}
		}
	})
	return c
}

// checkpoint copies the log into the database file as far as it can,
// and reports whether it copied all of it.
func (c *importCheckpointer) checkpoint() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var busy, frames, copied int64
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		slog.Warn("sqlite checkpoint", "err", err)
		return false
	}
	c.frames.Store(frames)
	return busy == 0 && copied == frames
}

// committed asks for a checkpoint, unless one is asked for already.
func (c *importCheckpointer) committed() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// beforeBatch, on a log past the limit, checkpoints all of it, so that
// the batch about to begin writes the log from its start.
func (c *importCheckpointer) beforeBatch() {
	if c == nil || c.frames.Load() < c.limit {
		return
	}
	if c.checkpoint() {
		c.frames.Store(0) // the next commit starts the log again
	}
}

// close stops the checkpointer and waits for a checkpoint under way.
func (c *importCheckpointer) close() {
	close(c.stop)
	c.done.Wait()
}

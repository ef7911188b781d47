package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
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
// connection, while the writer goes on with the next batch.
type importCheckpointer struct {
	kick chan struct{}
	stop chan struct{}
	done sync.WaitGroup
}

func startImportCheckpointer(db *sql.DB) *importCheckpointer {
	c := &importCheckpointer{kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.done.Go(func() {
		for {
			select {
			case <-c.stop:
				return
			case <-c.kick:
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
					slog.Warn("sqlite checkpoint", "err", err)
				}
				cancel()
			}
		}
	})
	return c
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

// close stops the checkpointer and waits for a checkpoint under way.
func (c *importCheckpointer) close() {
	close(c.stop)
	c.done.Wait()
}

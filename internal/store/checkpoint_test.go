package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/offer"
	"broadsheet/internal/store"
)

// A server's commits leave the write-ahead log to the checkpointer, and
// the checkpointer keeps the log from growing: the second of two equal
// bursts of writes, after a checkpoint, reuses the log's space instead of
// doubling it.
func TestServerCheckpointsBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "broadsheet.db")
	s, err := store.Open(ctx, "sqlite://"+path, store.Exclusive("broadsheet serve"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.AutoCheckpoint(ctx); err != nil || n != 0 {
		t.Fatalf("a server's writer checkpoints at %d pages (%v), want never: commits would wait for it", n, err)
	}

	body := strings.Repeat("a benefit long enough to take a page of its own. ", 90)
	burst := func() int64 {
		for range 1500 {
			if _, err := s.CreateBenefit(ctx, offer.Info, "Benefit", body); err != nil {
				t.Fatal(err)
			}
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	first := burst()
	// Let a checkpoint come and the readers move on, then write as much
	// again: the log starts over from its beginning.
	time.Sleep(2500 * time.Millisecond)
	second := burst()
	if second > first+first/4 {
		t.Fatalf("the log grew from %d to %d bytes over two bursts: nothing checkpointed it", first, second)
	}
}

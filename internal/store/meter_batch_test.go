package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// patience is how long a test waits for something that should happen
// before it gives up on it: a bound on a broken build, not a measure.
const patience = 20 * time.Second

type claimResult struct {
	granted bool
	used    int
	err     error
}

// claimLater runs ClaimRead in the background.
func claimLater(ctx context.Context, s *store.Store, reader string, id int64) <-chan claimResult {
	out := make(chan claimResult, 1)
	go func() {
		ok, used, err := claimRead(ctx, s, reader, "2026-11", id, 3, time.Now())
		out <- claimResult{ok, used, err}
	}()
	return out
}

// rowLock is another instance's transaction holding a reader's count row.
type rowLock struct {
	db  *sql.DB
	tx  *sql.Tx
	pid int // the holding backend
}

// lockCountRow locks reader's count row of November from a connection of
// its own, as another instance's claim or merge does, until released.
func lockCountRow(t *testing.T, url, reader string) *rowLock {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	l := &rowLock{db: db, tx: tx}
	if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&l.pid); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT n FROM meter_counts WHERE reader = $1 AND month = '2026-11' FOR UPDATE`, reader).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return l
}

// waitForWaiter returns once a claim waits for the lock.
func (l *rowLock) waitForWaiter(t *testing.T) {
	t.Helper()
	waitBlockedBy(t, l.db, l.pid)
}

// waitBlockedBy returns once some backend waits for a lock that backend
// holder holds: the claim the test started has reached the lock. Only the
// test's own claims can wait for the test's own transaction.
func waitBlockedBy(t *testing.T, db *sql.DB, holder int) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var waiting int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE $1 = ANY(pg_blocking_pids(pid))`, holder).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
	}
	t.Fatal("no claim ever waited for the lock")
}

func (l *rowLock) release(t *testing.T) {
	t.Helper()
	if err := l.tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// One reader's count row locked by another transaction holds up that
// reader's claim, and no other: twenty other readers' claims, made while
// the first waits, all commit before the lock is released.
func TestClaimOfALockedReaderDoesNotHoldUpOthers(t *testing.T) {
	url := storetest.URL(t, "postgres")
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := seedArticles(t, s, 2)
	if ok, _, err := claimRead(ctx, s, "a:locked", "2026-11", ids[0], 3, time.Now()); err != nil || !ok {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	lock := lockCountRow(t, url, "a:locked")
	locked := claimLater(ctx, s, "a:locked", ids[1])
	lock.waitForWaiter(t)

	others := make([]<-chan claimResult, 20)
	for i := range others {
		others[i] = claimLater(ctx, s, fmt.Sprintf("a:other%02d", i), ids[0])
	}
	allDone := make(chan []claimResult, 1)
	go func() {
		var rs []claimResult
		for _, r := range others {
			rs = append(rs, <-r)
		}
		allDone <- rs
	}()
	var rs []claimResult
	select {
	case rs = <-allDone:
	case <-time.After(patience):
		t.Error("the other readers' claims did not complete while one reader's row was locked")
	}
	select {
	case r := <-locked:
		t.Fatalf("the locked reader's claim returned while its row was locked: %+v", r)
	default:
	}
	lock.release(t)
	if rs == nil {
		rs = <-allDone
	}
	for i, r := range rs {
		if r.err != nil || !r.granted || r.used != 1 {
			t.Errorf("reader %d: %+v; want granted, 1 used", i, r)
		}
	}
	if r := <-locked; r.err != nil || !r.granted || r.used != 2 {
		t.Errorf("the locked reader once released: %+v; want granted, 2 used", r)
	}
	if n := s.FailedClaimBatches(); n != 0 {
		t.Errorf("%d claim batches failed", n)
	}
}

// holdWriter stalls the store's writes: on PostgreSQL it locks the
// reader's count row, on SQLite it takes the file's write lock.
func holdWriter(t *testing.T, engine, url, reader string) (waitForWaiter, release func()) {
	t.Helper()
	if engine == "postgres" {
		l := lockCountRow(t, url, reader)
		return func() { l.waitForWaiter(t) }, func() { l.release(t) }
	}
	db, err := sql.Open("sqlite", "file:"+url[len("sqlite://"):]+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	// A SQLite writer waits for the file's lock without telling anyone:
	// the claims are queued or waiting, which is all the test needs.
	return func() {}, func() {
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
	}
}

// A request that goes away while its claim waits in a batch gets its
// context's error at once, and the other claims commit, in their batch,
// once the database lets them.
func TestClaimOfACancelledRequestFailsNoOtherClaim(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			ctx := context.Background()
			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ids := seedArticles(t, s, 2)
			if ok, _, err := claimRead(ctx, s, "a:leaving", "2026-11", ids[0], 3, time.Now()); err != nil || !ok {
				t.Fatalf("first claim: %v %v", ok, err)
			}
			waitForWaiter, release := holdWriter(t, engine, url, "a:leaving")
			leavingCtx, leave := context.WithCancel(ctx)
			defer leave()
			leaving := claimLater(leavingCtx, s, "a:leaving", ids[1])
			others := make([]<-chan claimResult, 20)
			for i := range others {
				others[i] = claimLater(ctx, s, fmt.Sprintf("a:stay%02d", i), ids[0])
			}
			waitForWaiter()
			leave()
			select {
			case r := <-leaving:
				if !errors.Is(r.err, context.Canceled) {
					t.Errorf("the cancelled request: %+v; want its context's error", r)
				}
			case <-time.After(patience):
				t.Error("the cancelled request did not return until the database let its batch go")
			}
			release()
			for i, r := range others {
				if r := <-r; r.err != nil || !r.granted || r.used != 1 {
					t.Errorf("reader %d: %+v; want granted, 1 used", i, r)
				}
			}
			if n := s.FailedClaimBatches(); n != 0 {
				t.Errorf("%d claim batches failed and were retried claim by claim: the cancellation failed the others' batch", n)
			}
		})
	}
}

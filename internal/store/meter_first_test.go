package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// wantMeter checks a reader's month holds exactly the stories ids and a
// count of used.
func wantMeter(t *testing.T, s *store.Store, reader, month string, used int, ids ...int64) {
	t.Helper()
	ctx := context.Background()
	read, err := s.MeterReads(ctx, reader, month)
	if err != nil || !sameIDs(read, ids) {
		t.Errorf("%s: MeterReads = %v, %v; want %v", reader, read, err, ids)
	}
	if n, err := s.MeterUsed(ctx, reader, month); err != nil || n != used {
		t.Errorf("%s: MeterUsed = %d, %v; want %d", reader, n, err, used)
	}
}

func newReader() string { return "a:" + access.NewReaderID(time.Now()) }

func TestRecordFirstReadsOfManyNewReadersAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 5)
		const readers = 300
		keys := make([]string, readers)
		var wg sync.WaitGroup
		for i := range keys {
			keys[i] = newReader()
			wg.Go(func() {
				if err := s.RecordFirstRead(ctx, keys[i], "2026-11", ids[i%len(ids)], time.Now()); err != nil {
					t.Errorf("reader %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		for i, k := range keys {
			wantMeter(t, s, k, "2026-11", 1, ids[i%len(ids)])
		}
		for _, table := range []string{"meter_reads", "meter_counts"} {
			if n, err := s.QueryString(ctx, `SELECT COUNT(*) FROM `+table); err != nil || n != fmt.Sprint(readers) {
				t.Errorf("%s holds %s rows, %v; want %d", table, n, err, readers)
			}
		}
		if n := s.FailedClaimBatches(); n != 0 {
			t.Errorf("%d batches failed", n)
		}
	})
}

// Batches of any size up to the largest: the inserts come in a few sizes,
// and a batch between two fills the larger with repeats of a row.
func TestRecordFirstReadsInBatchesOfAnySize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ids := seedArticles(t, s, 3)
		for _, size := range []int{1, 2, 5, 13, 100, 193, store.MaxClaimBatch} {
			claims := make([]store.BatchClaim, size)
			for i := range claims {
				claims[i] = store.BatchClaim{Reader: newReader(), Month: "2026-11", ArticleID: ids[i%3], First: true}
			}
			for i, r := range s.CommitClaimBatch(context.Background(), claims, time.Now()) {
				if r.Err != nil || !r.Granted || r.Used != 1 {
					t.Fatalf("batch of %d, first read %d: %+v; want granted, 1 used", size, i, r)
				}
			}
			for _, c := range claims {
				wantMeter(t, s, c.Reader, c.Month, 1, c.ArticleID)
			}
		}
		if n := s.FailedClaimBatches(); n != 0 {
			t.Errorf("%d batches failed", n)
		}
	})
}

// A reader recorded as new that has a meter after all keeps its count:
// a first read never raises it, nor counts a story twice.
func TestRecordFirstReadKeepsAnExistingCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 3)
		for _, id := range ids[:2] {
			if ok, _, err := s.ClaimRead(ctx, "a:known", "2026-11", id, 5, time.Now()); err != nil || !ok {
				t.Fatalf("claim %d: %v %v", id, ok, err)
			}
		}
		for _, id := range []int64{ids[0], ids[2]} {
			if err := s.RecordFirstRead(ctx, "a:known", "2026-11", id, time.Now()); err != nil {
				t.Fatalf("first read of %d: %v", id, err)
			}
		}
		if n, err := s.MeterUsed(ctx, "a:known", "2026-11"); err != nil || n != 2 {
			t.Errorf("MeterUsed = %d, %v; want 2, the count before", n, err)
		}
		if n, err := s.QueryString(ctx, `SELECT COUNT(*) FROM meter_reads WHERE reader = 'a:known' AND article_id = $1`, ids[0]); err != nil || n != "1" {
			t.Errorf("story %d has %s reads, %v; want 1", ids[0], n, err)
		}
	})
}

func TestClaimBatchOfFirstReadsAndClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 4)
		if ok, _, err := s.ClaimRead(ctx, "a:old", "2026-11", ids[0], 2, time.Now()); err != nil || !ok {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		n1, n2, n3 := newReader(), newReader(), newReader()
		batch := []store.BatchClaim{
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[1], Limit: 2},
			{Reader: n1, Month: "2026-11", ArticleID: ids[0], First: true},
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[2], Limit: 2},
			{Reader: n2, Month: "2026-11", ArticleID: ids[3], First: true},
			// A batch claims in story order: this re-read comes first.
			{Reader: "a:old", Month: "2026-11", ArticleID: ids[0], Limit: 2},
			// The same first read twice (a request retried) counts once.
			{Reader: n2, Month: "2026-11", ArticleID: ids[3], First: true},
			// First reads are written before the batch's claims, so a
			// claim of a new reader's second story sees the first.
			{Reader: n3, Month: "2026-11", ArticleID: ids[2], Limit: 3},
			{Reader: n3, Month: "2026-11", ArticleID: ids[1], First: true},
			{Reader: n1, Month: "2026-12", ArticleID: ids[0], First: true},
		}
		want := []store.BatchResult{
			{Granted: true, Used: 2},
			{Granted: true, Used: 1},
			{Granted: false, Used: 2},
			{Granted: true, Used: 1},
			{Granted: true, Used: 1},
			{Granted: true, Used: 1},
			{Granted: true, Used: 2},
			{Granted: true, Used: 1},
			{Granted: true, Used: 1},
		}
		for i, r := range s.CommitClaimBatch(ctx, batch, time.Now()) {
			if r != want[i] {
				t.Errorf("claim %d (%+v): %+v, want %+v", i, batch[i], r, want[i])
			}
		}
		wantMeter(t, s, "a:old", "2026-11", 2, ids[0], ids[1])
		wantMeter(t, s, n1, "2026-11", 1, ids[0])
		wantMeter(t, s, n1, "2026-12", 1, ids[0])
		wantMeter(t, s, n2, "2026-11", 1, ids[3])
		wantMeter(t, s, n3, "2026-11", 2, ids[1], ids[2])
		if n := s.FailedClaimBatches(); n != 0 {
			t.Errorf("%d batches failed", n)
		}
	})
}

// refuseReads makes the database refuse any read of reader, so a batch
// holding one of its claims fails as a whole.
func refuseReads(t *testing.T, s *store.Store, reader string) {
	t.Helper()
	stmts := map[string][]string{
		"sqlite": {`CREATE TRIGGER refuse_reads BEFORE INSERT ON meter_reads
			WHEN NEW.reader = '` + reader + `' BEGIN SELECT RAISE(ABORT, 'read refused'); END`},
		"postgres": {`CREATE FUNCTION refuse_reads() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF NEW.reader = '` + reader + `' THEN RAISE EXCEPTION 'read refused'; END IF;
				RETURN NEW;
			END $$`,
			`CREATE TRIGGER refuse_reads BEFORE INSERT ON meter_reads FOR EACH ROW EXECUTE FUNCTION refuse_reads()`},
	}[s.Engine()]
	for _, q := range stmts {
		if err := s.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// A batch that fails as a whole is retried claim by claim: first reads
// retried alone are recorded, and only the claim at fault fails.
func TestClaimBatchFailingRecordsFirstReadsAlone(t *testing.T) {
	for _, refusedFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("refused claim is a first read=%v", refusedFirst), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				ids := seedArticles(t, s, 3)
				if ok, _, err := s.ClaimRead(ctx, "a:old", "2026-11", ids[0], 3, time.Now()); err != nil || !ok {
					t.Fatalf("first claim: %v %v", ok, err)
				}
				refuseReads(t, s, "a:refused")
				n1, n2 := newReader(), newReader()
				batch := []store.BatchClaim{
					{Reader: n1, Month: "2026-11", ArticleID: ids[0], First: true},
					{Reader: "a:refused", Month: "2026-11", ArticleID: ids[1], Limit: 3, First: refusedFirst},
					{Reader: "a:old", Month: "2026-11", ArticleID: ids[1], Limit: 3},
					{Reader: n2, Month: "2026-11", ArticleID: ids[2], First: true},
				}
				res := s.CommitClaimBatch(ctx, batch, time.Now())
				if n := s.FailedClaimBatches(); n != 1 {
					t.Fatalf("%d batches failed, want 1", n)
				}
				if res[1].Err == nil {
					t.Errorf("the refused claim: %+v, want an error", res[1])
				}
				for i, want := range map[int]store.BatchResult{0: {Granted: true, Used: 1}, 2: {Granted: true, Used: 2}, 3: {Granted: true, Used: 1}} {
					if res[i] != want {
						t.Errorf("claim %d (%+v): %+v, want %+v", i, batch[i], res[i], want)
					}
				}
				wantMeter(t, s, n1, "2026-11", 1, ids[0])
				wantMeter(t, s, n2, "2026-11", 1, ids[2])
				wantMeter(t, s, "a:old", "2026-11", 2, ids[0], ids[1])
				wantMeter(t, s, "a:refused", "2026-11", 0)
			})
		})
	}
}

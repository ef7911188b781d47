package store_test

import (
	"context"
	"slices"
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

// A batch that fails as a whole is retried claim by claim: only the claim
// at fault fails.
func TestClaimBatchFailingRetriesClaimsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := seedArticles(t, s, 3)
		if ok, _, err := claimRead(ctx, s, "a:old", "2026-11", ids[0], 3, time.Now()); err != nil || !ok {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		refuseReads(t, s, "a:refused")
		n1, n2 := newReader(), newReader()
		batch := []store.BatchClaim{
			{Reader: n1, Month: "2026-11", IDs: []int64{ids[0]}, Limit: 3},
			{Reader: "a:refused", Month: "2026-11", IDs: []int64{ids[1]}, Limit: 3},
			{Reader: "a:old", Month: "2026-11", IDs: []int64{ids[1]}, Limit: 3},
			{Reader: n2, Month: "2026-11", IDs: []int64{ids[2], ids[0]}, Limit: 3},
		}
		res := s.CommitClaimBatch(ctx, batch, time.Now())
		if n := s.FailedClaimBatches(); n != 1 {
			t.Fatalf("%d batches failed, want 1", n)
		}
		if res[1].Err == nil {
			t.Errorf("the refused claim: %+v, want an error", res[1])
		}
		for i, want := range map[int]store.BatchResult{0: {Counted: []bool{true}, Used: 1}, 2: {Counted: []bool{true}, Used: 2}, 3: {Counted: []bool{true, true}, Used: 2}} {
			if !slices.Equal(res[i].Counted, want.Counted) || res[i].Used != want.Used || res[i].Err != nil {
				t.Errorf("claim %d (%+v): %+v, want %+v", i, batch[i], res[i], want)
			}
		}
		wantMeter(t, s, n1, "2026-11", 1, ids[0])
		wantMeter(t, s, n2, "2026-11", 2, ids[2], ids[0])
		wantMeter(t, s, "a:old", "2026-11", 2, ids[0], ids[1])
		wantMeter(t, s, "a:refused", "2026-11", 0)
	})
}

package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// BenchmarkClaimRead measures first reads by many readers at once on
// SQLite, the meter's write path. Reader keys are made as the server makes
// them: time-ordered ids insert near the end of the meter's index, while
// arbitrary strings spread over it and cost more than real traffic does.
// cpu-ns/op is the process's CPU time per claim, steadier than ns/op when
// other work shares the machine.
//
//	go test ./internal/store -run '^$' -bench ClaimRead -cpu 2,64
func BenchmarkClaimRead(b *testing.B) {
	s := storetest.Open(b, "sqlite")
	ids := seedArticles(b, s, 50)
	now := time.Now()
	benchWrites(b, func(i int64) error {
		reader := "a:" + access.NewReaderID(time.Now())
		_, _, err := claimRead(context.Background(), s, reader, "2026-11", ids[i%50], 3, now)
		return err
	})
}

// returningReaders makes n readers with one story read each, as a
// returning reader has when they open their second.
func returningReaders(b *testing.B, s *store.Store, n int, ids []int64) []string {
	readers := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				readers[i] = "a:" + access.NewReaderID(time.Now())
				if _, _, err := claimRead(context.Background(), s, readers[i], "2026-11", ids[0], 3, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return readers
}

// BenchmarkClaimReadReturning measures returning readers' second stories
// claimed with the conditional raise.
//
//	go test ./internal/store -run '^$' -bench ClaimRead -cpu 2,64
func BenchmarkClaimReadReturning(b *testing.B) {
	s := storetest.Open(b, "sqlite")
	ids := seedArticles(b, s, 50)
	readers := returningReaders(b, s, b.N, ids)
	now := time.Now()
	benchWrites(b, func(i int64) error {
		ok, _, err := claimRead(context.Background(), s, readers[i], "2026-11", ids[1+i%49], 3, now)
		if err == nil && !ok {
			err = errors.New("a returning reader's second story was refused")
		}
		return err
	})
}

// benchWrites runs write in parallel b.N times, each call with its own
// index from 0, and reports the process's CPU time per write.
func benchWrites(b *testing.B, write func(i int64) error) {
	var n atomic.Int64
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := write(n.Add(1) - 1); err != nil {
				// Fatal belongs to the benchmark's own goroutine, not to
				// RunParallel's: report the error and stop this one.
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkMeterCheck measures the read a refusal rests on when the
// reader's list is not known fresh (see access.RefusalFreshness): the
// month's count and stories of a reader at the limit.
//
//	go test ./internal/store -run '^$' -bench MeterCheck
func BenchmarkMeterCheck(b *testing.B) {
	s := storetest.Open(b, "sqlite")
	ids := seedArticles(b, s, 4)
	ctx := context.Background()
	for _, id := range ids[:3] {
		if _, _, err := claimRead(ctx, s, "a:full", "2026-11", id, 3, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if used, counted, err := s.MeterList(ctx, "a:full", "2026-11"); err != nil || used != 3 || len(counted) != 3 {
				b.Errorf("MeterList = %d, %v, %v; want 3 stories", used, counted, err)
				return
			}
		}
	})
}

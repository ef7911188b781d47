package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/access"
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
	var n atomic.Int64
	now := time.Now()
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			reader := "a:" + access.NewReaderID(time.Now())
			if _, _, err := s.ClaimRead(context.Background(), reader, "2026-11", ids[i%50], 3, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRecordFirstRead measures the same first reads as
// BenchmarkClaimRead, written as a new reader's (RecordFirstRead): a
// batch's first reads go in one statement per table.
//
//	go test ./internal/store -run '^$' -bench 'ClaimRead|FirstRead' -cpu 2,64
func BenchmarkRecordFirstRead(b *testing.B) {
	s := storetest.Open(b, "sqlite")
	ids := seedArticles(b, s, 50)
	var n atomic.Int64
	now := time.Now()
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			reader := "a:" + access.NewReaderID(time.Now())
			if err := s.RecordFirstRead(context.Background(), reader, "2026-11", ids[i%50], now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

package store_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/store/storetest"
)

// BenchmarkClaimRead measures first reads by many readers at once on
// SQLite, the meter's write path.
//
//	go test ./internal/store -run '^$' -bench ClaimRead -cpu 2,64
func BenchmarkClaimRead(b *testing.B) {
	s := storetest.Open(b, "sqlite")
	ids := seedArticles(b, s, 50)
	var n atomic.Int64
	now := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, _, err := s.ClaimRead(context.Background(), "a:"+strconv.FormatInt(i, 10), "2026-11", ids[i%50], 3, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package archive_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"broadsheet/internal/archive"
	"broadsheet/internal/markup"
	"broadsheet/internal/store/storetest"
)

// BenchmarkImportSQLite and BenchmarkImportPostgres import a generated
// archive of b.N stories (about 3 KB each) and report stories per second,
// parsing and sanitizing included:
//
//	go test ./internal/archive -run '^$' -bench Import -benchtime 20000x
func BenchmarkImportSQLite(b *testing.B) { benchImport(b, "sqlite") }

func BenchmarkImportPostgres(b *testing.B) { benchImport(b, "postgres") }

func benchImport(b *testing.B, engine string) {
	var file bytes.Buffer
	opts := archive.GenOptions{Stories: b.N, Since: 1997, Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Seed: 1}
	if err := archive.Generate(&file, opts); err != nil {
		b.Fatal(err)
	}
	s := storetest.Open(b, engine)
	im := &archive.Importer{Store: s, Markup: markup.New(), Now: time.Now}
	b.ResetTimer()
	start := time.Now()
	p, err := im.Run(context.Background(), bytes.NewReader(file.Bytes()), "bench")
	if err != nil || p.Bad > 0 || p.Created != b.N {
		b.Fatalf("%+v %v", p, err)
	}
	b.ReportMetric(float64(p.Created)/time.Since(start).Seconds(), "stories/s")
}

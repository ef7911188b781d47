package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	lite, err := store.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, lite[i].Name, pg[i].Name)
		}
	}
}

func TestMigrateTwiceIsANoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

// A database made before migration 0002 keeps its meter: the rows of the
// rebuilt tables survive, and claims go on from them.
func TestMeterRowsSurviveMigration0002(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			old, err := store.OpenAtVersion(ctx, url, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO meter_reads (reader, month, article_id, read_at) VALUES
					('a:old', '2026-11', 1, '2026-11-02 10:00:00+00:00'),
					('a:old', '2026-11', 2, '2026-11-03 10:00:00+00:00'),
					('u:9', '2026-10', 1, '2026-10-05 10:00:00+00:00')`,
				`INSERT INTO meter_counts (reader, month, n) VALUES ('a:old', '2026-11', 2), ('u:9', '2026-10', 1)`,
			} {
				if err := old.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			old.Close()

			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			defer s.Close()
			if engine == "sqlite" {
				for _, table := range []string{"meter_reads", "meter_counts"} {
					ddl, err := s.QueryString(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1`, table)
					if err != nil || !strings.Contains(ddl, "WITHOUT ROWID") {
						t.Errorf("%s after 0002: %q, %v; want a WITHOUT ROWID table", table, ddl, err)
					}
				}
			}
			if n, err := s.QueryString(ctx, `SELECT COUNT(*) FROM meter_reads`); err != nil || n != "3" {
				t.Errorf("meter_reads holds %s rows, %v; want 3", n, err)
			}
			if read, err := s.MeterReads(ctx, "a:old", "2026-11"); err != nil || !sameIDs(read, []int64{1, 2}) {
				t.Errorf("MeterReads(a:old) = %v, %v; want [1 2]", read, err)
			}
			if used, err := s.MeterUsed(ctx, "u:9", "2026-10"); err != nil || used != 1 {
				t.Errorf("MeterUsed(u:9) = %d, %v; want 1", used, err)
			}
			// The month's limit is 2 and both stories are counted: a re-read
			// is granted and a new story refused, as before the migration.
			if ok, used, err := claimRead(ctx, s, "a:old", "2026-11", 2, 2, time.Now()); err != nil || !ok || used != 2 {
				t.Errorf("re-read after migration: %v %d %v; want granted, 2", ok, used, err)
			}
			if ok, used, err := claimRead(ctx, s, "a:old", "2026-11", 3, 2, time.Now()); err != nil || ok || used != 2 {
				t.Errorf("new story at the limit after migration: %v %d %v; want refused, 2", ok, used, err)
			}
			if ok, used, err := claimRead(ctx, s, "a:old", "2026-11", 3, 3, time.Now()); err != nil || !ok || used != 3 {
				t.Errorf("new story under a raised limit: %v %d %v; want granted, 3", ok, used, err)
			}
		})
	}
}

package store_test

import (
	"context"
	"testing"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// eachMigratedFrom runs check, on each engine, against a database that was
// at version, where seed wrote what an older release would have, and was
// then migrated to the newest version.
func eachMigratedFrom(t *testing.T, version int, seed func(t *testing.T, ctx context.Context, old *store.Store),
	check func(t *testing.T, ctx context.Context, s *store.Store)) {
	t.Helper()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			old, err := store.OpenAtVersion(ctx, url, version)
			if err != nil {
				t.Fatal(err)
			}
			seed(t, ctx, old)
			old.Close()
			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			defer s.Close()
			check(t, ctx, s)
		})
	}
}

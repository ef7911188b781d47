package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// Two servers on one SQLite file would each believe they are the meter's
// only writer. flock belongs to an open file, so a second Open in the same
// process conflicts exactly as a second process does.
func TestLockRefusesSecondServer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "broadsheet.db")
	url := "sqlite://" + path
	first, err := store.Open(ctx, url, store.Exclusive("broadsheet demo"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(ctx, url, store.Exclusive("broadsheet serve"))
	if err == nil {
		second.Close()
		t.Fatal("a second server opened a database another one serves")
	}
	var locked *store.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second open: %v, want a *LockedError", err)
	}
	host, _ := os.Hostname()
	if locked.Holder.PID != os.Getpid() || locked.Holder.Command != "broadsheet demo" || locked.Holder.Host != host {
		t.Errorf("holder = %+v, want this process running broadsheet demo on %s", locked.Holder, host)
	}
	for _, want := range []string{path + " is served by pid", "(broadsheet demo) on host " + host, "stop it first"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := store.Open(ctx, url, store.Exclusive("broadsheet migrate")); !errors.As(err, &locked) {
		t.Errorf("migrate beside a server: %v, want a *LockedError", err)
	}

	// A command that only adds an account may run beside the server.
	beside, err := store.Open(ctx, url, store.BesideServer("broadsheet user create"))
	if err != nil {
		t.Fatalf("user create beside a server: %v", err)
	}
	if err := beside.Close(); err != nil {
		t.Fatal(err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := store.Open(ctx, url, store.Exclusive("broadsheet serve"))
	if err != nil {
		t.Fatalf("open after the server stopped: %v", err)
	}
	again.Close()
}

// A command run beside a server must not migrate under it: when this
// binary has migrations the database lacks, it is refused and changes
// nothing.
func TestLockBesideServerRefusesToMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "broadsheet.db")
	url := "sqlite://" + path
	server, err := store.Open(ctx, url, store.Exclusive("broadsheet serve"))
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	list, err := store.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	last := list[len(list)-1]
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Pretend the database predates this binary's newest migration.
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = $1`, last.Version); err != nil {
		t.Fatal(err)
	}
	beside, err := store.Open(ctx, url, store.BesideServer("broadsheet user create"))
	if err == nil {
		beside.Close()
		t.Fatal("user create migrated the schema under a running server")
	}
	if !strings.Contains(err.Error(), "is served by pid") || !strings.Contains(err.Error(), last.Name) {
		t.Errorf("error %q does not name the server and the pending migration", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, last.Version).Scan(&n); err != nil || n != 0 {
		t.Errorf("migration %s recorded %d times (err %v), want untouched", last.Name, n, err)
	}
}

// PostgreSQL is shared by several instances: Exclusive takes no lock there.
func TestLockNoneOnPostgres(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t, "postgres")
	a, err := store.Open(ctx, url, store.Exclusive("broadsheet serve"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, url, store.Exclusive("broadsheet serve"))
	if err != nil {
		t.Fatalf("second instance on PostgreSQL: %v", err)
	}
	b.Close()
}

// The lock sits beside one name of the file: a hard link under another
// name would let a second server open the same database beside the first.
func TestLockRefusesAHardLinkedDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "broadsheet.db")
	first, err := store.Open(ctx, "sqlite://"+path, store.Exclusive("broadsheet demo"))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	other := filepath.Join(dir, "other.db")
	if err := os.Link(path, other); err != nil {
		t.Skipf("hard links unavailable here: %v", err)
	}
	second, err := store.Open(ctx, "sqlite://"+other, store.Exclusive("broadsheet serve"))
	if err == nil {
		second.Close()
		t.Fatal("a second server opened the database through a hard link")
	}
	if !strings.Contains(err.Error(), "hard link") {
		t.Errorf("error %q does not say why", err)
	}
}

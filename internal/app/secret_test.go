package app_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"broadsheet/internal/app"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/store/storetest"
)

// secretApp starts an app on cfg, closed when the test ends.
func secretApp(t *testing.T, cfg *config.Config) (*app.App, error) {
	t.Helper()
	a, err := startApp(cfg)
	if err == nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

func startApp(cfg *config.Config) (*app.App, error) {
	return app.New(context.Background(), cfg, clock.NewManual(apptest.Start), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// PostgreSQL instances must be given a shared secret: without one, or with
// a weak one, the process refuses to start and says how to make one.
func TestSecretPostgresRefusesToStartWithout(t *testing.T) {
	url := storetest.URL(t, "postgres")
	for _, secret := range []string{"", "short"} {
		_, err := secretApp(t, &config.Config{Addr: ":0", DatabaseURL: url, BaseURL: "http://localhost", Secret: secret})
		if err == nil || !strings.Contains(err.Error(), "BROADSHEET_SECRET") || !strings.Contains(err.Error(), config.MakeSecret) {
			t.Errorf("start on PostgreSQL with secret %q: %v; want a refusal saying how to make one", secret, err)
		}
	}
	if _, err := secretApp(t, &config.Config{Addr: ":0", DatabaseURL: url, BaseURL: "http://localhost", Secret: apptest.Secret}); err != nil {
		t.Errorf("start on PostgreSQL with a strong secret: %v", err)
	}
}

// On SQLite without BROADSHEET_SECRET the key is made once and kept in a
// file only this user can read, beside the database and never in it; a
// restart keeps it, so readers' cookies stay good.
func TestSecretSQLiteKeptInAFile(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db", "broadsheet.db")
	cfg := &config.Config{Addr: ":0", DataDir: dir, DatabaseURL: "sqlite://" + dbPath, BaseURL: "http://localhost"}
	first, err := startApp(cfg) // closed below, to restart
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "db", "secret")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no secret file beside the database: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("secret file mode %o, want 600", perm)
	}
	data, _ := os.ReadFile(path)
	secret := strings.TrimSpace(string(data))
	if len(secret) != 64 {
		t.Errorf("secret file holds %q, want 64 hex digits", secret)
	}
	cookie := readerCookie(t, first.Handler(), nil)
	if cookie == nil {
		t.Fatal("no reader cookie issued")
	}
	first.Close()

	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM settings WHERE key LIKE 'secret:%' OR value = $1`, secret).Scan(&n); err != nil || n != 0 {
		t.Errorf("settings rows holding a secret: %d, %v; want none", n, err)
	}

	again, err := secretApp(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if data2, _ := os.ReadFile(path); string(data2) != string(data) {
		t.Error("the secret file changed on restart")
	}
	if fresh := readerCookie(t, again.Handler(), cookie); fresh != nil {
		t.Error("after a restart the reader's cookie was not recognised and a new one was issued")
	}
}

// With the secret given, as every test site and every PostgreSQL instance
// has it, the settings table holds none either.
func TestSecretNotInSettingsTable(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			site := apptest.NewSiteOn(t, url, true)
			if readerCookie(t, site.App.Handler(), nil) == nil {
				t.Fatal("no reader cookie issued")
			}
			driver, dsn := "pgx", url
			if engine == "sqlite" {
				driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite://")
			}
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM settings WHERE key LIKE 'secret:%' OR value = $1`, apptest.Secret).Scan(&n); err != nil || n != 0 {
				t.Errorf("settings rows holding a secret: %d, %v; want none", n, err)
			}
		})
	}
}

// readerCookie fetches the front page, sending sent if given, and returns
// the reader cookie the answer sets, if any.
func readerCookie(t *testing.T, h http.Handler, sent *http.Cookie) *http.Cookie {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if sent != nil {
		req.AddCookie(sent)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: status %d", rec.Code)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "bs_reader" {
			return c
		}
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"broadsheet/internal/store/storetest"
)

var (
	importBinOnce sync.Once
	importBin     string
	importBinErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if importBin != "" {
		os.RemoveAll(filepath.Dir(importBin))
	}
	os.Exit(code)
}

// buildImportBin builds the binary once for the import tests.
func buildImportBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	importBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "broadsheet-import-test")
		if err != nil {
			importBinErr = err
			return
		}
		importBin = filepath.Join(dir, "broadsheet")
		if out, err := exec.Command("go", "build", "-o", importBin, ".").CombinedOutput(); err != nil {
			importBinErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if importBinErr != nil {
		t.Fatal(importBinErr)
	}
	return importBin
}

func importEnv(t *testing.T) []string {
	return append(os.Environ(), "BROADSHEET_DATA="+t.TempDir(), "BROADSHEET_DB=",
		"BROADSHEET_SECRET="+strings.Repeat("0123456789abcdef", 4))
}

// runBin runs the binary to its end and returns its output and exit code.
func runBin(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = importEnv(t)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("broadsheet %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

func openDB(t *testing.T, engine, dbURL string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", dbURL
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite://")+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

func jsonLine(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// The import exits non-zero when a line was bad, naming each by number
// and reason on standard error; the good lines are in.
func TestImportCommandBadLines(t *testing.T) {
	bin := buildImportBin(t)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			good := map[string]any{"id": "g1", "headline": "Good story", "body": "Text.", "section": "News",
				"published_at": "2001-05-06T07:08:09+05:30", "access": "free"}
			file := filepath.Join(t.TempDir(), "mixed.jsonl")
			content := jsonLine(t, good) + "{not json\n" + jsonLine(t, map[string]any{"id": "g2", "headline": "No date", "body": "x", "section": "News"})
			good["id"], good["headline"] = "g3", "Another good story"
			content += jsonLine(t, good)
			if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runBin(t, bin, "import", "--db", dbURL, file)
			if code == 0 {
				t.Fatalf("exit 0 with bad lines\n%s\n%s", out, errOut)
			}
			for _, want := range []string{"line 2: bad JSON", "line 3: missing published_at", "2 bad lines"} {
				if !strings.Contains(errOut+out, want) {
					t.Errorf("output lacks %q:\n%s\n%s", want, out, errOut)
				}
			}
			if !strings.Contains(out, "2 stories imported (2 new, 0 updated)") {
				t.Errorf("summary: %s", out)
			}
			db := openDB(t, engine, dbURL)
			if n := queryInt(t, db, `SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`); n != 2 {
				t.Fatalf("%d stories imported, want 2", n)
			}
			// A good file from standard input exits 0.
			cmd := exec.Command(bin, "import", "--db", dbURL, "-")
			cmd.Env = importEnv(t)
			good["id"], good["headline"] = "g4", "From standard input"
			cmd.Stdin = strings.NewReader(jsonLine(t, good))
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("import -: %v\n%s", err, b)
			}
			if n := queryInt(t, db, `SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`); n != 3 {
				t.Fatalf("%d stories imported, want 3", n)
			}
		})
	}
}

// An import killed with SIGKILL in the middle and run again finishes the
// file: every story is in once, none twice (one revision and one change
// each), and the second run says where it resumed.
func TestImportKilledResumes(t *testing.T) {
	bin := buildImportBin(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "archive.jsonl")
	const stories = 6000
	if _, errOut, code := runBin(t, bin, "gen-archive", "--stories", "6000", "--since", "1997", "--seed", "3", "--out", file); code != 0 {
		t.Fatalf("gen-archive: %s", errOut)
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			// Migrate first, so the progress table is there to watch.
			if _, errOut, code := runBin(t, bin, "migrate", "--db", dbURL); code != 0 {
				t.Fatalf("migrate: %s", errOut)
			}
			db := openDB(t, engine, dbURL)
			cmd := exec.Command(bin, "import", "--batch", "100", "--db", dbURL, file)
			cmd.Env = importEnv(t)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(2 * time.Minute)
			for queryInt(t, db, `SELECT MAX(line) FROM import_progress`) < 300 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("no batch committed in time:\n%s", out.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			done := queryInt(t, db, `SELECT MAX(line) FROM import_progress`)
			in := queryInt(t, db, `SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`)
			if done >= stories || in >= stories {
				t.Fatalf("the kill came after the end (line %d, %d stories): the test proves nothing", done, in)
			}
			if in != done {
				t.Fatalf("%d stories in and progress at line %d: they commit together", in, done)
			}
			t.Logf("killed at line %d", done)

			resumeAll(t, bin, engine, dbURL, file, "100", stories)
		})
	}
}

// On PostgreSQL a batch's stories go to the server by COPY: an import
// killed while it copies has nothing of that batch in, and the next run
// resumes at that batch and imports everything once, search included.
func TestImportKilledInCopyResumes(t *testing.T) {
	bin := buildImportBin(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "archive.jsonl")
	const stories = 4000
	if _, errOut, code := runBin(t, bin, "gen-archive", "--stories", "4000", "--since", "1997", "--seed", "5", "--out", file); code != 0 {
		t.Fatalf("gen-archive: %s", errOut)
	}
	dbURL := storetest.URL(t, "postgres")
	if _, errOut, code := runBin(t, bin, "migrate", "--db", dbURL); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	db := openDB(t, "postgres", dbURL)
	// The import's connections are told from others' by their name.
	app := "import-copy-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cmd := exec.Command(bin, "import", "--batch", "500", "--db", dbURL+"&application_name="+app, file)
	cmd.Env = importEnv(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	// A kill in a copy after the first batch committed: a resume has
	// something to skip and something to do.
	for queryInt(t, db, `SELECT MAX(line) FROM import_progress`) < 500 ||
		queryInt(t, db, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '`+app+`'
			AND state = 'active' AND query ILIKE 'copy%'`) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no copy seen in time:\n%s", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	done := queryInt(t, db, `SELECT MAX(line) FROM import_progress`)
	in := queryInt(t, db, `SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`)
	if done >= stories || in != done || done%500 != 0 {
		t.Fatalf("killed in a copy: %d stories in, progress at line %d", in, done)
	}
	t.Logf("killed in a copy after line %d", done)
	resumeAll(t, bin, "postgres", dbURL, file, "500", stories)
}

// resumeAll runs the import of file again after a kill, and checks that
// every story of it is in once, with all that goes with it.
func resumeAll(t *testing.T, bin, engine, dbURL, file, batch string, stories int64) {
	t.Helper()
	db := openDB(t, engine, dbURL)
	stdout, errOut, code := runBin(t, bin, "import", "--batch", batch, "--db", dbURL, file)
	if code != 0 {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, stdout, errOut)
	}
	if !strings.Contains(stdout, "resumed after line") {
		t.Errorf("re-run does not say it resumed:\n%s", stdout)
	}
	// Every story is in the search index.
	searched := `SELECT COUNT(*) FROM articles WHERE length(search) > 0`
	if engine == "sqlite" {
		searched = `SELECT COUNT(*) FROM article_search`
	}
	for q, want := range map[string]int64{
		searched: stories,
		`SELECT COUNT(*) FROM articles WHERE import_id IS NOT NULL`:                                   stories,
		`SELECT COUNT(DISTINCT import_id) FROM articles`:                                              stories,
		`SELECT COUNT(*) FROM article_revisions r JOIN articles a ON a.id = r.article_id`:             stories,
		`SELECT MAX(revision) FROM articles`:                                                          1,
		`SELECT COUNT(*) FROM content_changes WHERE kind = 'saved'`:                                   stories,
		`SELECT COUNT(*) FROM import_redirects`:                                                       stories,
		`SELECT MAX(line) FROM import_progress`:                                                       stories,
		`SELECT COUNT(*) FROM (SELECT article_id FROM article_authors GROUP BY article_id) x`:         stories,
		`SELECT COUNT(*) FROM (SELECT slug FROM articles GROUP BY slug HAVING COUNT(*) > 1) x`:        0,
		`SELECT COUNT(*) FROM (SELECT name_key FROM authors GROUP BY name_key HAVING COUNT(*) > 1) x`: 0,
	} {
		if got := queryInt(t, db, q); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
}

// Over HTTP against a running server: an imported story's old address
// redirects (301) to it, an unknown one is not found, and a story imported
// again with a new headline is served anew by the server that had it.
func TestImportedStoryOverHTTP(t *testing.T) {
	bin := buildImportBin(t)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			dir := t.TempDir()
			story := map[string]any{"id": 4242, "headline": "Monsoon arrives early", "slug": "monsoon-1998",
				"body": "<p>The rains came.</p>", "format": "html", "section": "News", "access": "free",
				"published_at": "1998-06-01T06:00:00Z", "url": "http://old.example.com/news/1998/06/01/monsoon.html?x=1"}
			v1 := filepath.Join(dir, "v1.jsonl")
			os.WriteFile(v1, []byte(jsonLine(t, story)), 0o644)
			if out, errOut, code := runBin(t, bin, "import", "--db", dbURL, v1); code != 0 {
				t.Fatalf("import: %s %s", out, errOut)
			}
			base := startServer(t, bin, dbURL)
			noFollow := &http.Client{Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noFollow.Get(base + "/news/1998/06/01/monsoon.html")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/article/monsoon-1998" {
				t.Fatalf("old address: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, err = noFollow.Get(base + "/news/1998/06/01/no-such-story.html")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("unknown address: %d", resp.StatusCode)
			}
			// A 1998 story is in the archive: a visitor sees its headline and the archive's paywall.
			if page := get(t, base+"/news/1998/06/01/monsoon.html"); !strings.Contains(page, "Monsoon arrives early") ||
				!strings.Contains(page, `content="`+base+`/article/monsoon-1998"`) {
				t.Fatalf("the redirect does not reach the story:\n%.500s", page)
			}
			// The server now holds the story; a re-import changes it.
			story["headline"] = "Monsoon arrives a week early"
			v2 := filepath.Join(dir, "v2.jsonl")
			os.WriteFile(v2, []byte(jsonLine(t, story)), 0o644)
			if out, errOut, code := runBin(t, bin, "import", "--db", dbURL, v2); code != 0 || !strings.Contains(out, "1 updated") {
				t.Fatalf("re-import: %s %s", out, errOut)
			}
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(get(t, base+"/article/monsoon-1998"), "Monsoon arrives a week early") {
				if time.Now().After(deadline) {
					t.Fatal("the running server never served the re-imported headline")
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// startServer serves the database and waits until it answers.
func startServer(t *testing.T, bin, dbURL string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--db", dbURL, "--addr", addr)
	cmd.Env = importEnv(t)
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer: %v\n%s", err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

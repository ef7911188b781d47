package store_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"broadsheet/internal/archive"
)

// BenchmarkSQLiteFloor measures what SQLite itself sustains for an
// archive import, with none of the importer's work: generated stories'
// headline, standfirst and body (about 3 KB) inserted in transactions of
// 1,000, into a plain table, into a contentless FTS5 index with the search
// index's tokenizer (migration 0037), and into both, on one connection as
// the importer's single writer. It reports stories a second: the ceiling
// of any import into SQLite on the machine. b.N is the number of stories.
//
//	go test ./internal/store -run '^$' -bench SQLiteFloor -benchtime 20000x
func BenchmarkSQLiteFloor(b *testing.B) {
	for _, into := range []string{"table", "index", "both"} {
		b.Run(into, func(b *testing.B) {
			stories := generatedStories(b, b.N)
			db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "floor.db")+"?_pragma=journal_mode(wal)&_pragma=synchronous(normal)")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			for _, ddl := range []string{
				`CREATE TABLE t (id INTEGER PRIMARY KEY, headline TEXT, summary TEXT, body TEXT)`,
				`CREATE VIRTUAL TABLE s USING fts5(headline, summary, body, content='', contentless_delete=1,
					tokenize="unicode61 remove_diacritics 0 categories 'L* N* Co M*'")`,
			} {
				if _, err := db.Exec(ddl); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			for from := 0; from < len(stories); from += 1000 {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				for i := from; i < min(from+1000, len(stories)); i++ {
					r := stories[i]
					if into != "index" {
						if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?, ?, ?)`, i+1, r.Headline, r.Standfirst, r.Body); err != nil {
							b.Fatal(err)
						}
					}
					if into != "table" {
						if _, err := tx.Exec(`INSERT INTO s (rowid, headline, summary, body) VALUES (?, ?, ?, ?)`, i+1, r.Headline, r.Standfirst, r.Body); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(stories))/time.Since(start).Seconds(), "stories/s")
		})
	}
}

// generatedStories returns the first n stories gen-archive writes.
func generatedStories(b *testing.B, n int) []archive.Record {
	var stories []archive.Record
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(archive.Generate(pw, archive.GenOptions{Stories: n, Since: 1997, Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Seed: 1}))
	}()
	for dec := json.NewDecoder(pr); ; {
		var r archive.Record
		if err := dec.Decode(&r); err == io.EOF {
			return stories
		} else if err != nil {
			b.Fatal(err)
		}
		stories = append(stories, r)
	}
}

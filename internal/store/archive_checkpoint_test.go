package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/content"
)

// On SQLite an import's log is copied into the database file beside the
// writer, and once past its limit is written from its start again, so it
// stays about the limit long however long the archive; unchecked, it
// would hold every page the import wrote. (PostgreSQL keeps its own log.)
func TestImportKeepsSQLiteLogShort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "broadsheet.db")
	s, err := Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	w, err := s.NewArchiveImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 500 // frames: 2 MB
	w.ckpt.limit = limit
	body := strings.Repeat("Words of an archived story, set down long ago. ", 60)
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for b := range 20 {
		var batch []*ImportStory
		for i := range 100 {
			n := b*100 + i
			a := &content.Article{Headline: fmt.Sprintf("Story %d", n), Slug: fmt.Sprintf("story-%d", n), Body: body,
				Format: content.Markdown, SectionSlug: "news", Access: content.Metered, Status: content.StatusPublished,
				PublishedAt: at.AddDate(0, 0, -n)}
			st, err := PrepareImport(&content.Imported{Article: a, SourceID: fmt.Sprint(n), Section: "News"})
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, st)
		}
		if _, err := w.Write(ctx, "log", int64(b+1)*100, 0, batch, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("log %d bytes, database %d", wal.Size(), db.Size())
	// The log is let grow past the limit by a batch or two at most.
	if max := int64(3 * limit * 4096); wal.Size() > max || wal.Size() > db.Size()/2 {
		t.Fatalf("log of %d bytes for a database of %d", wal.Size(), db.Size())
	}
}

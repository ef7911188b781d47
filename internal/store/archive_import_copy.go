package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL a batch's rows go to the server by COPY, streamed: the
// server takes in rows while the next are encoded, and a batch's stories
// reach it in one statement rather than ten. COPY cannot skip a row whose
// slug is taken, so the new stories are copied to a table of the
// transaction's own (dropped when it ends, committed or not), then
// inserted from it.

// inImportTx runs fn in a write transaction, as Store.inTx does; on
// PostgreSQL on a connection of its own, which fn may copy through.
func (im *ArchiveImport) inImportTx(ctx context.Context, fn func(tx *sql.Tx, conn *sql.Conn) error) error {
	if im.s.SingleWriter() {
		return im.s.inTx(ctx, func(tx *sql.Tx) error { return fn(tx, nil) })
	}
	conn, err := im.s.w.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(tx, conn); err != nil {
		tx.Rollback()
		return err
	}
	return mapErr(tx.Commit())
}

// copyRows copies rows into table's columns, in the transaction.
func (w *importTx) copyRows(table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return mapErr(w.conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(w.ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	}))
}

// stagedColumns are the columns of the new stories' table: those a new
// imported story's row sets, and the story's place in the batch.
var stagedColumns = []string{"slug", "headline", "summary", "body", "section_id", "author", "access_level",
	"published_at", "updated_at", "status", "body_format", "body_html", "import_id", "ord"}

// stageArticles copies rows (stagedColumns) to the transaction's table of
// new stories, made empty first.
func (w *importTx) stageArticles(rows [][]any) error {
	if !w.staged {
		// Bodies are stored as they come, not compressed, for they are
		// read back once, at once.
		for _, q := range []string{
			`CREATE TEMPORARY TABLE import_articles ON COMMIT DROP AS
			SELECT slug, headline, summary, body, section_id, author, access_level, published_at, updated_at,
				status, body_format, body_html, import_id, 0 AS ord FROM articles WITH NO DATA`,
			`ALTER TABLE import_articles ALTER COLUMN body SET STORAGE EXTERNAL,
				ALTER COLUMN body_html SET STORAGE EXTERNAL`,
		} {
			if _, err := w.tx.ExecContext(w.ctx, q); err != nil {
				return mapErr(err)
			}
		}
		w.staged = true
	} else if _, err := w.tx.ExecContext(w.ctx, `TRUNCATE import_articles`); err != nil {
		return mapErr(err)
	}
	return w.copyRows("import_articles", stagedColumns, rows)
}

// sqlInsertStaged inserts the staged stories, in their order, but those
// whose slug is taken.
const sqlInsertStaged = `INSERT INTO articles (slug, headline, summary, body, section_id, author, access_level,
	published_at, updated_at, status, body_format, body_html, import_id)
	SELECT slug, headline, summary, body, section_id, author, access_level,
		published_at, updated_at, status, body_format, body_html, import_id
	FROM import_articles ORDER BY ord
	ON CONFLICT (slug) DO NOTHING RETURNING id, import_id`

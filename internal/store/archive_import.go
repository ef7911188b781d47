package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"broadsheet/internal/content"
)

// An archive import writes stories in batches, each in one transaction
// with the file's progress, through the columns the newsroom writes (so
// triggers and indexes on articles see an imported story as any other),
// with its authors and tags linked, a first revision, and a change in the
// content change log per story: a running server drops its copy of that
// story alone. Rows of a kind are written many to a statement.

// ArchiveImport writes an import's batches. It remembers the sections,
// authors and tags it has met, so a batch looks up only new ones. It is
// not safe for concurrent use; Close ends it.
type ArchiveImport struct {
	s        *Store
	sections map[string]int64          // slug → id
	authors  map[string]content.Author // name key → author
	tags     map[string]content.Tag    // slug → tag
	sqls     map[string]string         // bulk statements by shape
	ckpt     *importCheckpointer       // SQLite's, when this import runs one
}

// NewArchiveImport starts an import. On SQLite it gives the write
// connection room to hold a batch's pages until it commits, so that a page
// written by many stories of a batch (an index's, the headline index's) is
// written to the log once rather than once per spill, and keeps a
// statement's undo pages in memory rather than in a temporary file. The
// log is copied into the database file from another connection after each
// batch commits, beside the writer rather than inside its commit (as a
// server's checkpointer does; a server running beside this import does its
// own).
func (s *Store) NewArchiveImport(ctx context.Context) (*ArchiveImport, error) {
	im := &ArchiveImport{s: s, sections: map[string]int64{}, authors: map[string]content.Author{},
		tags: map[string]content.Tag{}, sqls: map[string]string{}}
	if s.SingleWriter() {
		pragmas := []string{`PRAGMA cache_size = -131072`, `PRAGMA temp_store = MEMORY`}
		if s.ckpt == nil {
			pragmas = append(pragmas, `PRAGMA wal_autocheckpoint = 0`)
		}
		for _, pragma := range pragmas {
			if _, err := s.w.ExecContext(ctx, pragma); err != nil {
				return nil, err
			}
		}
		if s.ckpt == nil {
			im.ckpt = startImportCheckpointer(s.r, importLogLimit)
		}
	}
	return im, nil
}

// Close ends the import: on SQLite it waits for the checkpoint under way
// and gives the log back to SQLite's own checkpoints.
func (im *ArchiveImport) Close() error {
	if im.ckpt == nil {
		return nil
	}
	im.ckpt.close()
	im.ckpt = nil
	_, err := im.s.w.ExecContext(context.Background(), `PRAGMA wal_autocheckpoint = 16384`)
	return err
}

// ImportCounts says what a batch did.
type ImportCounts struct {
	Created, Updated int
}

// ImportProgress returns how far the import of the file whose content
// has the SHA-256 hash committed: its last line and the lines refused up
// to there; 0, 0 for a file never imported.
func (s *Store) ImportProgress(ctx context.Context, hash string) (line int64, bad int, err error) {
	err = s.w.QueryRowContext(ctx, `SELECT line, bad FROM import_progress WHERE file_hash = $1`, hash).Scan(&line, &bad)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return line, bad, err
}

// Write stores batch in one transaction, with the file's progress: every
// line through the line through is done, bad of them refused. A story
// whose SourceID is stored already is updated (a revision more), any
// other created; a slug taken by another story gets the source id, then
// a number, added. hash "" records no progress (a standard input).
func (im *ArchiveImport) Write(ctx context.Context, hash string, through int64, bad int, batch []*ImportStory, at time.Time) (ImportCounts, error) {
	at = at.UTC().Truncate(time.Microsecond)
	w := &importTx{im: im, ctx: ctx, at: at, stmts: map[string]*sql.Stmt{},
		sections: map[string]int64{}, authors: map[string]content.Author{}, tags: map[string]content.Tag{}}
	undo := make([]func(), len(batch))
	for i, st := range batch {
		undo[i] = undoOnRollback(st.Article)
	}
	im.ckpt.beforeBatch()
	err := im.inImportTx(ctx, func(tx *sql.Tx, conn *sql.Conn) error {
		w.tx, w.conn = tx, conn
		defer w.closeStmts()
		for _, round := range rounds(batch) {
			if err := w.round(round); err != nil {
				return err
			}
		}
		if hash == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO import_progress (file_hash, line, bad, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (file_hash) DO UPDATE SET line = excluded.line, bad = excluded.bad, updated_at = excluded.updated_at`,
			hash, through, bad, at)
		return err
	})
	if err != nil {
		for _, u := range undo {
			u()
		}
		return ImportCounts{}, err
	}
	im.ckpt.committed()
	// Only rows committed are remembered.
	for k, v := range w.sections {
		im.sections[k] = v
	}
	for k, v := range w.authors {
		im.authors[k] = v
	}
	for k, v := range w.tags {
		im.tags[k] = v
	}
	return w.counts, nil
}

// rounds splits a batch where a story comes again: its second coming
// updates what the first created, so it is written after it.
func rounds(batch []*ImportStory) [][]*ImportStory {
	var out [][]*ImportStory
	seen := map[string]bool{}
	start := 0
	for i, st := range batch {
		if seen[st.SourceID] {
			out = append(out, batch[start:i])
			start, seen = i, map[string]bool{}
		}
		seen[st.SourceID] = true
	}
	return append(out, batch[start:])
}

// importTx is one batch's transaction.
type importTx struct {
	im     *ArchiveImport
	ctx    context.Context
	tx     *sql.Tx
	conn   *sql.Conn // tx's, to copy through on PostgreSQL; nil on SQLite
	staged bool      // the table of new stories to insert is made
	at     time.Time
	stmts  map[string]*sql.Stmt
	counts ImportCounts
	// Rows created in this transaction, remembered once it commits.
	sections map[string]int64
	authors  map[string]content.Author
	tags     map[string]content.Tag
}

// stored is what a story stored already was.
type stored struct {
	id          int64
	slug        string
	status      string
	publishedAt time.Time
}

func (w *importTx) round(list []*ImportStory) error {
	found, err := w.existing(list)
	if err != nil {
		return err
	}
	var created, updated []*ImportStory
	for _, st := range list {
		if err := w.resolve(st); err != nil {
			return err
		}
		if _, ok := found[st.SourceID]; ok {
			updated = append(updated, st)
		} else {
			created = append(created, st)
		}
	}
	if err := w.create(created); err != nil {
		return err
	}
	var changes []content.Change
	for _, st := range created {
		a := st.Article
		changes = append(changes, content.Change{Kind: content.Saved, ArticleID: a.ID, SectionID: a.SectionID, Slug: a.Slug, ChangedAt: w.at})
	}
	var relinked []any
	for _, st := range updated {
		was := found[st.SourceID]
		if err := w.update(st, was); err != nil {
			return err
		}
		wasVisible := was.status == string(content.StatusPublished) && !was.publishedAt.After(w.at)
		changes = append(changes, changeOf(st.Article, was.slug, wasVisible, w.at))
		relinked = append(relinked, was.id)
	}
	w.counts.Created += len(created)
	w.counts.Updated += len(updated)
	for _, table := range []string{"article_authors", "article_tags"} {
		if err := w.deleteIn(`DELETE FROM `+table+` WHERE article_id IN `, relinked); err != nil {
			return err
		}
	}
	var authorRows, tagRows, revisionRows, changeRows, pathRows [][]any
	paths := map[string]int{}
	for _, st := range list {
		a := st.Article
		for i, au := range a.Authors {
			authorRows = append(authorRows, []any{a.ID, au.ID, i, a.PublishedAt.UTC()})
		}
		for i, t := range a.Tags {
			tagRows = append(tagRows, []any{a.ID, t.ID, i, a.PublishedAt.UTC()})
		}
		story, err := st.revisionJSON()
		if err != nil {
			return err
		}
		revisionRows = append(revisionRows, []any{a.ID, a.Revision, w.at, "imported", story})
		if st.OldPath != "" {
			// One row per path, the last story naming it winning.
			if i, ok := paths[st.OldPath]; ok {
				pathRows[i][1] = a.ID
				continue
			}
			paths[st.OldPath] = len(pathRows)
			pathRows = append(pathRows, []any{st.OldPath, a.ID})
		}
	}
	for _, c := range changes {
		changeRows = append(changeRows, []any{string(c.Kind), c.ArticleID, c.SectionID, c.Slug, c.OldSlug, c.ChangedAt})
	}
	if w.conn != nil {
		for _, c := range []struct {
			table   string
			columns []string
			rows    [][]any
		}{
			{"article_authors", []string{"article_id", "author_id", "position", "published_at"}, authorRows},
			{"article_tags", []string{"article_id", "tag_id", "position", "published_at"}, tagRows},
			{"article_revisions", []string{"article_id", "revision", "saved_at", "changed", "story"}, revisionRows},
			{"content_changes", []string{"kind", "article_id", "section_id", "slug", "old_slug", "changed_at"}, changeRows},
		} {
			if err := w.copyRows(c.table, c.columns, c.rows); err != nil {
				return err
			}
		}
		authorRows, tagRows, revisionRows, changeRows = nil, nil, nil, nil
	}
	for _, b := range []struct {
		prefix, suffix string
		rows           [][]any
	}{
		{`INSERT INTO article_authors (article_id, author_id, position, published_at) VALUES `, ``, authorRows},
		{`INSERT INTO article_tags (article_id, tag_id, position, published_at) VALUES `, ``, tagRows},
		{`INSERT INTO article_revisions (article_id, revision, saved_at, changed, story) VALUES `, ``, revisionRows},
		{`INSERT INTO content_changes (kind, article_id, section_id, slug, old_slug, changed_at) VALUES `, ``, changeRows},
		{`INSERT INTO import_redirects (path, article_id) VALUES `,
			` ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id`, pathRows},
	} {
		if err := w.insertRows(b.prefix, b.suffix, b.rows); err != nil {
			return err
		}
	}
	return nil
}

// existing finds the stories of list stored already, by source id.
func (w *importTx) existing(list []*ImportStory) (map[string]stored, error) {
	found := map[string]stored{}
	ids := make([]any, len(list))
	for i, st := range list {
		ids[i] = st.SourceID
	}
	for len(ids) > 0 {
		n := min(len(ids), bulkRows)
		q := w.bulk(`SELECT import_id, id, slug, status, published_at FROM articles WHERE import_id IN (`, `)`, 1, n, false)
		rows, err := w.query(q, ids[:n]...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var sid string
			var s stored
			if err := rows.Scan(&sid, &s.id, &s.slug, &s.status, &s.publishedAt); err != nil {
				rows.Close()
				return nil, err
			}
			found[sid] = s
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return found, nil
}

// resolve gives st's section, authors and tags their rows, creating the
// new ones, and sets its byline from the authors' names as stored.
func (w *importTx) resolve(st *ImportStory) error {
	a := st.Article
	var err error
	if a.SectionID, err = w.section(a.SectionSlug, st.Section); err != nil {
		return err
	}
	authors := make([]content.Author, 0, len(a.Authors))
	seen := map[int64]bool{}
	for _, au := range a.Authors {
		if au, err = w.author(au); err != nil {
			return err
		}
		if !seen[au.ID] {
			seen[au.ID] = true
			authors = append(authors, au)
		}
	}
	a.Authors, a.Author = authors, content.Byline(authors)
	tags := make([]content.Tag, 0, len(a.Tags))
	seen = map[int64]bool{}
	for _, t := range a.Tags {
		if t, err = w.tag(t); err != nil {
			return err
		}
		if !seen[t.ID] {
			seen[t.ID] = true
			tags = append(tags, t)
		}
	}
	a.Tags = tags
	return nil
}

func (w *importTx) section(slug, name string) (int64, error) {
	if id, ok := w.im.sections[slug]; ok {
		return id, nil
	}
	if id, ok := w.sections[slug]; ok {
		return id, nil
	}
	var id int64
	err := w.tx.QueryRowContext(w.ctx, `SELECT id FROM sections WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if err := w.im.s.lockSections(w.ctx, w.tx); err != nil {
			return 0, err
		}
		// Added after the others, as the console adds one.
		if err := w.tx.QueryRowContext(w.ctx, `INSERT INTO sections (slug, name, position)
			VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM sections)) RETURNING id`, slug, name).Scan(&id); err != nil {
			return 0, mapErr(err)
		}
		err = recordChange(w.ctx, w.tx, content.Change{Kind: content.SectionSaved, SectionID: id, Slug: slug, ChangedAt: w.at})
	}
	if err != nil {
		return 0, err
	}
	w.sections[slug] = id
	return id, nil
}

func (w *importTx) author(au content.Author) (content.Author, error) {
	key := content.NameKey(au.Name)
	if got, ok := w.im.authors[key]; ok {
		return got, nil
	}
	if got, ok := w.authors[key]; ok {
		return got, nil
	}
	got, err := ensureAuthor(w.ctx, w.tx, au)
	if err != nil {
		return au, err
	}
	w.authors[key] = got
	return got, nil
}

func (w *importTx) tag(t content.Tag) (content.Tag, error) {
	slug := tagSlug(t)
	if got, ok := w.im.tags[slug]; ok {
		return got, nil
	}
	if got, ok := w.tags[slug]; ok {
		return got, nil
	}
	got, err := ensureTag(w.ctx, w.tx, t)
	if err != nil {
		return t, err
	}
	w.tags[slug] = got
	return got, nil
}

// articleColumnsImported are the columns a new imported story's row sets;
// the others take their defaults, as for a story new in the console.
const articleColumnsImported = 13

// create inserts the new stories, many to a statement. A story whose slug
// another has is left out by the insert and tried again under another.
func (w *importTx) create(list []*ImportStory) error {
	bases := make(map[*ImportStory]string, len(list))
	for _, st := range list {
		bases[st] = st.Article.Slug
	}
	for try := 1; len(list) > 0; try++ {
		if try > maxSlugTries {
			return fmt.Errorf("story %s: no free address after %d tries", list[0].SourceID, maxSlugTries)
		}
		if try > 1 {
			for _, st := range list {
				st.Article.Slug = slugTry(bases[st], st.SourceID, try)
			}
		}
		inserted := map[string]int64{}
		if w.conn != nil {
			if err := w.createStaged(list, inserted); err != nil {
				return err
			}
		}
		for rest := list; w.conn == nil && len(rest) > 0; {
			n := min(len(rest), bulkRows)
			args := make([]any, 0, n*articleColumnsImported)
			for _, st := range rest[:n] {
				a := st.Article
				args = append(args, a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access),
					a.PublishedAt.UTC(), w.at, string(a.Status), string(a.Format), st.rendered, st.SourceID)
			}
			q := w.bulk(`INSERT INTO articles (slug, headline, summary, body, section_id, author, access_level,
				published_at, updated_at, status, body_format, body_html, import_id) VALUES `,
				` ON CONFLICT (slug) DO NOTHING RETURNING id, import_id`, articleColumnsImported, n, true)
			rows, err := w.query(q, args...)
			if err != nil {
				return mapErr(err)
			}
			if err := scanInserted(rows, inserted); err != nil {
				return err
			}
			rest = rest[n:]
		}
		var left []*ImportStory
		var slugs []any
		for _, st := range list {
			id, ok := inserted[st.SourceID]
			if !ok {
				left = append(left, st)
				continue
			}
			st.Article.ID, st.Article.Revision, st.Article.UpdatedAt = id, 1, w.at
			slugs = append(slugs, st.Article.Slug)
		}
		// A story taking a slug another story left ends that redirect.
		if err := w.deleteIn(`DELETE FROM slug_redirects WHERE slug IN `, slugs); err != nil {
			return err
		}
		list = left
	}
	return nil
}

// createStaged is create's insert on PostgreSQL: the stories of list are
// copied, then inserted but those whose slug is taken; inserted gets the
// ids of the others by source id.
func (w *importTx) createStaged(list []*ImportStory, inserted map[string]int64) error {
	staged := make([][]any, len(list))
	for i, st := range list {
		a := st.Article
		staged[i] = []any{a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access),
			a.PublishedAt.UTC(), w.at, string(a.Status), string(a.Format), st.rendered, st.SourceID, i}
	}
	if err := w.stageArticles(staged); err != nil {
		return err
	}
	rows, err := w.tx.QueryContext(w.ctx, sqlInsertStaged)
	if err != nil {
		return mapErr(err)
	}
	return scanInserted(rows, inserted)
}

// scanInserted reads the (id, source id) rows an insert of stories
// returned into inserted, and closes them.
func scanInserted(rows *sql.Rows, inserted map[string]int64) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sid string
		if err := rows.Scan(&id, &sid); err != nil {
			return err
		}
		inserted[sid] = id
	}
	return mapErr(rows.Err())
}

// slugTry is the slug tried the nth time for a story whose base slug is
// taken: the base with the source id, then with a number too.
func slugTry(base, sourceID string, n int) string {
	sid := content.Slugify(sourceID)
	switch {
	case n == 1:
		return base
	case sid == "":
		return fmt.Sprintf("%s-%d", base, n)
	case n == 2:
		return base + "-" + sid
	default:
		return fmt.Sprintf("%s-%s-%d", base, sid, n-1)
	}
}

// update writes st over the story it was imported as before. The story
// keeps its slug unless the file gives another that is free, and keeps its
// status (an editor may have taken it down).
func (w *importTx) update(st *ImportStory, was stored) error {
	a := st.Article
	a.ID = was.id
	if !st.SlugGiven || a.Slug == was.slug {
		a.Slug = was.slug
	} else {
		var other int64
		err := w.tx.QueryRowContext(w.ctx, `SELECT id FROM articles WHERE slug = $1`, a.Slug).Scan(&other)
		switch {
		case err == nil:
			a.Slug = was.slug // another story has it
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	var status string
	upd, err := w.stmt(`UPDATE articles SET slug = $2, headline = $3, summary = $4, body = $5, section_id = $6,
		author = $7, access_level = $8, published_at = $9, updated_at = $10, body_format = $11, body_html = $12,
		revision = revision + 1 WHERE id = $1 RETURNING revision, status`)
	if err != nil {
		return err
	}
	if err := upd.QueryRowContext(w.ctx,
		a.ID, a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access),
		a.PublishedAt.UTC(), w.at, string(a.Format), st.rendered).Scan(&a.Revision, &status); err != nil {
		return mapErr(err)
	}
	a.Status, a.UpdatedAt = content.Status(status), w.at
	if a.Slug != was.slug {
		return redirectSlug(w.ctx, w.tx, was.slug, a)
	}
	return nil
}

// ImportedPathSlug returns the slug of the story published, at now, that
// was imported from the older system's address path, or ErrNotFound.
func (s *Store) ImportedPathSlug(ctx context.Context, path string, now time.Time) (string, error) {
	var slug string
	err := s.readRow(ctx, `SELECT a.slug FROM import_redirects r JOIN articles a ON a.id = r.article_id
		WHERE r.path = $1 AND `+sqlVisible+`$2`, path, now.UTC()).Scan(&slug)
	return slug, mapErr(err)
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
)

// revisionStory is what a revision keeps of a story: every field an
// editor sets, enough to restore it.
type revisionStory struct {
	Slug        string        `json:"slug"`
	Headline    string        `json:"headline"`
	Summary     string        `json:"summary"`
	Body        string        `json:"body"`
	Format      string        `json:"format"`
	SectionID   int64         `json:"section_id"`
	Author      string        `json:"author"`
	Access      string        `json:"access"`
	EditorsPick bool          `json:"editors_pick"`
	WireSource  string        `json:"wire_source"`
	Status      string        `json:"status"`
	PublishedAt time.Time     `json:"published_at"`
	Image       content.Image `json:"image"`
	// The authors by id, so that restoring a revision names an author
	// renamed since by their name now; absent from revisions saved
	// before authors were linked, which restore their byline's names.
	AuthorIDs []int64  `json:"author_ids,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	// WireDisclaimer is absent from revisions saved before wire stories
	// had their own, which show the publication's.
	WireDisclaimer string `json:"wire_disclaimer,omitempty"`
}

// SaveStory stores a story saved in the newsroom, with its revision: a new
// story when a.ID is 0, otherwise the next revision of a.ID, only if
// a.Revision is still its latest (else ErrStale, and nothing changes). The
// revision row names the account by (0: none) and the fields changed. A
// slug the story leaves redirects to it from then on; a slug another story
// has is refused with ErrConflict. Its authors and tags, created when new,
// are linked in the same transaction, and its byline is set to the
// authors' names as stored (see resolveAuthors). The change is recorded
// for the caches. A save that fails leaves a as it was given.
func (s *Store) SaveStory(ctx context.Context, a *content.Article, by int64, changed []string, at time.Time) error {
	if a.Slug == "" {
		return errEmptySlug
	}
	undo := undoOnRollback(a)
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.saveStory(ctx, tx, a, by, changed, at) })
	if err != nil {
		undo()
	}
	return err
}

// saveStory is SaveStory inside tx, for a use case that writes a story
// with rows of its own in one transaction (the wire's items).
func (s *Store) saveStory(ctx context.Context, tx *sql.Tx, a *content.Article, by int64, changed []string, at time.Time) error {
	if a.Slug == "" {
		return errEmptySlug
	}
	a.UpdatedAt = at.UTC()
	if a.ID == 0 {
		id, err := createArticle(ctx, tx, a)
		if err != nil {
			return err
		}
		a.ID = id
		return insertRevision(ctx, tx, a, by, changed, at)
	}
	// Hold the row, so the revision and slug read are still the
	// story's when it is written: of two saves at once, the second
	// sees the first one's revision and is refused.
	lock := `SELECT slug, status, published_at, revision FROM articles WHERE id = $1` + s.forUpdate()
	var was content.Article
	var status string
	if err := tx.QueryRowContext(ctx, lock, a.ID).Scan(&was.Slug, &status, &was.PublishedAt, &was.Revision); err != nil {
		return mapErr(err)
	}
	was.Status = content.Status(status)
	if was.Revision != a.Revision {
		return dberr.ErrStale
	}
	rendered, err := renderedColumn(a)
	if err != nil {
		return err
	}
	if err := resolveLinks(ctx, tx, a); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET slug = $2, headline = $3, summary = $4, body = $5,
		section_id = $6, author = $7, access_level = $8, editors_pick = $9, wire_source = $10, published_at = $11,
		updated_at = $12, status = $13, body_format = $14, body_html = $15, revision = revision + 1,
		image = $16, image_width = $17, image_height = $18, image_caption = $19, image_credit = $20,
		pick_position = CASE WHEN $9 AND NOT editors_pick THEN `+sqlNewPick+` ELSE pick_position END,
		wire_disclaimer = $21
		WHERE id = $1`,
		a.ID, a.Slug, a.Headline, a.Summary, a.Body, a.SectionID, a.Author, string(a.Access), a.EditorsPick, a.WireSource,
		a.PublishedAt.UTC(), a.UpdatedAt, string(a.Status), string(a.Format), rendered,
		a.Image.Name, a.Image.Width, a.Image.Height, a.Image.Caption, a.Image.Credit, a.WireDisclaimer); err != nil {
		return mapErr(err)
	}
	a.Revision++
	if err := writeLinks(ctx, tx, a); err != nil {
		return err
	}
	if was.Slug != a.Slug {
		if err := redirectSlug(ctx, tx, was.Slug, a); err != nil {
			return err
		}
	}
	if err := insertRevision(ctx, tx, a, by, changed, at); err != nil {
		return err
	}
	return recordChange(ctx, tx, changeOf(a, was.Slug, was.Visible(at), at))
}

// redirectSlug sends old, the slug a left, to a from now on, and ends any
// redirect from the slug a takes.
func redirectSlug(ctx context.Context, tx *sql.Tx, old string, a *content.Article) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM slug_redirects WHERE slug = $1`, a.Slug); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO slug_redirects (slug, article_id) VALUES ($1, $2)
		ON CONFLICT (slug) DO UPDATE SET article_id = excluded.article_id`, old, a.ID)
	return err
}

func insertRevision(ctx context.Context, tx *sql.Tx, a *content.Article, by int64, changed []string, at time.Time) error {
	story, err := revisionJSON(a)
	if err != nil {
		return err
	}
	var account sql.NullInt64
	if by != 0 {
		account = sql.NullInt64{Int64: by, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO article_revisions (article_id, revision, account_id, saved_at, changed, story)
		VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, a.Revision, account, at.UTC(), strings.Join(changed, ","), story)
	return mapErr(err)
}

// revisionJSON is what a revision keeps of a, as JSON.
func revisionJSON(a *content.Article) (string, error) {
	rs := revisionStory{
		Slug: a.Slug, Headline: a.Headline, Summary: a.Summary, Body: a.Body, Format: string(a.Format),
		SectionID: a.SectionID, Author: a.Author, Access: string(a.Access), EditorsPick: a.EditorsPick,
		WireSource: a.WireSource, WireDisclaimer: a.WireDisclaimer, Status: string(a.Status), PublishedAt: a.PublishedAt.UTC(),
		Image: a.Image, Tags: a.TagNames(),
	}
	for _, au := range a.Authors {
		rs.AuthorIDs = append(rs.AuthorIDs, au.ID)
	}
	return marshalHTML(rs)
}

// StoryByID returns a story whatever its status, with its authors and
// tags, for the newsroom.
func (s *Store) StoryByID(ctx context.Context, id int64) (*content.Article, error) {
	a, err := scanArticle(s.readRow(ctx, `SELECT `+articleColumns+articleFrom+`WHERE a.id = $1`, id))
	return s.withLinks(ctx, a, err)
}

// ListStories lists stories for the newsroom, newest first, as f asks.
func (s *Store) ListStories(ctx context.Context, f content.StoryFilter) ([]*content.Article, error) {
	words := searchWords(f.Query)
	if len(words) == 0 || s.SingleWriter() {
		return s.listStories(ctx, f, words, 0, 0)
	}
	// PostgreSQL cannot tell how many headlines hold a word, so it either
	// walks the stories newest first, slow for a rare word, or gathers
	// every match from the index, slow for a common one. The newest
	// stories are walked first; the index serves what they leave to find.
	var newest sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT MIN(id) FROM (SELECT id FROM articles WHERE $1 = 0 OR id < $1
		ORDER BY id DESC LIMIT `+strconv.Itoa(searchWalk)+`) w`, f.Before).Scan(&newest); err != nil || !newest.Valid {
		return nil, err
	}
	list, err := s.listStories(ctx, f, words, newest.Int64, 0)
	if err != nil || len(list) >= f.Limit {
		return list, err
	}
	f.Limit -= len(list)
	older, err := s.listStories(ctx, f, words, 0, newest.Int64)
	return append(list, older...), err
}

// searchWalk is how many of the newest stories a search on PostgreSQL
// reads one by one before it asks the index.
const searchWalk = 5_000

// listStories runs the list's query, with ids from atLeast on, or below
// below, when they are not 0; a query for ids below below is answered from
// the headline index.
func (s *Store) listStories(ctx context.Context, f content.StoryFilter, words []string, atLeast, below int64) ([]*content.Article, error) {
	var q strings.Builder
	q.WriteString(`SELECT ` + articleColumns + articleFrom + `WHERE TRUE`)
	var args []any
	arg := func(v any) {
		args = append(args, v)
		s.dialect.writeArg(&q, len(args))
	}
	switch f.State {
	case "scheduled":
		q.WriteString(` AND a.status = 'published' AND a.published_at > `)
		arg(f.Now.UTC())
	case "published":
		q.WriteString(` AND ` + sqlVisible)
		arg(f.Now.UTC())
	case "draft", "unpublished":
		q.WriteString(` AND a.status = `)
		arg(f.State)
	}
	if f.Section != "" {
		q.WriteString(` AND s.slug = `)
		arg(f.Section)
	}
	if len(words) > 0 {
		// The headline index: FTS5 on SQLite, a GIN index on PostgreSQL.
		if s.SingleWriter() {
			q.WriteString(` AND a.id IN (SELECT rowid FROM article_headlines WHERE article_headlines MATCH `)
			arg(ftsQuery(words))
			q.WriteString(`)`)
		} else {
			q.WriteString(` AND to_tsvector('simple', a.headline) @@ to_tsquery('simple', `)
			arg(tsQuery(words))
			q.WriteString(`)`)
		}
	}
	if f.Before > 0 {
		q.WriteString(` AND a.id < `)
		arg(f.Before)
	}
	order := `a.id`
	if atLeast > 0 {
		q.WriteString(` AND a.id >= `)
		arg(atLeast)
	}
	if below > 0 {
		q.WriteString(` AND a.id < `)
		arg(below)
		order = `a.id + 0` // not the primary key's order: the index's matches, sorted
	}
	q.WriteString(` ORDER BY ` + order + ` DESC LIMIT `)
	arg(f.Limit)
	// Not prepared: each combination of filters is its own statement.
	list, err := scanArticles(s.r.QueryContext(ctx, q.String(), args...))
	return s.withLinksAll(ctx, list, err)
}

// searchWords splits a search into its words: letters and digits of any
// script, lower-cased; everything else separates words and is dropped, so
// no search can reach the engines' query syntax.
func searchWords(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

// ftsQuery is an FTS5 query for stories with every word, the last as a
// prefix, so that a search finds headlines as the editor types.
func ftsQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + w + `"`
	}
	return strings.Join(parts, " ") + "*"
}

// tsQuery is ftsQuery for PostgreSQL's to_tsquery.
func tsQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + w + "'"
	}
	return strings.Join(parts, " & ") + ":*"
}

// StoryRevisions lists a story's revisions, newest first, without the
// stories they keep.
func (s *Store) StoryRevisions(ctx context.Context, id int64) ([]content.Revision, error) {
	rows, err := s.readRows(ctx, `SELECT r.revision, COALESCE(ac.email, ''), r.saved_at, r.changed
		FROM article_revisions r LEFT JOIN accounts ac ON ac.id = r.account_id
		WHERE r.article_id = $1 ORDER BY r.revision DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []content.Revision
	for rows.Next() {
		var r content.Revision
		var changed string
		if err := rows.Scan(&r.Number, &r.By, &r.SavedAt, &changed); err != nil {
			return nil, err
		}
		r.SavedAt = r.SavedAt.UTC()
		if changed != "" {
			r.Changed = strings.Split(changed, ",")
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StoryAtRevision returns story id as revision n saved it, with the
// story's current id and revision, so that it can be saved again.
func (s *Store) StoryAtRevision(ctx context.Context, id int64, n int) (*content.Article, error) {
	var raw string
	if err := s.readRow(ctx, `SELECT story FROM article_revisions WHERE article_id = $1 AND revision = $2`, id, n).
		Scan(&raw); err != nil {
		return nil, mapErr(err)
	}
	var rs revisionStory
	if err := json.Unmarshal([]byte(raw), &rs); err != nil {
		return nil, err
	}
	a := &content.Article{
		ID: id, Slug: rs.Slug, Headline: rs.Headline, Summary: rs.Summary, Body: rs.Body, Format: content.Format(rs.Format),
		SectionID: rs.SectionID, Author: rs.Author, Access: content.Access(rs.Access), EditorsPick: rs.EditorsPick,
		WireSource: rs.WireSource, WireDisclaimer: rs.WireDisclaimer, Status: content.Status(rs.Status), PublishedAt: rs.PublishedAt,
		Image: rs.Image,
	}
	for _, id := range rs.AuthorIDs {
		a.Authors = append(a.Authors, content.Author{ID: id})
	}
	for _, name := range rs.Tags {
		a.Tags = append(a.Tags, content.Tag{Name: name})
	}
	return a, nil
}

// RedirectedSlug returns the slug of the story now published, at now,
// under the slug old that it left, or ErrNotFound.
func (s *Store) RedirectedSlug(ctx context.Context, old string, now time.Time) (string, error) {
	var slug string
	err := s.readRow(ctx, `SELECT a.slug FROM slug_redirects r JOIN articles a ON a.id = r.article_id
		WHERE r.slug = $1 AND `+sqlVisible+`$2`, old, now.UTC()).Scan(&slug)
	return slug, mapErr(err)
}

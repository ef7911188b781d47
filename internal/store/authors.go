package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"broadsheet/internal/content"
)

// Authors are found by name, whatever its case (name_key), and created
// when new, inside the transaction that saves the story naming them.

const authorColumns = `id, slug, name, bio, photo`

func scanAuthor(row interface{ Scan(...any) error }) (*content.Author, error) {
	var au content.Author
	if err := row.Scan(&au.ID, &au.Slug, &au.Name, &au.Bio, &au.Photo); err != nil {
		return nil, mapErr(err)
	}
	return &au, nil
}

// AuthorBySlug returns the author whose page is at slug.
func (s *Store) AuthorBySlug(ctx context.Context, slug string) (*content.Author, error) {
	return scanAuthor(s.readRow(ctx, `SELECT `+authorColumns+` FROM authors WHERE slug = $1`, slug))
}

// AuthorByID returns an author.
func (s *Store) AuthorByID(ctx context.Context, id int64) (*content.Author, error) {
	return scanAuthor(s.readRow(ctx, `SELECT `+authorColumns+` FROM authors WHERE id = $1`, id))
}

// Authors lists authors by slug (about alphabetical), those after the
// slug after ("" from the first), at most limit.
func (s *Store) Authors(ctx context.Context, after string, limit int) ([]content.Author, error) {
	rows, err := s.readRows(ctx, `SELECT `+authorColumns+` FROM authors WHERE slug > $1 ORDER BY slug LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []content.Author
	for rows.Next() {
		au, err := scanAuthor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *au)
	}
	return out, rows.Err()
}

// resolveAuthors gives each of a's authors its row, found by id or by
// name and created when new, and sets a's byline to their names as
// stored. A story without Authors takes them from its byline, so that
// stories imported with a byline alone get authors too.
//
// New names are looked up in the order of their keys: two saves creating
// the same two authors at once then wait for each other in one order, and
// never deadlock.
func resolveAuthors(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	if len(a.Authors) == 0 {
		a.Authors = content.AuthorsOf(a.Author)
	}
	order := make([]int, len(a.Authors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return content.NameKey(a.Authors[order[i]].Name) < content.NameKey(a.Authors[order[j]].Name)
	})
	for _, i := range order {
		au, err := ensureAuthor(ctx, tx, a.Authors[i])
		if err != nil {
			return err
		}
		a.Authors[i] = au
	}
	a.Authors = uniqueAuthors(a.Authors)
	a.Author = content.Byline(a.Authors)
	return nil
}

// uniqueAuthors drops an author named twice (by two spellings of one name).
func uniqueAuthors(list []content.Author) []content.Author {
	seen := map[int64]bool{}
	out := list[:0]
	for _, au := range list {
		if !seen[au.ID] {
			seen[au.ID] = true
			out = append(out, au)
		}
	}
	return out
}

// maxSlugTries bounds the numbers tried after a slug another name took.
const maxSlugTries = 100

// ensureAuthor returns au's row: by id when it has one, else by name,
// inserted when no author has the name. A name inserted meanwhile by
// another transaction is a conflict the insert skips (ON CONFLICT DO
// NOTHING waits for that transaction), and the row is read again: never
// a check then an insert that two saves could both pass.
func ensureAuthor(ctx context.Context, tx *sql.Tx, au content.Author) (content.Author, error) {
	if au.ID != 0 {
		got, err := scanAuthor(tx.QueryRowContext(ctx, `SELECT `+authorColumns+` FROM authors WHERE id = $1`, au.ID))
		if err != nil {
			return au, fmt.Errorf("author %d: %w", au.ID, err)
		}
		return *got, nil
	}
	name := content.TidyName(au.Name)
	key := content.NameKey(name)
	base := au.Slug
	if base == "" {
		base = content.Slugify(name)
	}
	if base == "" {
		base = "author"
	}
	for n := 1; n <= maxSlugTries; n++ {
		got, err := scanAuthor(tx.QueryRowContext(ctx, `SELECT `+authorColumns+` FROM authors WHERE name_key = $1`, key))
		if err == nil {
			return *got, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return au, err
		}
		slug := base
		if n > 1 {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO authors (slug, name, name_key) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING RETURNING id`, slug, name, key).Scan(&id)
		if err == nil {
			return content.Author{ID: id, Slug: slug, Name: name}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return au, mapErr(err)
		}
		// The name or the slug was taken meanwhile: the name is found on
		// the next turn, a slug of another name gets a number.
	}
	return au, fmt.Errorf("author %q: no free address after %d tries", name, maxSlugTries)
}

// linkAuthors links story a to its resolved authors, in order, in place
// of the ones it had.
func linkAuthors(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_authors WHERE article_id = $1`, a.ID); err != nil {
		return err
	}
	for i, au := range a.Authors {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_authors (article_id, author_id, position, published_at) VALUES ($1, $2, $3, $4)`,
			a.ID, au.ID, i, a.PublishedAt.UTC()); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// UpdateAuthor saves an author's name, bio and photo. A new name is also
// written into the byline of each of their stories, in the same
// transaction, with a change recorded per story so that caches drop their
// copies. A name another author has is refused with ErrConflict.
//
// On PostgreSQL it holds the author's stories before the author, the
// order a save of one of them takes its locks in (the story's row, then
// the author's as its link is written): the other order deadlocks.
func (s *Store) UpdateAuthor(ctx context.Context, au content.Author, at time.Time) error {
	name := content.TidyName(au.Name)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		lock := `SELECT name FROM authors WHERE id = $1`
		if !s.SingleWriter() {
			// A save of one of them in flight commits first, so its
			// authors are the ones the bylines are written from.
			if _, err := tx.ExecContext(ctx, `SELECT a.id FROM articles a JOIN article_authors x ON x.article_id = a.id
				WHERE x.author_id = $1 ORDER BY a.id FOR UPDATE OF a`, au.ID); err != nil {
				return err
			}
			lock += ` FOR UPDATE`
		}
		var was string
		if err := tx.QueryRowContext(ctx, lock, au.ID).Scan(&was); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE authors SET name = $2, name_key = $3, bio = $4, photo = $5 WHERE id = $1`,
			au.ID, name, content.NameKey(name), au.Bio, au.Photo); err != nil {
			return mapErr(err)
		}
		if was == name {
			return nil
		}
		return rewriteBylines(ctx, tx, au.ID, at)
	})
}

// rewriteBylines writes the byline of every story of author id anew from
// its authors' names, recording each story as saved.
func rewriteBylines(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.slug, a.section_id, au.name
		FROM article_authors mine
		JOIN articles a ON a.id = mine.article_id
		JOIN article_authors x ON x.article_id = a.id
		JOIN authors au ON au.id = x.author_id
		WHERE mine.author_id = $1 ORDER BY a.id, x.position`, id)
	if err != nil {
		return err
	}
	type story struct {
		change content.Change
		names  []string
	}
	var stories []*story
	for rows.Next() {
		var c content.Change
		var name string
		if err := rows.Scan(&c.ArticleID, &c.Slug, &c.SectionID, &name); err != nil {
			rows.Close()
			return err
		}
		if n := len(stories); n == 0 || stories[n-1].change.ArticleID != c.ArticleID {
			c.Kind, c.ChangedAt = content.Saved, at
			stories = append(stories, &story{change: c})
		}
		last := stories[len(stories)-1]
		last.names = append(last.names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, st := range stories {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET author = $2 WHERE id = $1`,
			st.change.ArticleID, strings.Join(st.names, ", ")); err != nil {
			return err
		}
		if err := recordChange(ctx, tx, st.change); err != nil {
			return err
		}
	}
	return nil
}

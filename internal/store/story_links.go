package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"broadsheet/internal/content"
)

// A story's links are its authors and tags: resolved (created when new)
// before the story's row is written, so its byline is their names as
// stored, and linked once it has an id, all in the story's transaction.

// resolveLinks resolves a's authors and tags, setting its byline.
func resolveLinks(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	if err := resolveAuthors(ctx, tx, a); err != nil {
		return err
	}
	return resolveTags(ctx, tx, a)
}

// writeLinks links a, which has its id, to its resolved authors and tags.
func writeLinks(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	if err := linkAuthors(ctx, tx, a); err != nil {
		return err
	}
	return linkTags(ctx, tx, a)
}

// undoOnRollback returns what puts back the fields a save sets on a (its
// id, revision, byline and resolved links), for a save rolled back: ids
// of rows the rollback took away must not be saved again.
func undoOnRollback(a *content.Article) func() {
	id, revision, byline := a.ID, a.Revision, a.Author
	authors, tags := slices.Clone(a.Authors), slices.Clone(a.Tags)
	return func() { a.ID, a.Revision, a.Author, a.Authors, a.Tags = id, revision, byline, authors, tags }
}

// sqlLinks lists stories' authors and tags in one statement: kind 'a' or
// 't', in order. It is completed by the ids asked for.
const sqlLinks = `SELECT x.article_id, 'a', au.id, au.slug, au.name, x.position
	FROM article_authors x JOIN authors au ON au.id = x.author_id WHERE x.article_id IN (%s)
	UNION ALL
	SELECT x.article_id, 't', t.id, t.slug, t.name, x.position
	FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id IN (%s)
	ORDER BY 1, 2, 6`

// sqlStoryLinks is sqlLinks for one story, prepared once: it is read with
// every story the article page's cache misses.
var sqlStoryLinks = strings.ReplaceAll(sqlLinks, "%s", "$1")

// withLinks loads the authors and tags of story a.
func (s *Store) withLinks(ctx context.Context, a *content.Article, err error) (*content.Article, error) {
	if err != nil {
		return nil, err
	}
	rows, err := s.readRows(ctx, sqlStoryLinks, a.ID)
	if err := scanLinks(rows, err, map[int64]*content.Article{a.ID: a}); err != nil {
		return nil, err
	}
	return a, nil
}

// withLinksAll loads the authors and tags of the stories in list, in one
// statement.
func (s *Store) withLinksAll(ctx context.Context, list []*content.Article, err error) ([]*content.Article, error) {
	if err != nil || len(list) == 0 {
		return list, err
	}
	var ids strings.Builder
	args := make([]any, len(list))
	byID := make(map[int64]*content.Article, len(list))
	for i, a := range list {
		if i > 0 {
			ids.WriteByte(',')
		}
		s.dialect.writeArg(&ids, i+1)
		args[i], byID[a.ID] = a.ID, a
	}
	// The list appears twice: PostgreSQL's $n name the ids again, while
	// SQLite's ? each take the next argument, so it is given them twice.
	q := strings.ReplaceAll(sqlLinks, "%s", ids.String())
	if s.dialect.name == sqlite.name {
		args = append(args, args...)
	}
	// Not prepared: each length of list would be a statement kept for ever.
	rows, err := s.r.QueryContext(ctx, q, args...)
	return list, scanLinks(rows, err, byID)
}

func scanLinks(rows *sql.Rows, err error, byID map[int64]*content.Article) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var articleID, id int64
		var kind, slug, name string
		var pos int
		if err := rows.Scan(&articleID, &kind, &id, &slug, &name, &pos); err != nil {
			return err
		}
		a := byID[articleID]
		if a == nil {
			continue
		}
		if kind == "a" {
			a.Authors = append(a.Authors, content.Author{ID: id, Slug: slug, Name: name})
		} else {
			a.Tags = append(a.Tags, content.Tag{ID: id, Slug: slug, Name: name})
		}
	}
	return rows.Err()
}

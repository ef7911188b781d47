package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"broadsheet/internal/content"
)

// StoryBodies fills in the bodies of stories read without them, as lists
// read them (listColumns), in one statement: for the outputs that show a
// list's stories' text, such as feeds. Stories with a body are left as
// they are, and a list with none to fill asks nothing.
func (s *Store) StoryBodies(ctx context.Context, list []*content.Article) error {
	byID := make(map[int64]*content.Article, len(list))
	var ids strings.Builder
	var args []any
	for _, a := range list {
		if a.Body != "" || a.Rendered != nil || byID[a.ID] != nil {
			continue
		}
		if len(args) > 0 {
			ids.WriteByte(',')
		}
		args = append(args, a.ID)
		s.dialect.writeArg(&ids, len(args))
		byID[a.ID] = a
	}
	if len(args) == 0 {
		return nil
	}
	// Not prepared: each length of list would be a statement kept for ever.
	rows, err := s.r.QueryContext(ctx, `SELECT id, body, body_format, body_html FROM articles WHERE id IN (`+ids.String()+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body, format, rendered string
		if err := rows.Scan(&id, &body, &format, &rendered); err != nil {
			return err
		}
		a := byID[id]
		a.Body, a.Format = body, content.Format(format)
		if a.Format == content.Markdown {
			if err := json.Unmarshal([]byte(rendered), &a.Rendered); err != nil {
				return fmt.Errorf("story %d: stored blocks: %w", id, err)
			}
		}
	}
	return rows.Err()
}

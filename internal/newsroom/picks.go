package newsroom

import (
	"context"

	"broadsheet/internal/content"
)

// PickStore keeps the order of the editors' picks.
type PickStore interface {
	Picks(ctx context.Context, limit int) ([]*content.Article, error)
	MovePick(ctx context.Context, id int64, by int) (bool, error)
}

// Picks lists the editors' picks in their order, whatever their state.
func (s *Service) Picks(ctx context.Context, limit int) ([]*content.Article, error) {
	return s.Store.Picks(ctx, limit)
}

// MovePick moves a story one place up (by -1) or down (by 1) the picks.
func (s *Service) MovePick(ctx context.Context, id int64, by int) (bool, error) {
	return s.Store.MovePick(ctx, id, by)
}

// Unpick takes a story off the picks, as a revision of the story by the
// account by, so that an editor with the story open is told rather than
// putting it back unawares.
func (s *Service) Unpick(ctx context.Context, by, id int64) error {
	a, err := s.Store.StoryByID(ctx, id)
	if err != nil || !a.EditorsPick {
		return err
	}
	a.EditorsPick = false
	return s.save(ctx, a, by, false, []string{"editors_pick"})
}

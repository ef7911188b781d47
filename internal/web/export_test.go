package web

import (
	"context"

	"broadsheet/internal/content"
)

// Story returns the rendered story published under slug now, from memory
// when it is kept there: the same pointer until the copy is dropped.
func (s *Server) Story(ctx context.Context, slug string) (any, error) {
	return s.story(ctx, slug, s.Now())
}

// ReadStoriesFrom makes the story cache read stories from src, so that a
// test can hold a read midway.
func (s *Server) ReadStoriesFrom(src content.Source) { s.stories.src = src }

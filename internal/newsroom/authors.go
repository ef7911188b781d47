package newsroom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/media"
)

// Authors are created from bylines as stories are saved; editors give
// them a bio and a photo, and correct their names.

// AuthorStore keeps the authors.
type AuthorStore interface {
	Authors(ctx context.Context, after string, limit int) ([]content.Author, error)
	AuthorByID(ctx context.Context, id int64) (*content.Author, error)
	UpdateAuthor(ctx context.Context, au content.Author, at time.Time) error
}

// AuthorEdit is an author's profile as an editor submits it.
type AuthorEdit struct {
	Name string
	Bio  string
	// Photo is a new photo's file as uploaded, or nil to keep the
	// author's unless RemovePhoto.
	Photo       []byte
	RemovePhoto bool
}

// Limits on an author's profile.
const (
	maxName = 100
	maxBio  = 2000
)

// Authors lists authors by slug, those after the slug after ("" from the
// first), at most limit.
func (s *Service) Authors(ctx context.Context, after string, limit int) ([]content.Author, error) {
	return s.Store.Authors(ctx, after, limit)
}

// Author returns an author.
func (s *Service) Author(ctx context.Context, id int64) (*content.Author, error) {
	return s.Store.AuthorByID(ctx, id)
}

// SaveAuthor saves an editor's changes to author id and returns the
// author saved. Bad fields, or a name another author has, give an
// *InvalidError, and nothing is saved. A new name goes into the byline of
// every story of theirs at once; the address stays, so links keep working.
func (s *Service) SaveAuthor(ctx context.Context, id int64, e AuthorEdit) (*content.Author, error) {
	au, err := s.Store.AuthorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	var bad InvalidError
	au.Name = content.TidyName(e.Name)
	switch n := utf8.RuneCountInString(au.Name); {
	case n == 0:
		bad.add("name", "an author needs a name")
	case n > maxName:
		bad.add("name", fmt.Sprintf("at most %d characters", maxName))
	case strings.Contains(au.Name, ","):
		bad.add("name", "a name may not hold a comma: bylines separate names with commas")
	}
	au.Bio = strings.TrimSpace(strings.ReplaceAll(e.Bio, "\r\n", "\n"))
	if utf8.RuneCountInString(au.Bio) > maxBio {
		bad.add("bio", fmt.Sprintf("at most %d characters", maxBio))
	}
	switch {
	case len(e.Photo) > 0:
		img, err := media.Save(ctx, s.Media, e.Photo)
		if errors.Is(err, media.ErrNotImage) {
			bad.add("photo", err.Error())
		} else if err != nil {
			return nil, err
		}
		au.Photo = img.Name
	case e.RemovePhoto:
		au.Photo = ""
	}
	if len(bad.Fields) > 0 {
		return nil, &bad
	}
	err = s.Store.UpdateAuthor(ctx, *au, s.Now())
	if errors.Is(err, dberr.ErrConflict) {
		return nil, invalid("name", "another author has this name")
	}
	return au, err
}
